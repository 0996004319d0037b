import { grad } from "gradc";
import { sameArgTwice } from "./probe-fns.js";
export const g = grad(sameArgTwice);
