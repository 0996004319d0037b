import { grad } from "gradc";
import { boolToHelper } from "./probe-fns.js";
export const g = grad(boolToHelper);
