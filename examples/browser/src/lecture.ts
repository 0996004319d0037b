/** The lecture example, differentiated by gradc at build time. */
import { grad } from "gradc";

export function f(x1: number, x2: number): number {
  const a = x1 / x2;
  const b = Math.sin(a);
  const c = Math.exp(x2);
  return (b + a - c) * (a - c);
}

/** [∂f/∂x1, ∂f/∂x2] at (1.5, 0.5): [3.011843327673907, -13.723961509314076]. */
export function lectureGradient(): [number, number] {
  return grad(f)(1.5, 0.5);
}
