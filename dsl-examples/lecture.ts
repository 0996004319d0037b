/**
 * The lecture example: f(x1, x2) = (sin(x1/x2) + x1/x2 − exp(x2)) · (x1/x2 − exp(x2)).
 * `gradc emit dsl-examples/lecture.ts` prints the generated code next to the trace
 * v1 = x1/x2, v2 = sin v1, v3 = exp x2, v4 = v2 + v1, v5 = v4 − v3, v6 = v1 − v3, v7 = v5 · v6.
 */

/** @differentiable */
export function f(x1: number, x2: number): number {
  const a = x1 / x2;
  const b = Math.sin(a);
  const c = Math.exp(x2);
  return (b + a - c) * (a - c);
}
