/**
 * The checkpointing benchmark's loop (bench/checkpoint.ts): a damped pendulum integrated by
 * explicit Euler for `steps` steps, without and with `// @checkpoint` (√n segments, and segments
 * of 1,000 iterations). Reverse mode of the plain loop saves sin x, a, x and v at every step;
 * the checkpointed ones save x, v and i every k steps and one segment's values at a time.
 */
export function pendulum(x0: number, v0: number, k: number, c: number, dt: number, steps: number): number {
  let x = x0;
  let v = v0;
  for (let i = 0; i < steps; i++) {
    const a = -k * Math.sin(x) - c * v;
    x = x + dt * v;
    v = v + dt * a;
  }
  return x * x + 0.5 * v * v;
}

export function pendulumSqrt(x0: number, v0: number, k: number, c: number, dt: number, steps: number): number {
  let x = x0;
  let v = v0;
  // @checkpoint
  for (let i = 0; i < steps; i++) {
    const a = -k * Math.sin(x) - c * v;
    x = x + dt * v;
    v = v + dt * a;
  }
  return x * x + 0.5 * v * v;
}

export function pendulum1000(x0: number, v0: number, k: number, c: number, dt: number, steps: number): number {
  let x = x0;
  let v = v0;
  // @checkpoint 1000
  for (let i = 0; i < steps; i++) {
    const a = -k * Math.sin(x) - c * v;
    x = x + dt * v;
    v = v + dt * a;
  }
  return x * x + 0.5 * v * v;
}
