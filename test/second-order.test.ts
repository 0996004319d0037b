/**
 * Second derivatives and Jacobians (compiler/differentiate/tangent-program.ts, compiler/emit/matrices.ts).
 *
 * Every Hessian is checked three ways that share no code with it: against Richardson central
 * differences of the first-order generated gradient (another transformation), against
 * second-order central differences of f itself, and against hand-derived values where they are
 * short (the lecture example, Rosenbrock). hvp must equal H·v, H must be symmetric. Jacobians in
 * forward and reverse mode must agree with each other, with central differences of f, and across
 * engines.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { grad, hessian, hvp, jacobian } from "gradc";
import { transformModuleAsync } from "../compiler/index.js";
import { richardson } from "./support/numeric.js";
import {
  activations,
  branchy,
  cubicSine,
  earlyExits,
  everyMath,
  float32Quadratic,
  gathered,
  layerLoss,
  layerLossFlat,
  layerOutputs,
  lecture,
  listParameter,
  listResult,
  loopy,
  mixed,
  moments,
  narrow,
  normalizeThenSum,
  polar,
  powers,
  rosenbrock,
  scaledInPlace,
  softmax,
  stoppedProduct,
  whileLoops,
  wide,
  withHelpers,
} from "./fixtures/second-order.js";

type Fn = (...args: any[]) => any;
type Value = number | boolean | number[] | Float64Array | Float32Array;

const flatten = (values: unknown): number[] => (values as (number | ArrayLike<number>)[]).flatMap((v) => (typeof v === "number" ? [v] : Array.from(v)));
const fresh = (point: Value[]): Value[] => point.map((v) => (ArrayBuffer.isView(v) || Array.isArray(v) ? (v as Float64Array).slice() : v));
/** The point with flattened entry `j` of the `wrt` parameters moved by `h`. */
function moved(point: Value[], wrt: number[], j: number, h: number): Value[] {
  const p = fresh(point);
  for (const i of wrt) {
    const v = p[i];
    const size = typeof v === "number" ? 1 : (v as Float64Array).length;
    if (j < size) {
      if (typeof v === "number") p[i] = v + h;
      else (v as Float64Array)[j] += h;
      return p;
    }
    j -= size;
  }
  throw new Error("entry out of range");
}
const entries = (point: Value[], wrt: number[]) => wrt.reduce((n, i) => n + (typeof point[i] === "number" ? 1 : (point[i] as Float64Array).length), 0);

