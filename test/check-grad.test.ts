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

interface Layer {
  w: Float64Array;
  inner: { b: number; scale: number };
  labels: Int32Array;
}

function layerLoss(layer: Layer, x: Float64Array, mode: "sum" | "mean", offset?: number): number {
  let s = layer.inner.b + (offset ?? 0.25);
  for (let i = 0; i < x.length; i++) s += Math.tanh(layer.w[i] * x[i] * layer.inner.scale) * (1 + layer.labels[i]);
  return mode === "mean" ? (s * s) / x.length : s * s;
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

  it("checks an object parameter field by field, and optional and string parameters", () => {
    const layer = { w: Float64Array.from([0.4, -0.9, 0.3]), inner: { b: 0.2, scale: 1.3 }, labels: Int32Array.from([0, 2, 1]) };
    const x = Float64Array.from([0.5, 0.7, -1.1]);
    const report = checkGrad(layerLoss, [layer, x, "mean", 0.6]);
    expect(report.parameters.map((p) => p.index)).toEqual([0, 1, 3]); // the string has no derivative
    expect(report.ok).toBe(true);
    expect(report.worst).toBeLessThan(1e-8);
    const left = checkGrad(layerLoss, [layer, x, "sum"]); // the optional parameter left out
    expect(left.parameters.map((p) => p.index)).toEqual([0, 1]);
    expect(left.ok).toBe(true);
    expect(Array.from(layer.w)).toEqual([0.4, -0.9, 0.3]); // f ran on copies
  });

  it("finds a wrong entry inside an object's gradient and names the field", () => {
    const f = (p: { a: number; v: Float64Array }) => p.a * p.v[0]! * p.v[1]!;
    const engines: GradEngines = {
      name: "f",
      f,
      reverse: (p: { a: number; v: Float64Array }) => [{ a: p.v[0]! * p.v[1]!, v: Float64Array.from([p.a * p.v[1]!, 1.01 * p.a * p.v[0]!]) }],
      forward: (p, t) => {
        const [q, dq] = [p[0] as { a: number; v: Float64Array }, t[0] as { a: number; v: Float64Array }];
        return [f(q), dq.a * q.v[0]! * q.v[1]! + q.a * dq.v[0]! * q.v[1]! + q.a * q.v[0]! * dq.v[1]!];
      },
      tape: (p: { a: number; v: Float64Array }) => [{ a: p.v[0]! * p.v[1]!, v: Float64Array.from([p.a * p.v[1]!, p.a * p.v[0]!]) }],
    };
    const report = checkEngines(engines, [{ a: 2, v: Float64Array.from([3, 4]) }], { throwOnFailure: false });
    expect(report.ok).toBe(false);
    expect(report.parameters[0].reverse).toBeCloseTo(0.06 / 6, 6); // 1% of ∂f/∂v[1] = 6
    expect(report.parameters[0].forward).toBeLessThan(1e-9);
    expect(report.parameters[0].tape).toBeLessThan(1e-9);
    const missing: GradEngines = { ...engines, reverse: () => [{ a: 0 }] };
    expect(() => checkEngines(missing, [{ a: 2, v: Float64Array.from([3, 4]) }])).toThrow(/no gradient for parameter 0 at v\.\[0\]/);
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
