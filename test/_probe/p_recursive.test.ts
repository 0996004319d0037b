import { grad } from "gradc";
import { recursive } from "./probe-fns.js";
export const g = grad(recursive);
