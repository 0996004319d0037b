import { grad } from "gradc";
import { activeIncCounter } from "./probe-fns.js";
export const g = grad(activeIncCounter);
