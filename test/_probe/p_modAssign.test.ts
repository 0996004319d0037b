import { grad } from "gradc";
import { modAssign } from "./probe-fns.js";
export const g = grad(modAssign);
