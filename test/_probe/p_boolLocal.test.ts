import { grad } from "gradc";
import { boolLocal } from "./probe-fns.js";
export const g = grad(boolLocal);
