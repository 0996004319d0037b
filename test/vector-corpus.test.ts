/**
 * Array results (test/fixtures/vector-functions.ts): `jvp(f)` returns the result and its tangent
 * J·t, `vjp(f)` a pullback from a cotangent c (an array of the result's length) to cᵀ·J — in
 * compiled forward and reverse mode and on the tape. Each is checked against central differences
 * of f itself (J·t as the derivative of f along t, cᵀ·J coordinate by coordinate as the
 * derivative of c·f), and the two modes against each other: the Jacobian built column by column
 * with jvp equals the one built row by row with vjp. Random directions come from a fixed seed.
 */
import { describe, expect, it } from "vitest";
import { grad, jvp, valueAndGrad, valueAndGradInto, vjp } from "gradc";
import { squashInPlace } from "./fixtures/arrays.js";
import { richardson } from "./support/numeric.js";
import { close, coordinates, entry, flatten, read, shifted, unflatten, unitTangents } from "./support/pytree.js";
import { decayedProducts, denseLayer, moments, nestedHelperResult, normalizedMoments, partialDependence, polar, polarObject, softmax, squareInPlace, stackedLayers, steeredOverwrite } from "./fixtures/vector-functions.js";

type Fn = (...args: any[]) => any;

interface Case {
  name: string;
  /** Returns an array, or an object of numbers and arrays (compared through `flatten`). */
  f: (...args: any[]) => unknown;
  jvp: Fn;
  vjp: Fn;
  tapeJvp: Fn;
  tapeVjp: Fn;
  /** jvp and vjp with engine: "wasm". */
  wasmJvp: Fn;
  wasmVjp: Fn;
  point: () => unknown[];
}

