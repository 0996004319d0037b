/** @differentiable */
export function energy(x: number, y: number): number {
  return x * x * y + Math.cos(y);
}
