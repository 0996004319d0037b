/**
 * `dtype: "float32"` on the wasm engine (compiler/emit/wasm/precision.ts): the differentiated
 * arrays and what is computed from them run in float32 — f32x4 lanes where loops qualify — while
 * counters and indices stay float64. Every result is compared with the compiled float64 engine
 * within float32 tolerances (relative to the largest magnitude compared, as float32 rounding is),
 * and gradients with central differences; the results are Float32Arrays.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { grad, jvp, valueAndGrad, valueAndGradInto, vjp } from "gradc";
import { transformModuleAsync } from "../compiler/index.js";
import { parameterCount, weightedTdLoss } from "../runtime/rl/networks/mlp.js";
import { axpyInto, carried, dotAt, dotFloat32, rampFrom, smoothClipSum, strided, subtractFloat32, sumPastFloat32Integers } from "./fixtures/wasm-loops.js";
import { numericPartial } from "./support/numeric.js";
import { wasmModuleText } from "./support/wasm-probe.js";

type Fn = (...args: any[]) => any;
type Value = number | Float64Array | Float32Array;

/** float32 arithmetic over a few dozen operations, against float64: well within this, relative to the largest magnitude. */
const F32_TOL = 3e-6;

function closeF32(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string, tol = F32_TOL): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const scale = Math.max(1, ...Array.from(expected, Math.abs).filter(Number.isFinite));
  for (let k = 0; k < expected.length; k++) {
    if (Number.isNaN(expected[k])) expect(actual[k], `${label}[${k}]`).toBeNaN();
    else expect(Math.abs(actual[k] - expected[k]) / scale, `${label}[${k}]: ${actual[k]} vs ${expected[k]}`).toBeLessThanOrEqual(tol);
  }
}

const F = (...xs: number[]) => Float64Array.from(xs);
const X17 = Float64Array.from({ length: 17 }, (_, i) => Math.sin(1.3 * i + 0.2));
const W17 = Float64Array.from({ length: 17 }, (_, i) => Math.cos(0.7 * i) * 0.8);

interface Case {
  name: string;
  f: Fn;
  compiled: { grad: Fn; jvp: Fn; vjp: Fn };
  wasm32: { grad: Fn; jvp: Fn; vjp: Fn };
  points: Value[][];
  wrt: number[];
  /** Some loop runs on f32x4 lanes. */
  vectorized: boolean;
}

