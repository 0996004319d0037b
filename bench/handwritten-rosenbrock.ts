/**
 * The n-dimensional Rosenbrock function's value and gradient written by hand in one pass — the
 * baseline for dsl-examples/rosenbrock.ts's generated gradient:
 *   f = Σ 100·(x_{i+1} − x_i²)² + (1 − x_i)²,
 *   ∂f/∂x_i = −400·x_i·(x_{i+1} − x_i²) − 2·(1 − x_i)   (from term i)
 *           + 200·(x_i − x_{i−1}²)                       (from term i − 1).
 */
export function rosenbrockValueAndGrad(x: Float64Array, grad: Float64Array): number {
  const n = x.length;
  let s = 0;
  grad.fill(0);
  for (let i = 0; i + 1 < n; i++) {
    const xi = x[i];
    const a = x[i + 1] - xi * xi;
    const b = 1 - xi;
    s += 100 * a * a + b * b;
    grad[i] += -400 * xi * a - 2 * b;
    grad[i + 1] += 200 * a;
  }
  return s;
}
