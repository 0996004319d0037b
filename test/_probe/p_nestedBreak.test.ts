import { grad } from "gradc";
import { nestedBreak } from "./probe-fns.js";
export const g = grad(nestedBreak);