const F = (...xs: number[]) => Float64Array.from(xs);
const cases: Case[] = [
  { name: "softmax", f: softmax, jvp: jvp(softmax), vjp: vjp(softmax), tapeJvp: jvp(softmax, { engine: "tape" }), tapeVjp: vjp(softmax, { engine: "tape" }), wasmJvp: jvp(softmax, { engine: "wasm" }), wasmVjp: vjp(softmax, { engine: "wasm" }), point: () => [F(0.3, -1.2, 0.8, 0.1), 0.7] },
  { name: "polar", f: polar, jvp: jvp(polar), vjp: vjp(polar), tapeJvp: jvp(polar, { engine: "tape" }), tapeVjp: vjp(polar, { engine: "tape" }), wasmJvp: jvp(polar, { engine: "wasm" }), wasmVjp: vjp(polar, { engine: "wasm" }), point: () => [1.6, 0.4] },
  { name: "polar (the other branch)", f: polar, jvp: jvp(polar), vjp: vjp(polar), tapeJvp: jvp(polar, { engine: "tape" }), tapeVjp: vjp(polar, { engine: "tape" }), wasmJvp: jvp(polar, { engine: "wasm" }), wasmVjp: vjp(polar, { engine: "wasm" }), point: () => [-0.5, 0.4] },
  { name: "squareInPlace", f: squareInPlace, jvp: jvp(squareInPlace), vjp: vjp(squareInPlace), tapeJvp: jvp(squareInPlace, { engine: "tape" }), tapeVjp: vjp(squareInPlace, { engine: "tape" }), wasmJvp: jvp(squareInPlace, { engine: "wasm" }), wasmVjp: vjp(squareInPlace, { engine: "wasm" }), point: () => [F(0.5, -1.5, 2)] },
  { name: "decayedProducts", f: decayedProducts, jvp: jvp(decayedProducts), vjp: vjp(decayedProducts), tapeJvp: jvp(decayedProducts, { engine: "tape" }), tapeVjp: vjp(decayedProducts, { engine: "tape" }), wasmJvp: jvp(decayedProducts, { engine: "wasm" }), wasmVjp: vjp(decayedProducts, { engine: "wasm" }), point: () => [F(0.4, -0.9, 1.3, 0.2, -0.1), 0.8] },
  {
    name: "denseLayer",
    f: denseLayer,
    jvp: jvp(denseLayer),
    vjp: vjp(denseLayer),
    tapeJvp: jvp(denseLayer, { engine: "tape" }),
    tapeVjp: vjp(denseLayer, { engine: "tape" }), wasmJvp: jvp(denseLayer, { engine: "wasm" }), wasmVjp: vjp(denseLayer, { engine: "wasm" }),
    point: () => [{ w: F(0.4, -0.3, 0.8, -0.6, 0.5, 0.2), b: F(0.1, -0.9, 0.2) }, F(0.7, -1.1)],
  },
  {
    name: "stackedLayers",
    f: stackedLayers,
    jvp: jvp(stackedLayers),
    vjp: vjp(stackedLayers),
    tapeJvp: jvp(stackedLayers, { engine: "tape" }),
    tapeVjp: vjp(stackedLayers, { engine: "tape" }), wasmJvp: jvp(stackedLayers, { engine: "wasm" }), wasmVjp: vjp(stackedLayers, { engine: "wasm" }),
    point: () => [{ w: F(0.4, -0.3, 0.8, -0.6, 0.5, 0.2), b: F(0.1, -0.9, 0.2) }, { w: F(0.7, -0.2, 0.5, 0.3, 0.9, -0.8), b: F(-0.3, 0.4) }, F(0.7, -1.1)],
  },
  { name: "moments (object result)", f: moments, jvp: jvp(moments), vjp: vjp(moments), tapeJvp: jvp(moments, { engine: "tape" }), tapeVjp: vjp(moments, { engine: "tape" }), wasmJvp: jvp(moments, { engine: "wasm" }), wasmVjp: vjp(moments, { engine: "wasm" }), point: () => [F(0.4, -0.9, 1.3, 0.2), 0.8] },
  { name: "polarObject (nested object result)", f: polarObject, jvp: jvp(polarObject), vjp: vjp(polarObject), tapeJvp: jvp(polarObject, { engine: "tape" }), tapeVjp: vjp(polarObject, { engine: "tape" }), wasmJvp: jvp(polarObject, { engine: "wasm" }), wasmVjp: vjp(polarObject, { engine: "wasm" }), point: () => [1.6, 0.4] },
  { name: "polarObject (the early return)", f: polarObject, jvp: jvp(polarObject), vjp: vjp(polarObject), tapeJvp: jvp(polarObject, { engine: "tape" }), tapeVjp: vjp(polarObject, { engine: "tape" }), wasmJvp: jvp(polarObject, { engine: "wasm" }), wasmVjp: vjp(polarObject, { engine: "wasm" }), point: () => [-0.5, 0.4] },
  {
    name: "normalizedMoments (a helper's object result)",
    f: normalizedMoments,
    jvp: jvp(normalizedMoments),
    vjp: vjp(normalizedMoments),
    tapeJvp: jvp(normalizedMoments, { engine: "tape" }),
    tapeVjp: vjp(normalizedMoments, { engine: "tape" }), wasmJvp: jvp(normalizedMoments, { engine: "wasm" }), wasmVjp: vjp(normalizedMoments, { engine: "wasm" }),
    point: () => [F(0.4, -0.9, 1.3, 0.2)],
  },
  {
    name: "nestedHelperResult (a helper's object result as a field)",
    f: nestedHelperResult,
    jvp: jvp(nestedHelperResult),
    vjp: vjp(nestedHelperResult),
    tapeJvp: jvp(nestedHelperResult, { engine: "tape" }),
    tapeVjp: vjp(nestedHelperResult, { engine: "tape" }), wasmJvp: jvp(nestedHelperResult, { engine: "wasm" }), wasmVjp: vjp(nestedHelperResult, { engine: "wasm" }),
    point: () => [F(0.4, -0.9, 1.3), 0.7],
  },
  {
    name: "steeredOverwrite (writes its parameters; one write steers another)",
    f: steeredOverwrite,
    jvp: jvp(steeredOverwrite),
    vjp: vjp(steeredOverwrite),
    tapeJvp: jvp(steeredOverwrite, { engine: "tape" }),
    tapeVjp: vjp(steeredOverwrite, { engine: "tape" }), wasmJvp: jvp(steeredOverwrite, { engine: "wasm" }), wasmVjp: vjp(steeredOverwrite, { engine: "wasm" }),
    point: () => [F(0.41, -1.11, 1.3, 0.27), F(-0.04, 0.44, -0.13, 1.37)],
  },
  { name: "partialDependence", f: partialDependence, jvp: jvp(partialDependence), vjp: vjp(partialDependence), tapeJvp: jvp(partialDependence, { engine: "tape" }), tapeVjp: vjp(partialDependence, { engine: "tape" }), wasmJvp: jvp(partialDependence, { engine: "wasm" }), wasmVjp: vjp(partialDependence, { engine: "wasm" }), point: () => [0.6, -1.4] },
];

