import { grad } from "gradc";
import { comparisons } from "./probe-fns.js";
export const g = grad(comparisons);
