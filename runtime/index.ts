/**
 * gradc's public API. `grad`, `valueAndGrad`, `jvp` and `vjp` are markers: gradc's transform
 * replaces every call to them at build time with generated derivative code. A call that reaches
 * run time was not transformed, and throws an error that says how to enable the transform —
 * it never returns a wrong number.
 */

export interface GradOptions {
  /** Parameter indices to differentiate with respect to: a list, or one index for a single gradient. */
  wrt?: number | readonly number[];
  /** "compiled" (default): generated code. "tape": the tape-based engine. */
  engine?: "compiled" | "tape";
}

type NumericFunction = (...args: any[]) => number;
type Gradients = any;

function notTransformed(api: string): never {
  throw new Error(
    `gradc: ${api}() was called at run time, so this module was not transformed by gradc. ` +
      "Run it with `npx gradc run FILE`, build it with the gradc plugin (import gradc from \"gradc/plugin\"; " +
      "gradc.vite() / gradc.esbuild() / gradc.rollup() / gradc.webpack()), or use the TypeScript transformer (gradc/tsc). " +
      "`npx gradc check FILE` shows why a function cannot be differentiated.",
  );
}

/** The gradient of `f`: one entry per parameter (or per `wrt` index); a single value for `wrt: i`. */
export function grad<F extends NumericFunction>(f: F, options?: GradOptions): (...args: Parameters<F>) => Gradients {
  void f, options;
  return notTransformed("grad");
}

/** `[f(...args), gradients]`, with gradients as `grad` returns them. */
export function valueAndGrad<F extends NumericFunction>(f: F, options?: GradOptions): (...args: Parameters<F>) => [number, Gradients] {
  void f, options;
  return notTransformed("valueAndGrad");
}

/**
 * The zero-allocation form of `valueAndGrad` for hot loops: `(grads, ...args) => value`, where
 * `grads` holds one preallocated Float64Array per `wrt` parameter (the parameter's length for
 * arrays, length 1 for numbers) and is overwritten with the gradients.
 */
export function valueAndGradInto<F extends NumericFunction>(f: F, options?: GradOptions): (grads: ArrayLike<Float64Array>, ...args: Parameters<F>) => number {
  void f, options;
  return notTransformed("valueAndGradInto");
}

/** Forward mode: `[f(primals), ∇f · tangents]`. */
export function jvp<F extends NumericFunction>(f: F, options?: GradOptions): (primals: Parameters<F>, tangents: Parameters<F>) => [number, number] {
  void f, options;
  return notTransformed("jvp");
}

/** `[f(...args), pullback]` where `pullback(cotangent)` returns the gradients scaled by the cotangent. */
export function vjp<F extends NumericFunction>(f: F, options?: GradOptions): (...args: Parameters<F>) => [number, (cotangent: number) => Gradients] {
  void f, options;
  return notTransformed("vjp");
}

export { Tape, sharedTape, type Node } from "./tape.js";
export { checkGrad, type GradCheckOptions, type GradCheckReport, type GradEngines } from "./check.js";

/** The value of `x`, through which no derivative flows (targets of a loss, for example). */
export function stopGradient<T extends number | boolean>(x: T): T {
  return x;
}
