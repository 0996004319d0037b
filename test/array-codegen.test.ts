/**
 * What the reverse sweep records for array code. Element loads (`W[j * n + i]`, `x[i]`, `z[j]`)
 * of arrays that are not overwritten afterwards can be re-read in the reverse sweep, and the
 * index arithmetic and trip counts of counted loops can be recomputed, so the two workhorses of a
 * neural network — a matrix–vector product followed by a reduction, and a dense layer with ReLU —
 * must compile to reverse functions (`<name>_rev`) that push nothing onto gradc's stack.
 *
 * Each function comes in two spellings: a scalar accumulator stored once per row, and in-place
 * accumulation into the array element. The gradients are also checked numerically, corpus-style:
 * reverse mode vs forward mode along every element vs Richardson central differences.
 */
import { describe, expect, it } from "vitest";
import { transformOrThrow } from "../compiler/index.js";
import { expectClose, numericPartial } from "./support/numeric.js";
import { runModule } from "./support/run-module.js";

const SOURCE = `import { grad, jvp } from "gradc";

/** (a) y = W x (W is m×n, row-major), accumulated in a scalar; then a reduction of y. */
export function matVecAcc(W: Float64Array, x: Float64Array): number {
  const n = x.length;
  const m = W.length / n;
  const y = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let acc = 0;
    for (let i = 0; i < n; i++) acc += W[j * n + i] * x[i];
    y[j] = acc;
  }
  let s = 0;
  for (let j = 0; j < m; j++) s += y[j] * y[j];
  return s;
}

/** (a) y = W x accumulated in place into y[j]; then a reduction of y. */
export function matVecInPlace(W: Float64Array, x: Float64Array): number {
  const n = x.length;
  const m = W.length / n;
  const y = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    for (let i = 0; i < n; i++) y[j] += W[j * n + i] * x[i];
  }
  let s = 0;
  for (let j = 0; j < m; j++) s += y[j] * y[j];
  return s;
}

/** (b) A dense layer: z = b + W x into a local array, h = max(0, z) in a separate loop, loss = Σ h². */
export function denseAcc(W: Float64Array, b: Float64Array, x: Float64Array): number {
  const n = x.length;
  const m = b.length;
  const z = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let acc = b[j];
    for (let i = 0; i < n; i++) acc += W[j * n + i] * x[i];
    z[j] = acc;
  }
  const h = new Float64Array(m);
  for (let j = 0; j < m; j++) h[j] = Math.max(0, z[j]);
  let loss = 0;
  for (let j = 0; j < m; j++) loss += h[j] * h[j];
  return loss;
}

/** (b) The same dense layer accumulating in place into z[j]. */
export function denseInPlace(W: Float64Array, b: Float64Array, x: Float64Array): number {
  const n = x.length;
  const m = b.length;
  const z = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    z[j] = b[j];
    for (let i = 0; i < n; i++) z[j] += W[j * n + i] * x[i];
  }
  const h = new Float64Array(m);
  for (let j = 0; j < m; j++) h[j] = Math.max(0, z[j]);
  let loss = 0;
  for (let j = 0; j < m; j++) loss += h[j] * h[j];
  return loss;
}

export const gradMatVecAcc = grad(matVecAcc);
export const jvpMatVecAcc = jvp(matVecAcc);
export const gradMatVecInPlace = grad(matVecInPlace);
export const jvpMatVecInPlace = jvp(matVecInPlace);
export const gradDenseAcc = grad(denseAcc);
export const jvpDenseAcc = jvp(denseAcc);
export const gradDenseInPlace = grad(denseInPlace);
export const jvpDenseInPlace = jvp(denseInPlace);
`;

const NAMES = ["matVecAcc", "matVecInPlace", "denseAcc", "denseInPlace"] as const;

/** The text of `function <name>(…) { … }` in generated code (top-level functions end at "\n}"). */
function functionText(code: string, name: string): string {
  const start = code.indexOf(`function ${name}(`);
  if (start < 0) return "";
  const end = code.indexOf("\n}", start);
  return code.slice(start, end < 0 ? undefined : end + 2);
}

describe("reverse sweeps of a matrix–vector product and a dense ReLU layer", () => {
  const { code } = transformOrThrow(SOURCE, "/virtual/array-codegen.ts");

  it.each(NAMES)("%s_rev exists", (name) => {
    expect(functionText(code, `${name}_rev`)).toMatch(new RegExp(`^function ${name}_rev\\(`));
  });

  it.each(NAMES)("%s_rev pushes nothing onto the stack (loads and trip counts are recomputed)", (name) => {
    const rev = functionText(code, `${name}_rev`);
    // Any save: values (push), inactive values (pushInactive), array references (pushArray).
    const pushes = rev.split("\n").filter((line) => /\$gradc\.push\w*\(/.test(line));
    expect(pushes, `${name}_rev records:\n${pushes.join("\n")}`).toEqual([]);
  });
});

const F = (...xs: number[]) => Float64Array.from(xs);
const W = F(0.4, -0.3, 0.8, 0.15, -0.6, 0.5, 0.2, -0.35, 0.7, 0.1, -0.9, 0.45);
const X = F(0.7, -0.4, 1.2, 0.3);
const B = F(0.1, -0.2, 0.05);

const POINTS: Record<(typeof NAMES)[number], Float64Array[]> = {
  matVecAcc: [W, X],
  matVecInPlace: [W, X],
  denseAcc: [W, B, X],
  denseInPlace: [W, B, X],
};

describe("their gradients", async () => {
  const mod = await runModule(SOURCE, "array-codegen");
  const capital = (name: string) => name[0].toUpperCase() + name.slice(1);

  it("the dense layer's evaluation point has pre-activations of both signs, away from the ReLU kink", () => {
    const z = Array.from(B, (bj, j) => bj + X.reduce((s, xi, i) => s + W[j * X.length + i] * xi, 0));
    expect(z.some((zj) => zj > 0.05)).toBe(true);
    expect(z.some((zj) => zj < -0.05)).toBe(true);
    for (const zj of z) expect(Math.abs(zj)).toBeGreaterThan(0.05);
  });

  it.each(NAMES)("%s: reverse mode, forward mode and finite differences agree", (name) => {
    const f = mod[name] as (...args: Float64Array[]) => number;
    const g = mod[`grad${capital(name)}`] as (...args: Float64Array[]) => Float64Array[];
    const t = mod[`jvp${capital(name)}`] as (primals: Float64Array[], tangents: Float64Array[]) => [number, number];
    const point = POINTS[name];
    const reverse = g(...point.map((a) => Float64Array.from(a)));
    expect(reverse).toHaveLength(point.length);
    point.forEach((arg, p) => {
      expect(reverse[p]).toBeInstanceOf(Float64Array);
      const fd = numericPartial(f, point, p) as Float64Array;
      const forward = Float64Array.from(arg, (_, j) => {
        const tangents = point.map((a, k) => {
          const e = new Float64Array(a.length);
          if (k === p) e[j] = 1;
          return e;
        });
        const [value, tangent] = t(point, tangents);
        expect(value).toBe(f(...point));
        return tangent;
      });
      expectClose(reverse[p], fd, 1e-6, `${name} grad vs FD, argument ${p}`);
      expectClose(forward, fd, 1e-6, `${name} jvp vs FD, argument ${p}`);
      expectClose(reverse[p], forward, 1e-10, `${name} grad vs jvp, argument ${p}`);
    });
  });
});