const cases: Case[] = [
  {
    name: "dotAt",
    f: dotAt,
    compiled: { grad: grad(dotAt, { wrt: [0, 1] }), jvp: jvp(dotAt), vjp: vjp(dotAt, { wrt: [0, 1] }) },
    wasm32: {
      grad: grad(dotAt, { wrt: [0, 1], engine: "wasm", dtype: "float32" }),
      jvp: jvp(dotAt, { engine: "wasm", dtype: "float32" }),
      vjp: vjp(dotAt, { wrt: [0, 1], engine: "wasm", dtype: "float32" }),
    },
    // trip counts around one and two groups of four lanes, and two groups per step with a group left over
    points: [...[0, 1, 3, 4, 5, 7, 8, 9, 11, 12, 13, 16, 17].map((n) => [W17, X17, 0, 0, n]), [W17, X17, 1, 3, 13], [W17, X17, 5, 0, 14], [W17, X17, 0.5, 0, 8]],
    wrt: [0, 1],
    vectorized: true,
  },
  {
    name: "axpyInto",
    f: axpyInto,
    compiled: { grad: grad(axpyInto), jvp: jvp(axpyInto), vjp: vjp(axpyInto) },
    wasm32: { grad: grad(axpyInto, { engine: "wasm", dtype: "float32" }), jvp: jvp(axpyInto, { engine: "wasm", dtype: "float32" }), vjp: vjp(axpyInto, { engine: "wasm", dtype: "float32" }) },
    points: [[1.3, X17, W17], [-0.7, X17.subarray(0, 9), W17.subarray(0, 9)], [0.4, X17.subarray(0, 3), W17.subarray(0, 6)]],
    wrt: [0, 1, 2],
    vectorized: true,
  },
  {
    name: "smoothClipSum",
    f: smoothClipSum,
    compiled: { grad: grad(smoothClipSum), jvp: jvp(smoothClipSum), vjp: vjp(smoothClipSum) },
    wasm32: { grad: grad(smoothClipSum, { engine: "wasm", dtype: "float32" }), jvp: jvp(smoothClipSum, { engine: "wasm", dtype: "float32" }), vjp: vjp(smoothClipSum, { engine: "wasm", dtype: "float32" }) },
    points: [[X17, -0.5, 0.7]],
    wrt: [0, 1, 2],
    vectorized: false,
  },
  {
    name: "subtractFloat32",
    f: subtractFloat32,
    compiled: { grad: grad(subtractFloat32), jvp: jvp(subtractFloat32), vjp: vjp(subtractFloat32) },
    wasm32: { grad: grad(subtractFloat32, { engine: "wasm", dtype: "float32" }), jvp: jvp(subtractFloat32, { engine: "wasm", dtype: "float32" }), vjp: vjp(subtractFloat32, { engine: "wasm", dtype: "float32" }) },
    points: [[Float32Array.from(X17), W17], [Float32Array.from(X17), W17.subarray(0, 6)]],
    wrt: [0, 1],
    vectorized: true,
  },
  {
    name: "carried",
    f: carried,
    compiled: { grad: grad(carried), jvp: jvp(carried), vjp: vjp(carried) },
    wasm32: { grad: grad(carried, { engine: "wasm", dtype: "float32" }), jvp: jvp(carried, { engine: "wasm", dtype: "float32" }), vjp: vjp(carried, { engine: "wasm", dtype: "float32" }) },
    points: [[X17, 0.8]],
    wrt: [0, 1],
    vectorized: false,
  },
  {
    name: "strided",
    f: strided,
    compiled: { grad: grad(strided), jvp: jvp(strided), vjp: vjp(strided) },
    wasm32: { grad: grad(strided, { engine: "wasm", dtype: "float32" }), jvp: jvp(strided, { engine: "wasm", dtype: "float32" }), vjp: vjp(strided, { engine: "wasm", dtype: "float32" }) },
    points: [[X17]],
    wrt: [0],
    vectorized: false,
  },
  {
    name: "rampFrom",
    f: rampFrom,
    compiled: { grad: grad(rampFrom, { wrt: [0] }), jvp: jvp(rampFrom), vjp: vjp(rampFrom, { wrt: [0] }) },
    wasm32: { grad: grad(rampFrom, { wrt: [0], engine: "wasm", dtype: "float32" }), jvp: jvp(rampFrom, { engine: "wasm", dtype: "float32" }), vjp: vjp(rampFrom, { wrt: [0], engine: "wasm", dtype: "float32" }) },
    points: [[X17, 0], [X17, 3], [X17, 2.5], [X17, -2], [X17, 9], [X17, 16]],
    wrt: [0],
    // (i·0.5 + 1) is float64 index arithmetic, x[i] float32: lanes of one type only, so it stays scalar
    vectorized: false,
  },
];

const copy = (v: Value): Value => (typeof v === "number" ? v : v.slice());
const fresh = (point: Value[]) => point.map(copy);
const flat = (grads: unknown): number[] => (grads as Value[]).flatMap((g) => (typeof g === "number" ? [g] : Array.from(g)));
const rows = cases.flatMap((c) => c.points.map((point) => ({ c, point, id: `${c.name}(${point.map((v) => (typeof v === "number" ? v : `[${v.length}]`)).join(", ")})` })));

