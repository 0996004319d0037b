import { grad } from "gradc";
import { powNegBase } from "./probe-fns.js";
export const g = grad(powNegBase);