function close(actual: number, expected: number, tol: number, label: string): void {
  expect(Math.abs(actual - expected) / Math.max(1, Math.abs(expected)), `${label}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tol);
}

interface HessianCase {
  name: string;
  f: Fn;
  hessian: Fn;
  hvp: Fn;
  /** The first-order generated gradient over the same wrt, as a list. */
  grad: Fn;
  wrt: number[];
  points: Value[][];
}

const F = (...xs: number[]) => Float64Array.from(xs);

const cases: HessianCase[] = [
  { name: "lecture", f: lecture, hessian: hessian(lecture), hvp: hvp(lecture), grad: grad(lecture), wrt: [0, 1], points: [[1.5, 0.5], [0.3, -2.1]] },
  { name: "rosenbrock", f: rosenbrock, hessian: hessian(rosenbrock), hvp: hvp(rosenbrock), grad: grad(rosenbrock, { wrt: [0] }), wrt: [0], points: [[F(1.2, -0.4, 0.8, 1.1)], [F(0.5)], [F(-1, 1)]] },
  { name: "activations", f: activations, hessian: hessian(activations), hvp: hvp(activations), grad: grad(activations), wrt: [0, 1, 2], points: [[0.4, -0.7, 1.3], [-1.1, 0.2, 0.05]] },
  { name: "branchy", f: branchy, hessian: hessian(branchy), hvp: hvp(branchy), grad: grad(branchy), wrt: [0, 1], points: [[1.2, 0.9], [0.3, -0.8]] },
  { name: "loopy", f: loopy, hessian: hessian(loopy), hvp: hvp(loopy), grad: grad(loopy), wrt: [0, 1], points: [[F(0.3, -0.5, 0.9), 0.7], [F(), 1.3]] },
  { name: "withHelpers", f: withHelpers, hessian: hessian(withHelpers), hvp: hvp(withHelpers), grad: grad(withHelpers), wrt: [0, 1], points: [[0.6, -0.4], [-0.2, 1.1]] },
  { name: "powers", f: powers, hessian: hessian(powers), hvp: hvp(powers), grad: grad(powers), wrt: [0, 1], points: [[1.3, 0.8], [0.6, 2.2]] },
  { name: "mixed", f: mixed, hessian: hessian(mixed, { wrt: [0, 3] }), hvp: hvp(mixed, { wrt: [0, 3] }), grad: grad(mixed, { wrt: [0, 3] }), wrt: [0, 3], points: [[F(0.4, -0.9, 1.2), 3, false, 0.8], [F(0.4, -0.9, 1.2), 2, true, -1.3]] },
  { name: "earlyExits", f: earlyExits, hessian: hessian(earlyExits), hvp: hvp(earlyExits), grad: grad(earlyExits), wrt: [0, 1], points: [[1.2, 0.7], [2.5, 0.7]] },
  { name: "whileLoops", f: whileLoops, hessian: hessian(whileLoops), hvp: hvp(whileLoops), grad: grad(whileLoops), wrt: [0, 1], points: [[0.8, 0.3]] },
  { name: "everyMath", f: everyMath, hessian: hessian(everyMath), hvp: hvp(everyMath), grad: grad(everyMath), wrt: [0, 1], points: [[0.4, 0.9], [1.4, 0.5]] },
  { name: "listParameter", f: listParameter, hessian: hessian(listParameter), hvp: hvp(listParameter), grad: grad(listParameter), wrt: [0, 1], points: [[[0.3, -0.5, 0.9], 1.3]] },
  { name: "normalizeThenSum", f: normalizeThenSum, hessian: hessian(normalizeThenSum), hvp: hvp(normalizeThenSum), grad: grad(normalizeThenSum), wrt: [0, 1], points: [[F(0.6, -1.2, 0.9), 0.8]] },
];

/** The same Hessians on the other engines. */
const tapeAndWasm = new Map<string, { tape: Fn; wasm: Fn }>([
  ["lecture", { tape: hessian(lecture, { engine: "tape" }), wasm: hessian(lecture, { engine: "wasm" }) }],
  ["rosenbrock", { tape: hessian(rosenbrock, { engine: "tape" }), wasm: hessian(rosenbrock, { engine: "wasm" }) }],
  ["activations", { tape: hessian(activations, { engine: "tape" }), wasm: hessian(activations, { engine: "wasm" }) }],
  ["branchy", { tape: hessian(branchy, { engine: "tape" }), wasm: hessian(branchy, { engine: "wasm" }) }],
  ["loopy", { tape: hessian(loopy, { engine: "tape" }), wasm: hessian(loopy, { engine: "wasm" }) }],
  ["withHelpers", { tape: hessian(withHelpers, { engine: "tape" }), wasm: hessian(withHelpers, { engine: "wasm" }) }],
  ["powers", { tape: hessian(powers, { engine: "tape" }), wasm: hessian(powers, { engine: "wasm" }) }],
  ["mixed", { tape: hessian(mixed, { wrt: [0, 3], engine: "tape" }), wasm: hessian(mixed, { wrt: [0, 3], engine: "wasm" }) }],
  ["earlyExits", { tape: hessian(earlyExits, { engine: "tape" }), wasm: hessian(earlyExits, { engine: "wasm" }) }],
  ["whileLoops", { tape: hessian(whileLoops, { engine: "tape" }), wasm: hessian(whileLoops, { engine: "wasm" }) }],
  ["everyMath", { tape: hessian(everyMath, { engine: "tape" }), wasm: hessian(everyMath, { engine: "wasm" }) }],
  ["listParameter", { tape: hessian(listParameter, { engine: "tape" }), wasm: hessian(listParameter, { engine: "wasm" }) }],
  ["normalizeThenSum", { tape: hessian(normalizeThenSum, { engine: "tape" }), wasm: hessian(normalizeThenSum, { engine: "wasm" }) }],
]);

const rows = cases.flatMap((c) => c.points.map((point, k) => ({ c, point, id: `${c.name} #${k}` })));

describe("hessian and hvp", () => {
  it.each(rows)("$id: the Hessian is the derivative of the generated gradient (Richardson differences), and symmetric", ({ c, point }) => {
    const H: number[][] = c.hessian(...fresh(point));
    const n = entries(point, c.wrt);
    expect(H.length).toBe(n);
    for (let j = 0; j < n; j++) {
      expect(H[j].length).toBe(n);
      for (let k = 0; k < n; k++) {
        const column = richardson((h) => flatten(c.grad(...moved(point, c.wrt, j, h)))[k], 0);
        close(H[j][k], column, 1e-6, `H[${j}][${k}]`);
        close(H[j][k], H[k][j], 1e-10, `symmetry [${j}][${k}]`);
      }
    }
  });

  it.each(rows)("$id: the Hessian agrees with second-order central differences of f", ({ c, point }) => {
    const H: number[][] = c.hessian(...fresh(point));
    const n = entries(point, c.wrt);
    const h = 1e-4;
    const f = (p: Value[]) => c.f(...p) as number;
    for (let j = 0; j < n; j++) {
      for (let k = 0; k < n; k++) {
        const fd = (f(moved(moved(point, c.wrt, j, h), c.wrt, k, h)) - f(moved(moved(point, c.wrt, j, h), c.wrt, k, -h)) - f(moved(moved(point, c.wrt, j, -h), c.wrt, k, h)) + f(moved(moved(point, c.wrt, j, -h), c.wrt, k, -h))) / (4 * h * h);
        close(H[j][k], fd, 1e-4, `H[${j}][${k}] vs second differences`);
      }
    }
  });

  it.each(rows)("$id: hvp is H·v, shaped as grad's result, and the caller's arrays are left as given", ({ c, point }) => {
    const H: number[][] = c.hessian(...fresh(point));
    const v = point.map((x, i) => (typeof x === "number" ? 0.3 - 0.7 * i : ArrayBuffer.isView(x) || Array.isArray(x) ? Float64Array.from(x as Float64Array, (_, j) => Math.cos(j + i)) : x));
    const given = fresh(point);
    const result = c.hvp(given, v);
    given.forEach((x, i) => expect(x).toEqual(point[i]));
    const flatV = c.wrt.flatMap((i) => (typeof v[i] === "number" ? [v[i] as number] : Array.from(v[i] as Float64Array)));
    const Hv = H.map((row) => row.reduce((s, hjk, k) => s + hjk * flatV[k], 0));
    const got = flatten(result);
    expect(got.length).toBe(Hv.length);
    got.forEach((g, k) => close(g, Hv[k], 1e-10, `(Hv)[${k}]`));
    c.wrt.forEach((i, k) => expect(typeof (result as Value[])[k]).toBe(typeof point[i] === "number" ? "number" : "object"));
  });

  it("the lecture example against its hand-derived Hessian: [[−1/x₁², 1], [1, sin x₂]]", () => {
    for (const [x1, x2] of [[1.5, 0.5], [2, -1], [0.25, 3]]) {
      const H = hessian(lecture)(x1, x2);
      close(H[0][0], -1 / (x1 * x1), 1e-14, "∂²/∂x₁²");
      close(H[0][1], 1, 1e-14, "∂²/∂x₁∂x₂");
      close(H[1][0], 1, 1e-14, "∂²/∂x₂∂x₁");
      close(H[1][1], Math.sin(x2), 1e-14, "∂²/∂x₂²");
    }
  });

  it("Rosenbrock against its hand-derived Hessian (tridiagonal)", () => {
    const x = F(1.2, -0.4, 0.8, 1.1, -0.3);
    const H = hessian(rosenbrock)(x);
    const n = x.length;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let expected = 0;
        if (i === j) expected = (i + 1 < n ? 1200 * x[i] * x[i] - 400 * x[i + 1] + 2 : 0) + (i > 0 ? 200 : 0);
        else if (j === i + 1) expected = -400 * x[i];
        else if (i === j + 1) expected = -400 * x[j];
        close(H[i][j], expected, 1e-13, `H[${i}][${j}]`);
      }
    }
  });

  it.each(rows)("$id: the tape and wasm engines give the same Hessian and hvp (their own gradients of the tangent code)", ({ c, point }) => {
    const H: number[][] = c.hessian(...fresh(point));
    for (const other of [tapeAndWasm.get(c.name)!.tape, tapeAndWasm.get(c.name)!.wasm]) {
      const O: number[][] = other(...fresh(point));
      H.forEach((row, j) => row.forEach((h, k) => close(O[j][k], h, 1e-10, `[${j}][${k}]`)));
    }
  });

  it("object and defaulted parameters: Hessians and Jacobians over their fields flattened in order, hvp shaped as them, as the written-out function's", () => {
    const w = F(0.4, -0.3, 0.8);
    const x = F(1.1, 0.5, -0.7);
    const objectHessian = hessian(layerLoss)({ w, b: 0.2 }, x, 1.5);
    const flatHessian = hessian(layerLossFlat)(w, 0.2, x, 1.5);
    expect(objectHessian).toEqual(flatHessian);
    // a defaulted parameter left out: its value is the default's, its row and column are 0, as grad gives it 0
    const defaulted = hessian(layerLoss)({ w, b: 0.2 }, x);
    const withDefault = hessian(layerLossFlat)(w, 0.2, x, 2);
    defaulted.forEach((row, j) => row.forEach((h, k) => close(h, j === 7 || k === 7 ? 0 : withDefault[j][k], 1e-14, `[${j}][${k}]`)));
    // hvp takes primals and tangents shaped as the parameters and returns H·v shaped as them
    const direction = { w: F(0.5, -1, 0.25), b: 0.75 };
    const shapedHvp = hvp(layerLoss)([{ w, b: 0.2 }, x, 1.5], [direction, F(0, 1, 0), 0.5]);
    const flatHvp = hvp(layerLossFlat)([w, 0.2, x, 1.5], [direction.w, direction.b, F(0, 1, 0), 0.5]);
    expect(Array.from(shapedHvp[0].w)).toEqual(Array.from(flatHvp[0]));
    expect(shapedHvp[0].b).toBe(flatHvp[1]);
    expect(Array.from(shapedHvp[1])).toEqual(Array.from(flatHvp[2]));
    expect(shapedHvp[2]).toBe(flatHvp[3]);
    const J = jacobian(layerOutputs)({ w, b: 0.2 }, x);
    expect(J.length).toBe(3);
    J.forEach((row, r) => {
      expect(row.length).toBe(7);
      // ∂ sin(wᵣxᵣ + b) / ∂(w, b, x)
      const c = Math.cos(w[r] * x[r] + 0.2);
      row.forEach((v, k) => close(v, k === r ? c * x[r] : k === 3 ? c : k === 4 + r ? c * w[r] : 0, 1e-15, `J[${r}][${k}]`));
    });
  });

  it("a single wrt index gives hvp one entry; a Float32Array parameter's entry is a Float32Array", () => {
    const x = Float32Array.from([0.5, -1.25, 2]);
    const w = F(0.3, -0.6, 1.1);
    const single = hvp(float32Quadratic, { wrt: 0 })([x, w], [F(1, 0, 0), F(0, 0, 0)]);
    expect(single).toBeInstanceOf(Float32Array);
    // ∂²/∂x₀² (w₀x₀² + x₀ sin w₀) = 2w₀, taken in float64 and handed back as float32
    expect(Array.from(single)).toEqual([Math.fround(2 * 0.3), 0, 0]);
    const H = hessian(float32Quadratic)(x, w);
    // ∂²/∂x₀∂w₀ = 2x₀ + cos w₀; ∂²/∂w₀² = −x₀ sin w₀
    close(H[0][3], 2 * 0.5 + Math.cos(0.3), 1e-14, "∂²/∂x₀∂w₀");
    close(H[3][3], -0.5 * Math.sin(0.3), 1e-14, "∂²/∂w₀²");
  });
});

