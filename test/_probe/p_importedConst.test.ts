import { grad } from "gradc";
import { importedConst } from "./probe-fns.js";
export const g = grad(importedConst);
