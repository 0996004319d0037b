import { grad } from "gradc";
import { earlyFirst } from "./probe-fns.js";
export const g = grad(earlyFirst);
