import { grad } from "gradc";
import { unaryPlus } from "./probe-fns.js";
export const g = grad(unaryPlus);
