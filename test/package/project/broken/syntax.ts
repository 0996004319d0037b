import { grad } from "gradc";

function g(y: number): number {
  if (y > 1 {
    return y;
  }
  return 2 * y;
}

console.log(grad(g)(3));
