import { grad } from "gradc";
import { activeCounter } from "./probe-fns.js";
export const g = grad(activeCounter);