describe("edge cases", () => {
  it("stopGradient stops derivatives of every order (as JAX's stop_gradient); an Int32Array has no rows; an empty array none either", () => {
    const [x, y] = [0.7, 1.3];
    const H = hessian(stoppedProduct)(x, y);
    // ∂f/∂x = 2x·s + y² with s = stop(y·x) constant, so ∂²f/∂x² = 2s and ∂²f/∂x∂y = 2y
    close(H[0][0], 2 * (y * x), 1e-14, "∂²/∂x²");
    close(H[0][1], 2 * y, 1e-14, "∂²/∂x∂y");
    close(H[1][1], 2 * x, 1e-14, "∂²/∂y²");
    const v = F(0.5, -1, 2);
    const G = hessian(gathered, { wrt: [0, 2] })(v, Int32Array.from([2, 0, 0]), 1.5);
    expect(G.length).toBe(4);
    // t = s·(x₂³ + 2x₀³): ∂²/∂x₀² = 12x₀s, ∂²/∂x₂² = 6x₂s, ∂²/∂x₀∂s = 6x₀², ∂²/∂x₁² = 0
    close(G[0][0], 12 * 0.5 * 1.5, 1e-14, "∂²/∂x₀²");
    close(G[2][2], 6 * 2 * 1.5, 1e-14, "∂²/∂x₂²");
    close(G[0][3], 6 * 0.25, 1e-14, "∂²/∂x₀∂s");
    expect(G[1]).toEqual([0, 0, 0, 0]);
    // an empty array: no rows or columns; with x empty, loopy is 0·k, so ∂²/∂k² = 0
    expect(hessian(loopy)(F(), 1.3)).toEqual([[0]]);
    expect(jacobian(listResult)(0.3, 2)).toEqual([[2, 0.3], [Math.exp(0.3), -1], [1, 0]]);
  });
});

