import { grad } from "gradc";
import { whileTrueBreak } from "./probe-fns.js";
export const g = grad(whileTrueBreak);
