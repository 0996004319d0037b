/**
 * The wasm engine's vectorizer (compiler/emit/wasm/vectorize.ts) on loops chosen to reach its
 * guards from both sides (test/fixtures/wasm-loops.ts): trip counts 0 to 9, offsets that read
 * past the end (NaN, as JavaScript reads undefined), non-integer offsets and bounds, a Float32Array,
 * imported Math functions. Every result
 * is compared with the compiled engine's (1e-12: only vectorized sums are reassociated) and, where
 * finite, with central differences. The module's text shows which loops run on f64x2 lanes.
 */
import { describe, expect, it } from "vitest";
import { grad, jvp, vjp } from "gradc";
import { axpyInto, carried, dotAt, rampFrom, smoothClipSum, strided, subtractFloat32 } from "./fixtures/wasm-loops.js";
import { numericPartial } from "./support/numeric.js";
import { wasmModuleText } from "./support/wasm-probe.js";

type Fn = (...args: any[]) => any;
type Value = number | Float64Array | Float32Array;

interface Case {
  name: string;
  f: Fn;
  compiled: { grad: Fn; jvp: Fn; vjp: Fn };
  wasm: { grad: Fn; jvp: Fn; vjp: Fn };
  points: Value[][];
  /** Parameters differentiated (the rest are offsets and counts). */
  wrt: number[];
  /** Runs on f64x2 lanes (some loop of its primal or reverse code). */
  vectorized: boolean;
}

const F = (...xs: number[]) => Float64Array.from(xs);
const W9 = F(0.4, -0.3, 0.8, 0.15, -0.6, 0.5, 0.2, -0.35, 0.7);
const X9 = F(0.9, 0.1, -0.6, 1.2, -0.4, 0.3, 0.75, -1.1, 0.05);

const cases: Case[] = [
  {
    name: "dotAt",
    f: dotAt,
    compiled: { grad: grad(dotAt, { wrt: [0, 1] }), jvp: jvp(dotAt), vjp: vjp(dotAt, { wrt: [0, 1] }) },
    wasm: { grad: grad(dotAt, { wrt: [0, 1], engine: "wasm" }), jvp: jvp(dotAt, { engine: "wasm" }), vjp: vjp(dotAt, { wrt: [0, 1], engine: "wasm" }) },
    points: [
      ...[0, 1, 2, 3, 4, 5, 9].map((n) => [W9, X9, 0, 0, n]),
      [W9, X9, 1, 2, 7],
      [W9, X9, 2, 1, 5.5],
      [W9, X9, 3, 0, 8],
      [W9, X9, 0.5, 0, 4],
      [W9, X9, -1, 0, 4],
    ],
    wrt: [0, 1],
    vectorized: true,
  },
  {
    name: "axpyInto",
    f: axpyInto,
    compiled: { grad: grad(axpyInto), jvp: jvp(axpyInto), vjp: vjp(axpyInto) },
    wasm: { grad: grad(axpyInto, { engine: "wasm" }), jvp: jvp(axpyInto, { engine: "wasm" }), vjp: vjp(axpyInto, { engine: "wasm" }) },
    points: [[1.3, X9, W9], [-0.7, X9.subarray(0, 3), W9.subarray(0, 3)], [0.4, X9.subarray(0, 2), W9.subarray(0, 5)]],
    wrt: [0, 1, 2],
    vectorized: true,
  },
  {
    name: "smoothClipSum",
    f: smoothClipSum,
    compiled: { grad: grad(smoothClipSum), jvp: jvp(smoothClipSum), vjp: vjp(smoothClipSum) },
    wasm: { grad: grad(smoothClipSum, { engine: "wasm" }), jvp: jvp(smoothClipSum, { engine: "wasm" }), vjp: vjp(smoothClipSum, { engine: "wasm" }) },
    points: [[X9, -0.5, 0.7], [W9.subarray(0, 4), -0.2, 0.3]],
    wrt: [0, 1, 2],
    // Not yet: none of its loops qualifies today (not diagnosed; README "The WebAssembly engine").
    vectorized: false,
  },
  {
    name: "subtractFloat32",
    f: subtractFloat32,
    compiled: { grad: grad(subtractFloat32), jvp: jvp(subtractFloat32), vjp: vjp(subtractFloat32) },
    // dtype "float64": its Float32Array is read as the compiled engine reads it (without a dtype it computes in float32: wasm-float32.test.ts)
    wasm: {
      grad: grad(subtractFloat32, { engine: "wasm", dtype: "float64" }),
      jvp: jvp(subtractFloat32, { engine: "wasm", dtype: "float64" }),
      vjp: vjp(subtractFloat32, { engine: "wasm", dtype: "float64" }),
    },
    points: [[Float32Array.from(X9), W9], [Float32Array.from(X9), W9.subarray(0, 6)]],
    wrt: [0, 1],
    vectorized: true,
  },
  {
    name: "carried",
    f: carried,
    compiled: { grad: grad(carried), jvp: jvp(carried), vjp: vjp(carried) },
    wasm: { grad: grad(carried, { engine: "wasm" }), jvp: jvp(carried, { engine: "wasm" }), vjp: vjp(carried, { engine: "wasm" }) },
    points: [[X9, 0.8]],
    wrt: [0, 1],
    vectorized: false,
  },
  {
    name: "strided",
    f: strided,
    compiled: { grad: grad(strided), jvp: jvp(strided), vjp: vjp(strided) },
    wasm: { grad: grad(strided, { engine: "wasm" }), jvp: jvp(strided, { engine: "wasm" }), vjp: vjp(strided, { engine: "wasm" }) },
    points: [[X9]],
    wrt: [0],
    vectorized: false,
  },
  {
    name: "rampFrom",
    f: rampFrom,
    compiled: { grad: grad(rampFrom, { wrt: [0] }), jvp: jvp(rampFrom), vjp: vjp(rampFrom, { wrt: [0] }) },
    wasm: { grad: grad(rampFrom, { wrt: [0], engine: "wasm" }), jvp: jvp(rampFrom, { engine: "wasm" }), vjp: vjp(rampFrom, { wrt: [0], engine: "wasm" }) },
    points: [[X9, 0], [X9, 3], [X9, 2.5], [X9, -2], [X9, 8], [X9, 12]],
    wrt: [0],
    vectorized: true,
  },
];

