import { grad } from "gradc";

function f(x1: number, x2: number): number {
  return x1 * x2;
}

// A gradient is a number, not a string: TypeScript must reject this line (TS2322).
const s: string = grad(f)(1, 2)[0];
console.log(s);