describe.each(cases)("$name", (c) => {
  const args = c.point();
  const coords = args.flatMap((a, i) => coordinates(a, i));
  const result = c.f(...c.point());
  const m = flatten(result).length;

  it("jvp along each input coordinate is the derivative of f along it (central differences), on both engines", () => {
    for (const coord of coords) {
      const [value, tangent] = c.jvp(c.point(), unitTangents(c.point(), coord));
      const [tapeValue, tapeTangent] = c.tapeJvp(c.point(), unitTangents(c.point(), coord));
      expect(flatten(value)).toEqual(flatten(c.f(...c.point())));
      expect(flatten(tapeValue)).toEqual(flatten(value));
      const t = flatten(tangent);
      const tapeT = flatten(tapeTangent);
      expect(t).toHaveLength(m);
      for (let i = 0; i < m; i++) {
        const numeric = richardson((h) => flatten(c.f(...shifted(c.point(), coord, h)))[i]!, read(args, coord));
        close(t[i]!, numeric, 1e-6, `∂f[${i}]/∂${coord.arg}.${coord.path.join(".")}[${coord.element}]`);
        close(tapeT[i]!, t[i]!, 1e-10, "tape jvp");
      }
    }
  });

  it("vjp's pullback of a cotangent c is the gradient of c·f (central differences), on both engines", () => {
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const cotangent = Array.from({ length: m }, random);
    const [value, pullback] = c.vjp(...c.point());
    expect(flatten(value)).toEqual(flatten(c.f(...c.point())));
    const g = pullback(unflatten(result, cotangent));
    const [, tapePullback] = c.tapeVjp(...c.point());
    const t = tapePullback(unflatten(result, cotangent));
    for (const coord of coords) {
      const dot = (h: number) => {
        const y = flatten(c.f(...shifted(c.point(), coord, h)));
        return cotangent.reduce((s, ci, i) => s + ci * y[i]!, 0);
      };
      close(entry(g, coord), richardson(dot, read(args, coord)), 1e-6, `(cᵀJ) at ${coord.arg}.${coord.path.join(".")}[${coord.element}]`);
      close(entry(t, coord), entry(g, coord), 1e-10, "tape vjp");
    }
    if (ArrayBuffer.isView(result) || Array.isArray(result)) expect(() => pullback(new Float64Array(m + 1))).toThrow(RangeError);
    else expect(() => pullback({})).toThrow(/cotangent/);
  });

  it("the wasm engine computes what the compiled engine computes", () => {
    for (const coord of coords) {
      const [value, tangent] = c.jvp(c.point(), unitTangents(c.point(), coord));
      const [wasmValue, wasmTangent] = c.wasmJvp(c.point(), unitTangents(c.point(), coord));
      // equal to 1e-12: vectorized sums are reassociated (README "The WebAssembly engine")
      flatten(value).forEach((v, i) => close(flatten(wasmValue)[i]!, v, 1e-12, "wasm value"));
      flatten(tangent).forEach((t, i) => close(flatten(wasmTangent)[i]!, t, 1e-12, "wasm jvp"));
    }
    const cotangent = Array.from({ length: m }, (_, i) => Math.cos(1 + i));
    const [value, pullback] = c.vjp(...c.point());
    const [wasmValue, wasmPullback] = c.wasmVjp(...c.point());
    flatten(value).forEach((v, i) => close(flatten(wasmValue)[i]!, v, 1e-12, "wasm value"));
    const g = pullback(unflatten(result, cotangent));
    const w = wasmPullback(unflatten(result, cotangent));
    for (const coord of coords) close(entry(w, coord), entry(g, coord), 1e-12, "wasm vjp");
    if (ArrayBuffer.isView(result) || Array.isArray(result)) expect(() => wasmPullback(new Float64Array(m + 1))).toThrow(RangeError);
    else expect(() => wasmPullback({})).toThrow(/cotangent/);
  });

  it("the Jacobian by columns (jvp) equals the Jacobian by rows (vjp)", () => {
    const [, pullback] = c.vjp(...c.point());
    for (let i = 0; i < m; i++) {
      const row = pullback(unflatten(result, Array.from({ length: m }, (_, k) => (k === i ? 1 : 0))));
      for (const coord of coords) {
        const [, column] = c.jvp(c.point(), unitTangents(c.point(), coord));
        close(entry(row, coord), flatten(column)[i]!, 1e-12, `J[${i}][${coord.arg}.${coord.path.join(".")}[${coord.element}]]`);
      }
    }
  });
});

