import { square } from "./math.js";

/** The lecture example. */
export function f(x1: number, x2: number): number {
  const a = x1 / x2;
  const b = Math.sin(a);
  const c = Math.exp(x2);
  return (b + a - c) * (a - c);
}

/** Rosenbrock's function of an array: a loop, array reads and a helper from another module. */
export function rosenbrock(x: Float64Array): number {
  let sum = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const xi = x[i]!;
    sum += 100 * square(x[i + 1]! - xi * xi) + square(1 - xi);
  }
  return sum;
}
