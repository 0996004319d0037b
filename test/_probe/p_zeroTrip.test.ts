import { grad } from "gradc";
import { zeroTrip } from "./probe-fns.js";
export const g = grad(zeroTrip);
