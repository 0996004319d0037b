import { grad } from "gradc";
import { helperMutatesParam } from "./probe-fns.js";
export const g = grad(helperMutatesParam);
