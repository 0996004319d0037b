import { grad } from "gradc";
import { mathPowNegBase } from "./probe-fns.js";
export const g = grad(mathPowNegBase);