describe("grad of a gradient", () => {
  it("grad(grad(f, { wrt: i })) is row i of the Hessian: the lecture example by hand", () => {
    for (const [x1, x2] of [[1.5, 0.5], [0.4, -2]]) {
      const [d11, d12] = grad(grad(lecture, { wrt: 0 }))(x1, x2);
      close(d11, -1 / (x1 * x1), 1e-14, "∂²/∂x₁²");
      close(d12, 1, 1e-14, "∂²/∂x₁∂x₂");
      close(grad(grad(lecture, { wrt: 1 }))(x1, x2)[1], Math.sin(x2), 1e-14, "∂²/∂x₂²");
      // An outer `wrt` compiles and runs; TypeScript cannot infer its type through the inner call (README).
      // @ts-expect-error -- the limitation of the types, not of the transform
      const d22: number = grad(grad(lecture, { wrt: 1 }), { wrt: 1 })(x1, x2);
      close(d22, Math.sin(x2), 1e-14, "∂²/∂x₂², single outer wrt");
    }
  });

  it("grad(grad(…)) on the tape and wasm engines", () => {
    const [onTape, onWasm] = [grad(grad(lecture, { wrt: 0, engine: "tape" }), { engine: "tape" }), grad(grad(lecture, { wrt: 0, engine: "wasm" }), { engine: "wasm" })];
    for (const row of [onTape(1.5, 0.5), onWasm(1.5, 0.5)]) {
      close(row[0], -1 / 2.25, 1e-14, "∂²/∂x₁²");
      close(row[1], 1, 1e-14, "∂²/∂x₁∂x₂");
    }
  });

  it("the second derivative of x³ sin x is 6x sin x + 6x² cos x − x³ sin x", () => {
    // (no outer `wrt`: TypeScript cannot infer its type through the inner call)
    const second = grad(grad(cubicSine, { wrt: 0 }));
    for (const x of [-2.5, 0, 0.3, 1.7, 4]) close(second(x)[0], 6 * x * Math.sin(x) + 6 * x * x * Math.cos(x) - x ** 3 * Math.sin(x), 1e-13, `x = ${x}`);
  });

  it("grad of an array-valued gradient, or of a gradient list, is a diagnostic", async () => {
    const compile = async (body: string) => {
      const file = path.resolve("test/fixtures/second-order-probe.ts");
      const result = await transformModuleAsync(`import { grad, valueAndGrad } from "gradc";\n${body}\n`, file, { readFile: (f) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined) });
      return result.diagnostics.map((d) => d.message);
    };
    const needsOne = /grad of a gradient needs the inner gradient to be one number/;
    expect(await compile(`function f(x: Float64Array): number { return x[0] * x[0]; }\nexport const g = grad(grad(f, { wrt: 0 }));`)).toEqual([expect.stringMatching(needsOne)]);
    expect(await compile(`function f(x: number, y: number): number { return x * y; }\nexport const g = grad(grad(f));`)).toEqual([expect.stringMatching(needsOne)]);
    expect(await compile(`function f(x: number): number { return x * x; }\nexport const g = valueAndGrad(grad(f, { wrt: 0 }));`)).toEqual([expect.stringMatching(/valueAndGrad\(grad\(…\)\) is not supported/)]);
  });
});