const copy = (v: Value): Value => (typeof v === "number" ? v : v.slice());
const fresh = (point: Value[]) => point.map(copy);
const flat = (grads: unknown): number[] => (grads as Value[]).flatMap((g) => (typeof g === "number" ? [g] : Array.from(g)));

/** Equal to 1e-12 relative to max(1, |b|), NaN equal to NaN. */
function same(actual: number[], expected: number[], label: string): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  actual.forEach((a, k) => {
    const b = expected[k];
    if (Number.isNaN(b)) expect(a, `${label}[${k}]`).toBeNaN();
    else expect(Math.abs(a - b) / Math.max(1, Math.abs(b)), `${label}[${k}]: ${a} vs ${b}`).toBeLessThanOrEqual(1e-12);
  });
}

const rows = cases.flatMap((c) => c.points.map((point) => ({ c, point, id: `${c.name}(${point.map((v) => (typeof v === "number" ? v : `[${v.length}]`)).join(", ")})` })));

describe("the wasm engine's vectorized loops", () => {
  it.each(rows)("$id: grad, jvp and vjp equal the compiled engine's, arguments left alike", ({ c, point, id }) => {
    const [a, b] = [fresh(point), fresh(point)];
    same(flat(c.wasm.grad(...a)), flat(c.compiled.grad(...b)), `${id} grad`);
    a.forEach((v, k) => same(typeof v === "number" ? [v] : Array.from(v), typeof b[k] === "number" ? [b[k] as number] : Array.from(b[k] as Float64Array), `${id} argument ${k}`));
    const direction = point.map((v, k) => (typeof v === "number" ? (c.wrt.includes(k) ? 0.7 : 0) : Float64Array.from(v, (_, j) => (c.wrt.includes(k) ? Math.cos(j + k) : 0))));
    const [wasmValue, wasmTangent] = c.wasm.jvp(fresh(point), direction);
    const [value, tangent] = c.compiled.jvp(fresh(point), direction);
    same([wasmValue, wasmTangent], [value, tangent], `${id} jvp`);
    const [vjpValue, pullback] = c.wasm.vjp(...fresh(point));
    const [compiledValue, compiledPullback] = c.compiled.vjp(...fresh(point));
    same([vjpValue, ...flat(pullback(-1.5))], [compiledValue, ...flat(compiledPullback(-1.5))], `${id} vjp`);
  });

  // Differences of a Float32Array parameter are quantised to float32: that case is checked against the compiled engine only.
  it.each(rows.filter(({ c, point }) => Number.isFinite(c.f(...fresh(point))) && !point.some((v) => v instanceof Float32Array)))("$id: grad agrees with central differences", ({ c, point, id }) => {
    const g = flat(c.wasm.grad(...fresh(point)));
    const numeric = c.wrt.flatMap((i) => {
      const d = numericPartial(c.f, fresh(point) as (number | Float64Array)[], i);
      return typeof d === "number" ? [d] : Array.from(d);
    });
    g.forEach((gk, k) => expect(Math.abs(gk - numeric[k]) / Math.max(1, Math.abs(numeric[k])), `${id}[${k}]: ${gk} vs ${numeric[k]}`).toBeLessThanOrEqual(1e-6));
  });

  it.each(cases)("$name: runs on f64x2 lanes exactly when its loops qualify", async (c) => {
    const { text, vectorizedLoops } = await wasmModuleText(c.name, 'engine: "wasm", dtype: "float64"');
    expect(/f64x2\.(add|mul)/.test(text), c.name).toBe(c.vectorized);
    // The transform reports the vectorized loops by generated function (the fuzzer's coverage reads it).
    expect(Object.keys(vectorizedLoops).length > 0, JSON.stringify(vectorizedLoops)).toBe(c.vectorized);
  });
});
