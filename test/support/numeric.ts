/**
 * Independent checks for derivatives: Richardson-extrapolated central differences, which agree
 * with the true derivative to about 1e-9 relative for smooth functions, and a comparison helper
 * that checks reverse mode, forward mode and finite differences against one another.
 */
import { expect } from "vitest";
import { richardsonDerivative } from "../../runtime/check.js";

export type Arg = number | boolean | Float64Array;

/** Richardson-extrapolated central differences of g (a function of the step) at a point of size |x|. */
export function richardson(g: (h: number) => number, x: number): number {
  return richardsonDerivative(g, 1e-3 * Math.max(1, Math.abs(x)));
}

/** ∂f/∂args[i] (or ∂f/∂args[i][j] for each element of an array argument) by finite differences. */
export function numericPartial(f: (...args: any[]) => number, args: Arg[], i: number): number | Float64Array {
  const arg = args[i];
  const withArg = (replacement: Arg) => f(...args.map((a, k) => (k === i ? replacement : copy(a))));
  if (typeof arg === "number") return richardson((h) => withArg(arg + h), arg);
  if (arg instanceof Float64Array) {
    const out = new Float64Array(arg.length);
    for (let j = 0; j < arg.length; j++) {
      out[j] = richardson((h) => {
        const shifted = Float64Array.from(arg);
        shifted[j] += h;
        return withArg(shifted);
      }, arg[j]);
    }
    return out;
  }
  throw new Error(`argument ${i} is not differentiable`);
}

function copy(a: Arg): Arg {
  return a instanceof Float64Array ? Float64Array.from(a) : a;
}

/** |a − b| ≤ tol·max(1, |b|), elementwise for arrays. */
export function expectClose(actual: number | Float64Array, expected: number | Float64Array, tol: number, label = ""): void {
  const a = typeof actual === "number" ? [actual] : Array.from(actual);
  const b = typeof expected === "number" ? [expected] : Array.from(expected);
  expect(a.length, `${label}: length`).toBe(b.length);
  for (let k = 0; k < a.length; k++) {
    const scale = Math.max(1, Math.abs(b[k]));
    const err = Math.abs(a[k] - b[k]) / scale;
    if (!(err <= tol)) {
      expect.fail(`${label}[${k}]: got ${a[k]}, expected ${b[k]} (relative error ${err.toExponential(2)} > ${tol})`);
    }
  }
}
