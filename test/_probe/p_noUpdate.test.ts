import { grad } from "gradc";
import { noUpdate } from "./probe-fns.js";
export const g = grad(noUpdate);
