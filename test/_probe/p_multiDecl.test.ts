import { grad } from "gradc";
import { multiDecl } from "./probe-fns.js";
export const g = grad(multiDecl);
