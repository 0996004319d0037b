import { grad } from "gradc";
import { activeWhileCounter } from "./probe-fns.js";
export const g = grad(activeWhileCounter);
