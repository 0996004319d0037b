import { grad } from "gradc";
import { returnInNested } from "./probe-fns.js";
export const g = grad(returnInNested);
