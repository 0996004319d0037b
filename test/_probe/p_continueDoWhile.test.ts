import { grad } from "gradc";
import { continueDoWhile } from "./probe-fns.js";
export const g = grad(continueDoWhile);
