import { grad } from "gradc";
import { chainAssign } from "./probe-fns.js";
export const g = grad(chainAssign);