describe("array results are the caller's own", () => {
  it("two calls give two arrays: the generated functions' reusable buffers never leak out", () => {
    const f = vjp(softmax);
    const [first] = f(F(0.1, 0.2), 1);
    const snapshot = Array.from(first);
    f(F(5, -5), 1);
    expect(Array.from(first)).toEqual(snapshot);
    const j = jvp(softmax);
    const [v1, t1] = j([F(0.1, 0.2), 1], [F(1, 0), 0]);
    const copies = [Array.from(v1), Array.from(t1)];
    j([F(3, 1), 1], [F(0, 1), 0]);
    expect([Array.from(v1), Array.from(t1)]).toEqual(copies);
  });

  it("f runs on the caller's arrays as JavaScript would (squareInPlace squares x), and the derivatives are taken at the point as given", () => {
    const x = F(1, 2);
    const [value, pullback] = vjp(squareInPlace)(x);
    expect(Array.from(x)).toEqual([1, 4]);
    expect(Array.from(value)).toEqual([1, 4]);
    expect(Array.from(pullback([1, 1])[0])).toEqual([2, 4]);
  });

  it("every API runs f on the caller's arrays: they end as a call of f leaves them, on both engines; derivatives are taken at the point as given", () => {
    const start = () => F(0.3, -0.8, 1.1);
    const afterF = start();
    squashInPlace(afterF);
    const expected = grad(squashInPlace)(start())[0];
    const engines = {
      compiled: { grad: grad(squashInPlace), valueAndGrad: valueAndGrad(squashInPlace), into: valueAndGradInto(squashInPlace), jvp: jvp(squashInPlace), vjp: vjp(squashInPlace) },
      tape: {
        grad: grad(squashInPlace, { engine: "tape" }),
        valueAndGrad: valueAndGrad(squashInPlace, { engine: "tape" }),
        into: valueAndGradInto(squashInPlace, { engine: "tape" }),
        jvp: jvp(squashInPlace, { engine: "tape" }),
        vjp: vjp(squashInPlace, { engine: "tape" }),
      },
    };
    for (const [name, e] of Object.entries(engines)) {
      const x = [start(), start(), start(), start(), start()];
      const gradients = [e.grad(x[0])[0], e.valueAndGrad(x[1])[1][0]];
      const buffer = new Float64Array(3);
      e.into([buffer], x[2]);
      gradients.push(buffer);
      const [, tangent] = e.jvp([x[3]], [F(0, 1, 0)]);
      gradients.push(F(NaN, tangent, NaN));
      gradients.push(e.vjp(x[4])[1](1)[0]);
      x.forEach((xi, k) => expect(Array.from(xi), `${name}: API ${k}`).toEqual(Array.from(afterF)));
      for (const g of gradients) close(g[1]!, expected[1]!, 1e-12, `${name}: ∂f/∂x[1] at the point as given`);
    }
    // The gradient is f's at the point as given (central differences of a copy-taking f).
    close(expected[1]!, richardson((h) => squashInPlace(F(0.3, -0.8 + h, 1.1)), -0.8), 1e-6, "vs central differences");
  });

  it("grad of a number-valued function of the same module still works beside them", () => {
    expect(grad((x: number) => x * x)(3)).toEqual([6]);
  });
});
