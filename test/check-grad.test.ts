/** checkGrad: every engine against finite differences, per parameter, as JAX's check_grads. */
import { describe, expect, it } from "vitest";
import { checkGrad } from "gradc";
// The checker itself, called directly: gradc transforms only calls to what "gradc" exports.
import { checkGrad as checkEngines, type GradEngines } from "../runtime/check.js";
import { f } from "../dsl-examples/lecture.js";
import { rosenbrock } from "../dsl-examples/rosenbrock.js";

function mixed(a: Float64Array, s: number, flag: boolean): number {
  let t = flag ? s : -s;
  for (let i = 0; i < a.length; i++) t += Math.sin(a[i] * s) / (1 + i);
  return t * t;
}

describe("checkGrad", () => {
  it("reports agreement of compiled reverse, compiled forward and tape with finite differences", () => {
    const report = checkGrad(f, [1.5, 0.5]);
    expect(report.ok).toBe(true);
    expect(report.parameters.map((p) => p.index)).toEqual([0, 1]);
    expect(report.worst).toBeLessThan(1e-8);
  });

  it("checks arrays element by element and skips booleans", () => {
    const report = checkGrad(mixed, [Float64Array.from([0.3, -0.7, 1.1]), 0.8, true]);
    expect(report.parameters.map((p) => p.index)).toEqual([0, 1]);
    expect(report.ok).toBe(true);
    expect(checkGrad(rosenbrock, [Float64Array.from([-1.2, 1, 0.4])]).ok).toBe(true);
  });

  it("catches a wrong engine and names it", () => {
    // A hand-assembled engine set whose reverse mode is off by 1% — what a compiler bug looks like.
    const square = (x: number) => x * x;
    const engines: GradEngines = {
      name: "square",
      f: square,
      reverse: (x: number) => [2.02 * x],
      forward: (p, t) => [square(p[0] as number), 2 * (p[0] as number) * (t[0] as number)],
      tape: (x: number) => [2 * x],
    };
    expect(() => checkEngines(engines, [3])).toThrow(/checkGrad\(square\).*\n.*reverse 1\.0\de-2/);
    const report = checkEngines(engines, [3], { throwOnFailure: false });
    expect(report.ok).toBe(false);
    expect(report.parameters[0].reverse).toBeCloseTo(0.06 / 6, 6);
    expect(report.parameters[0].forward).toBeLessThan(1e-9);
    expect(report.parameters[0].tape).toBeLessThan(1e-9);
  });
});
