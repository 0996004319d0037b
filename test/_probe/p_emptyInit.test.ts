import { grad } from "gradc";
import { emptyInit } from "./probe-fns.js";
export const g = grad(emptyInit);
