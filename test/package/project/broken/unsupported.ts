import { grad } from "gradc";

function total(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

console.log(grad(total)([1, 2, 3]));