describe('dtype: "float32" on the wasm engine', () => {
  it.each(rows)("$id: grad, jvp and vjp agree with the compiled float64 engine within float32 rounding", ({ c, point, id }) => {
    const [a, b] = [fresh(point), fresh(point)];
    closeF32(flat(c.wasm32.grad(...a)), flat(c.compiled.grad(...b)), `${id} grad`);
    // f's writes into its array arguments reach the caller's arrays, rounded to float32
    a.forEach((v, k) => closeF32(typeof v === "number" ? [v] : v, typeof b[k] === "number" ? [b[k] as number] : (b[k] as Float64Array), `${id} argument ${k}`));
    const direction = point.map((v, k) => (typeof v === "number" ? (c.wrt.includes(k) ? 0.7 : 0) : Float64Array.from(v, (_, j) => (c.wrt.includes(k) ? Math.cos(j + k) : 0))));
    const [value32, tangent32] = c.wasm32.jvp(fresh(point), direction);
    const [value, tangent] = c.compiled.jvp(fresh(point), direction);
    closeF32([value32, tangent32], [value, tangent], `${id} jvp`);
    const [vjpValue, pullback] = c.wasm32.vjp(...fresh(point));
    const [compiledValue, compiledPullback] = c.compiled.vjp(...fresh(point));
    closeF32([vjpValue, ...flat(pullback(-1.5))], [compiledValue, ...flat(compiledPullback(-1.5))], `${id} vjp`);
  });

  it.each(rows.filter(({ c, point }) => Number.isFinite(c.f(...fresh(point))) && !point.some((v) => v instanceof Float32Array)))("$id: grad agrees with central differences", ({ c, point, id }) => {
    const g = flat(c.wasm32.grad(...fresh(point)));
    const numeric = c.wrt.flatMap((i) => {
      const d = numericPartial(c.f, fresh(point) as (number | Float64Array)[], i);
      return typeof d === "number" ? [d] : Array.from(d);
    });
    closeF32(g, numeric, `${id} vs differences`, 1e-5);
  });

  it("gradients of arrays are Float32Arrays, and Float32Array arguments are taken as they are", () => {
    const [gw, gx] = cases[0].wasm32.grad(Float32Array.from(W17), Float32Array.from(X17), 0, 0, 17) as [Float32Array, Float32Array];
    expect(gw).toBeInstanceOf(Float32Array);
    expect(gx).toBeInstanceOf(Float32Array);
    // ∂/∂w_i Σ w_i x_i = x_i, exactly the float32 values given
    expect(Array.from(gw)).toEqual(Array.from(Float32Array.from(X17)));
    const [value, grads] = valueAndGrad(dotAt, { wrt: [0], engine: "wasm", dtype: "float32" })(W17, X17, 0, 0, 17);
    expect(grads[0]).toBeInstanceOf(Float32Array);
    closeF32([value], [dotAt(W17, X17, 0, 0, 17)], "value");
  });

  it.each(cases)("$name: runs on f32x4 lanes exactly when its loops qualify", async (c) => {
    const { text } = await wasmModuleText(c.name, 'engine: "wasm", dtype: "float32"');
    expect(/f32x4\.(add|mul)/.test(text), c.name).toBe(c.vectorized);
  });

  it("without a dtype, a Float32Array parameter computes in float32 (f32x4 lanes) and a Float64Array one keeps its type", async () => {
    const x = Float32Array.from(X17);
    const gradient = grad(subtractFloat32, { engine: "wasm" });
    const [gx, gw] = gradient(x, W17);
    expect(gx).toBeInstanceOf(Float32Array);
    expect(gw).toBeInstanceOf(Float64Array);
    const [cx, cw] = grad(subtractFloat32)(x, W17);
    closeF32(flat([gx, gw]), flat([cx, cw]), "grad");
    // ∂/∂x_i (10 − Σ x_i w_i²) = −w_i², with w_i rounded to float32 and squared in float32: exactly that
    expect(Array.from(gx)).toEqual(Array.from(W17, (w) => -Math.fround(Math.fround(w) * Math.fround(w))));
    const [value, tangent] = jvp(subtractFloat32, { engine: "wasm" })([x, W17], [Float64Array.from(X17, Math.cos), Float64Array.from(W17, Math.sin)]);
    const [value64, tangent64] = jvp(subtractFloat32)([x, W17], [Float64Array.from(X17, Math.cos), Float64Array.from(W17, Math.sin)]);
    closeF32([value, tangent], [value64, tangent64], "jvp");
    // float64 and float32 lanes do not mix: the loop above stays scalar; over two Float32Arrays it runs on f32x4 lanes
    expect((await wasmModuleText("subtractFloat32")).text).not.toMatch(/f32x4\.mul/);
    expect((await wasmModuleText("dotFloat32")).text).toMatch(/f32x4\.mul/);
    const [ga, gb] = grad(dotFloat32, { engine: "wasm" })(x, Float32Array.from(W17));
    expect(Array.from(ga)).toEqual(Array.from(Float32Array.from(W17)));
    expect(Array.from(gb)).toEqual(Array.from(x));
    // dtype "float64" keeps the compiled engine's float64 arithmetic
    const [ex, ew] = grad(subtractFloat32, { engine: "wasm", dtype: "float64" })(x, W17);
    expect(Array.from(ex)).toEqual(Array.from(cx));
    expect(Array.from(ew)).toEqual(Array.from(cw));
  });

  it("counters and indices stay float64: a loop counting past 2²⁴ ends, and reads the right elements", () => {
    const from = 2 ** 24 - 5;
    const g = grad(sumPastFloat32Integers, { wrt: [0, 1], engine: "wasm", dtype: "float32" });
    const x = Float64Array.from({ length: 12 }, (_, i) => i + 1);
    const [gx, gs] = g(x, 0.5, from, from + 12) as [Float32Array, number];
    expect(Array.from(gx)).toEqual(Array(12).fill(0.5));
    expect(gs).toBe(78);
  });

  it("the DQN batch loss: value and gradient within float32 rounding of the float64 engine, Huber and squared", () => {
    const sizes = F(4, 64, 64, 2);
    const n = parameterCount(sizes);
    let seed = 11;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const theta = Float64Array.from({ length: n }, () => rnd() * 0.25);
    const batch = 24;
    const obs = Float64Array.from({ length: batch * 4 }, rnd);
    const actions = Float64Array.from({ length: batch }, (_, i) => (i * 7) % 2);
    const targets = Float64Array.from({ length: batch }, () => rnd() * 2);
    const weights = Float64Array.from({ length: batch }, (_, i) => 0.5 + (i % 3) * 0.25);
    const reference = valueAndGradInto(weightedTdLoss, { wrt: [0] });
    const float32 = valueAndGradInto(weightedTdLoss, { wrt: [0], engine: "wasm", dtype: "float32" });
    for (const huber of [true, false]) {
      const [g64, g32] = [new Float64Array(n), new Float32Array(n)];
      const v64 = reference([g64], theta, sizes, obs, actions, targets, weights, batch, huber);
      const v32 = float32([g32], Float32Array.from(theta), sizes, obs, actions, targets, weights, batch, huber);
      closeF32([v32], [v64], `value (huber ${huber})`, 1e-5);
      const scale = Math.max(...Array.from(g64, Math.abs));
      for (let i = 0; i < n; i++) expect(Math.abs(g32[i] - g64[i]) / scale, `gradient[${i}]`).toBeLessThanOrEqual(1e-4);
      // Float64Array gradient buffers take the float32 gradient too
      const into64 = new Float64Array(n);
      float32([into64], Float32Array.from(theta), sizes, obs, actions, targets, weights, batch, huber);
      expect(Array.from(into64)).toEqual(Array.from(g32));
    }
  });

  it('dtype "float32" without engine "wasm" is a diagnostic at the option', async () => {
    const source = `import { grad } from "gradc";\nfunction f(x: number): number { return x * x; }\nexport const g = grad(f, { dtype: "float32" });\nexport const h = grad(f, { engine: "wasm", dtype: "float16" });\n`;
    const { diagnostics } = await transformModuleAsync(source, path.resolve("test/fixtures/dtype-probe.ts"));
    expect(diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`)).toEqual([
      '3:28 dtype "float32" needs engine: "wasm"',
      '4:51 `dtype` must be the literal "float64" or "float32"',
    ]);
  });
});