describe("jacobian", () => {
  const jacobians: { name: string; f: Fn; forward: Fn; reverse: Fn; auto: Fn; wrt: number[]; points: Value[][]; tape: Fn; wasm: Fn }[] = [
    { name: "polar", f: polar, forward: jacobian(polar, { mode: "forward" }), reverse: jacobian(polar, { mode: "reverse" }), auto: jacobian(polar), tape: jacobian(polar, { engine: "tape" }), wasm: jacobian(polar, { engine: "wasm" }), wrt: [0, 1], points: [[1.5, 0.4], [0.2, -2]] },
    { name: "softmax", f: softmax, forward: jacobian(softmax, { mode: "forward" }), reverse: jacobian(softmax, { mode: "reverse" }), auto: jacobian(softmax), tape: jacobian(softmax, { engine: "tape" }), wasm: jacobian(softmax, { engine: "wasm" }), wrt: [0], points: [[F(0.3, -1.2, 2.5, 0.1)]] },
    { name: "wide", f: wide, forward: jacobian(wide, { mode: "forward" }), reverse: jacobian(wide, { mode: "reverse" }), auto: jacobian(wide), tape: jacobian(wide, { engine: "tape" }), wasm: jacobian(wide, { engine: "wasm" }), wrt: [0, 1], points: [[0.7, F(0.5, -1.5)]] },
    { name: "narrow", f: narrow, forward: jacobian(narrow, { mode: "forward" }), reverse: jacobian(narrow, { mode: "reverse" }), auto: jacobian(narrow), tape: jacobian(narrow, { engine: "tape" }), wasm: jacobian(narrow, { engine: "wasm" }), wrt: [0], points: [[F(0.3, -0.2, 1.4, 0.9, -2, 0.6)]] },
    { name: "lecture (a number result: one row)", f: lecture, forward: jacobian(lecture, { mode: "forward" }), reverse: jacobian(lecture, { mode: "reverse" }), auto: jacobian(lecture), tape: jacobian(lecture, { engine: "tape" }), wasm: jacobian(lecture, { engine: "wasm" }), wrt: [0, 1], points: [[1.5, 0.5]] },
  ];
  const jrows = jacobians.flatMap((c) => c.points.map((point, k) => ({ c, point, id: `${c.name} #${k}` })));

  it.each(jrows)("$id: forward and reverse agree with each other, with auto, across engines, and with central differences", ({ c, point }) => {
    const J: number[][] = c.forward(...fresh(point));
    const R: number[][] = c.reverse(...fresh(point));
    const A: number[][] = c.auto(...fresh(point));
    const value = c.f(...fresh(point));
    const m = typeof value === "number" ? 1 : value.length;
    const n = entries(point, c.wrt);
    expect(J.length).toBe(m);
    expect(R.length).toBe(m);
    for (let r = 0; r < m; r++) {
      expect(J[r].length).toBe(n);
      for (let k = 0; k < n; k++) {
        close(R[r][k], J[r][k], 1e-13, `reverse [${r}][${k}]`);
        close(A[r][k], J[r][k], 1e-13, `auto [${r}][${k}]`);
        const fd = richardson((h) => {
          const out = c.f(...moved(point, c.wrt, k, h));
          return typeof out === "number" ? out : out[r];
        }, 0);
        close(J[r][k], fd, 1e-7, `[${r}][${k}] vs differences`);
      }
    }
    const T: number[][] = c.tape(...fresh(point));
    const W: number[][] = c.wasm(...fresh(point));
    T.forEach((row, r) => row.forEach((t, k) => close(t, J[r][k], 1e-12, `tape [${r}][${k}]`)));
    W.forEach((row, r) => row.forEach((w, k) => close(w, J[r][k], 1e-12, `wasm [${r}][${k}]`)));
  });

  it("an object result: one row per number and array element, in field order; both modes, three engines, and differences agree", () => {
    const x = F(0.3, -1.1, 0.8);
    const entriesOf = (r: { mean: number; centered: Float64Array }) => [r.mean, ...r.centered];
    const forward = jacobian(moments, { mode: "forward" })(x, 1.7);
    const reverse = jacobian(moments, { mode: "reverse" })(x, 1.7);
    const others = [jacobian(moments)(x, 1.7), jacobian(moments, { engine: "tape" })(x, 1.7), jacobian(moments, { engine: "wasm" })(x, 1.7)];
    expect(forward.length).toBe(4);
    forward.forEach((row, r) => {
      expect(row.length).toBe(4);
      row.forEach((v, k) => {
        const fd = richardson((h) => entriesOf(k < 3 ? moments(Float64Array.from(x, (xi, i) => (i === k ? xi + h : xi)), 1.7) : moments(x, 1.7 + h))[r], 0);
        close(v, fd, 1e-8, `[${r}][${k}] vs differences`);
        close(reverse[r][k], v, 1e-13, `reverse [${r}][${k}]`);
        others.forEach((o) => close(o[r][k], v, 1e-12, `[${r}][${k}] on another engine or mode`));
      });
    });
  });

  it("a function that writes into its array: every column starts from the point as given, and the caller's array is left as given", () => {
    const x = F(0.5, -1.5, 2);
    for (const mode of ["forward", "reverse"] as const) {
      const given = x.slice();
      const J = (mode === "forward" ? jacobian(scaledInPlace, { mode: "forward" }) : jacobian(scaledInPlace, { mode: "reverse" }))(given, 3);
      expect(Array.from(given)).toEqual(Array.from(x));
      // out_r = (3x_r + 1)²: ∂/∂x_r = 6(3x_r + 1), ∂/∂s = 2(3x_r + 1)x_r
      J.forEach((row, r) => row.forEach((v, k) => close(v, k === r ? 6 * (3 * x[r] + 1) : k === 3 ? 2 * (3 * x[r] + 1) * x[r] : 0, 1e-14, `${mode} [${r}][${k}]`)));
    }
  });

  it("softmax's Jacobian: diag(s) − s·sᵀ, rows summing to 0", () => {
    const z = F(0.3, -1.2, 2.5, 0.1);
    const s = softmax(z);
    const J = jacobian(softmax)(z);
    J.forEach((row, i) => {
      row.forEach((v, j) => close(v, (i === j ? s[i] : 0) - s[i] * s[j], 1e-15, `[${i}][${j}]`));
      expect(Math.abs(row.reduce((a, b) => a + b, 0))).toBeLessThan(1e-15);
    });
  });
});

