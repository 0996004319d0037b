/** Re-exports through an index: gradc resolves `f` to its declaration in model.ts. */
export { f, rosenbrock } from "./model.js";
