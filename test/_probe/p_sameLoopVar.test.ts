import { grad } from "gradc";
import { sameLoopVar } from "./probe-fns.js";
export const g = grad(sameLoopVar);