describe("second-order diagnostics", () => {
  const compile = async (body: string) => {
    const file = path.resolve("test/fixtures/second-order-probe.ts");
    const source = `import { hessian, hvp, jacobian } from "gradc";\n${body}\n`;
    const result = await transformModuleAsync(source, file, { readFile: (f) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined) });
    return result.diagnostics.map((d) => d.message);
  };

  it("hessian of an array-valued function, hvp of an object-valued one, second order through recursion, and an unknown jacobian mode are reported", async () => {
    expect(await compile(`function f(x: number): Float64Array { const o = new Float64Array(1); o[0] = x; return o; }\nexport const h = hessian(f);`)).toEqual([expect.stringMatching(/returns an array, so hessian has no single gradient/)]);
    expect(await compile(`function p(x: number, n: number): number { return n <= 0 ? x : x * p(x, n - 1); }\nfunction f(x: number): number { return p(x, 3); }\nexport const h = hvp(f);`)).toEqual([expect.stringMatching(/second derivatives of 'f' need every helper inlined, and 'p' may recurse/)]);
    expect(await compile(`function f(x: number): number { return x; }\nexport const j = jacobian(f, { mode: "sideways" });`)).toEqual([expect.stringMatching(/`mode` must be the literal "forward", "reverse" or "auto"/)]);
    expect(await compile(`function f(x: number): { a: number } { return { a: x * x }; }\nexport const h = hvp(f);`)).toEqual([expect.stringMatching(/'f' returns an object/)]);
  });
});
