/**
 * A long scalar loop, the case that shows what a tape costs in memory: `iterations` steps of the
 * recurrence x ← a·x + 0.01·sin(x), returning x. Every step overwrites x, so reverse mode must
 * keep one value per iteration (the tape keeps one node per operation). With a = 0.999 the
 * iteration settles near the fixed point x* ≈ 2.85 (x* = a·x* + 0.01·sin x*), so the value and
 * ∂x/∂a ≈ 269 stay finite for any length, while ∂x/∂x0 decays to 0.
 */
export function scalarLoop(x0: number, a: number, iterations: number): number {
  let x = x0;
  for (let i = 0; i < iterations; i++) x = x * a + Math.sin(x) * 0.01;
  return x;
}
