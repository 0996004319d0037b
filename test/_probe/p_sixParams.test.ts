import { grad } from "gradc";
import { sixParams } from "./probe-fns.js";
export const g = grad(sixParams);
