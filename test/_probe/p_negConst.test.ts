import { grad } from "gradc";
import { negConst } from "./probe-fns.js";
export const g = grad(negConst);
