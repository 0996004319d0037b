/**
 * The object and parameter corpus (test/fixtures/objects.ts, test/fixtures/parameters.ts):
 * functions of objects, of optional and default parameters, of strings and enums, of
 * Float32Arrays — differentiated by reverse mode (`grad`), the tape (`grad(f, { engine: "tape" })`)
 * and forward mode (`jvp` along every number and array element inside the arguments), checked
 * against Richardson central differences of f itself. The gradient of an object parameter must
 * be an object of the same fields (a Float64Array for an array field, 0 for a boolean or string
 * field); a string or boolean parameter's gradient is 0; `valueAndGrad`, `vjp` and
 * `valueAndGradInto` must agree with `grad` and return f's value.
 *
 * No expected number comes from gradc: central differences and the cross-engine comparisons are
 * the independent checks.
 */
import { describe, expect, it } from "vitest";
import { grad, jvp, valueAndGrad, valueAndGradInto, vjp } from "gradc";
import { richardson } from "./support/numeric.js";
import { type Coordinate, at, close, coordinates, entry, isFloatArray, isIntegerArray, read, shifted, unitTangents } from "./support/pytree.js";
import {
  aliasesAndQuotes,
  fibonacciLike,
  linearMse,
  mlpLoss,
  nestedDestructuring,
  pendulumEnergy,
  runningStats,
  scaleInPlace,
  scaledNorm,
  springDistance,
} from "./fixtures/objects.js";
import { Activation, Penalty, bucketed, configuredLoss, float32Local, float32Smoothing, forwardedOptionals, maskedCrossEntropy, optionsObject, reduced, withDefaults } from "./fixtures/parameters.js";

type Fn = (...args: any[]) => any;

interface Case {
  name: string;
  f: (...args: any[]) => number;
  grad: Fn;
  tape: Fn;
  /** The same derivatives computed by the wasm engine (engine: "wasm"). */
  wasm: { grad: Fn; jvp: Fn; vjp: Fn; into: Fn };
  jvp: Fn;
  valueAndGrad: Fn;
  vjp: Fn;
  into: Fn;
  /** The evaluation point (built fresh for every call: some functions write into their arrays). */
  point: () => unknown[];
  /** Arguments that are integers (sizes, step counts): not differentiated. */
  integer?: number[];
  /** Tolerance against central differences (default FD_TOL); looser where f itself computes in float32. */
  fdTol?: number;
  /** f's parameter count when the point leaves optional ones out (each still has a gradient entry). */
  arity?: number;
}

/** Reverse vs forward vs tape: exact up to rounding. */
const MODES_TOL = 1e-10;
/** Any engine vs central differences. */
const FD_TOL = 1e-6;

const F = (...xs: number[]) => Float64Array.from(xs);
const mlp = () => ({
  hidden: { w: F(0.4, -0.3, 0.8, -0.6, 0.5, 0.2), b: F(0.1, -0.05, 0.2) },
  out: { w: F(0.9, -0.4, 0.6), b: 0.05 },
});

const cases: Case[] = [
  {
    name: "mlpLoss",
    f: mlpLoss,
    grad: grad(mlpLoss),
    tape: grad(mlpLoss, { engine: "tape" }),
    wasm: { grad: grad(mlpLoss, { engine: "wasm" }), jvp: jvp(mlpLoss, { engine: "wasm" }), vjp: vjp(mlpLoss, { engine: "wasm" }), into: valueAndGradInto(mlpLoss, { engine: "wasm" }) },
    jvp: jvp(mlpLoss),
    valueAndGrad: valueAndGrad(mlpLoss),
    vjp: vjp(mlpLoss),
    into: valueAndGradInto(mlpLoss),
    point: () => [mlp(), F(0.7, -1.1), 0.3],
  },
  {
    name: "linearMse",
    f: linearMse,
    grad: grad(linearMse),
    tape: grad(linearMse, { engine: "tape" }),
    wasm: { grad: grad(linearMse, { engine: "wasm" }), jvp: jvp(linearMse, { engine: "wasm" }), vjp: vjp(linearMse, { engine: "wasm" }), into: valueAndGradInto(linearMse, { engine: "wasm" }) },
    jvp: jvp(linearMse),
    valueAndGrad: valueAndGrad(linearMse),
    vjp: vjp(linearMse),
    into: valueAndGradInto(linearMse),
    point: () => [{ w: F(0.5, -0.25), b: 0.1 }, F(1, 2, -0.5, 0.3, 0.8, -1.2), F(0.4, -0.6, 1.1)],
  },
  {
    name: "pendulumEnergy",
    f: pendulumEnergy,
    grad: grad(pendulumEnergy),
    tape: grad(pendulumEnergy, { engine: "tape" }),
    wasm: { grad: grad(pendulumEnergy, { engine: "wasm" }), jvp: jvp(pendulumEnergy, { engine: "wasm" }), vjp: vjp(pendulumEnergy, { engine: "wasm" }), into: valueAndGradInto(pendulumEnergy, { engine: "wasm" }) },
    jvp: jvp(pendulumEnergy),
    valueAndGrad: valueAndGrad(pendulumEnergy),
    vjp: vjp(pendulumEnergy),
    into: valueAndGradInto(pendulumEnergy),
    point: () => [{ theta: 0.6, omega: -1.3 }, { g: 9.81, length: 1.2, mass: 0.7 }],
  },
  {
    name: "springDistance",
    f: springDistance,
    grad: grad(springDistance),
    tape: grad(springDistance, { engine: "tape" }),
    wasm: { grad: grad(springDistance, { engine: "wasm" }), jvp: jvp(springDistance, { engine: "wasm" }), vjp: vjp(springDistance, { engine: "wasm" }), into: valueAndGradInto(springDistance, { engine: "wasm" }) },
    jvp: jvp(springDistance),
    valueAndGrad: valueAndGrad(springDistance),
    vjp: vjp(springDistance),
    into: valueAndGradInto(springDistance),
    point: () => [{ pos: 1.1, vel: -0.4 }, { k: 2.5, damping: 0.3 }, 25],
    integer: [2],
  },
  {
    name: "scaledNorm",
    f: scaledNorm,
    grad: grad(scaledNorm),
    tape: grad(scaledNorm, { engine: "tape" }),
    wasm: { grad: grad(scaledNorm, { engine: "wasm" }), jvp: jvp(scaledNorm, { engine: "wasm" }), vjp: vjp(scaledNorm, { engine: "wasm" }), into: valueAndGradInto(scaledNorm, { engine: "wasm" }) },
    jvp: jvp(scaledNorm),
    valueAndGrad: valueAndGrad(scaledNorm),
    vjp: vjp(scaledNorm),
    into: valueAndGradInto(scaledNorm),
    point: () => [{ scale: 1.7, values: F(0.3, -1.2, 0.8), squared: true }],
  },
  {
    name: "scaledNorm (the other branch)",
    f: scaledNorm,
    grad: grad(scaledNorm),
    tape: grad(scaledNorm, { engine: "tape" }),
    wasm: { grad: grad(scaledNorm, { engine: "wasm" }), jvp: jvp(scaledNorm, { engine: "wasm" }), vjp: vjp(scaledNorm, { engine: "wasm" }), into: valueAndGradInto(scaledNorm, { engine: "wasm" }) },
    jvp: jvp(scaledNorm),
    valueAndGrad: valueAndGrad(scaledNorm),
    vjp: vjp(scaledNorm),
    into: valueAndGradInto(scaledNorm),
    point: () => [{ scale: 0.6, values: F(0.3, -1.2, 0.8), squared: false }],
  },
  {
    name: "runningStats",
    f: runningStats,
    grad: grad(runningStats),
    tape: grad(runningStats, { engine: "tape" }),
    wasm: { grad: grad(runningStats, { engine: "wasm" }), jvp: jvp(runningStats, { engine: "wasm" }), vjp: vjp(runningStats, { engine: "wasm" }), into: valueAndGradInto(runningStats, { engine: "wasm" }) },
    jvp: jvp(runningStats),
    valueAndGrad: valueAndGrad(runningStats),
    vjp: vjp(runningStats),
    into: valueAndGradInto(runningStats),
    point: () => [F(0.3, 1.9, -0.7, 1.2, 2.4), 0.5],
  },
  {
    name: "fibonacciLike",
    f: fibonacciLike,
    grad: grad(fibonacciLike),
    tape: grad(fibonacciLike, { engine: "tape" }),
    wasm: { grad: grad(fibonacciLike, { engine: "wasm" }), jvp: jvp(fibonacciLike, { engine: "wasm" }), vjp: vjp(fibonacciLike, { engine: "wasm" }), into: valueAndGradInto(fibonacciLike, { engine: "wasm" }) },
    jvp: jvp(fibonacciLike),
    valueAndGrad: valueAndGrad(fibonacciLike),
    vjp: vjp(fibonacciLike),
    into: valueAndGradInto(fibonacciLike),
    point: () => [0.4, -0.3, F(1.5, -0.7)],
  },
  {
    name: "nestedDestructuring",
    f: nestedDestructuring,
    grad: grad(nestedDestructuring),
    tape: grad(nestedDestructuring, { engine: "tape" }),
    wasm: { grad: grad(nestedDestructuring, { engine: "wasm" }), jvp: jvp(nestedDestructuring, { engine: "wasm" }), vjp: vjp(nestedDestructuring, { engine: "wasm" }), into: valueAndGradInto(nestedDestructuring, { engine: "wasm" }) },
    jvp: jvp(nestedDestructuring),
    valueAndGrad: valueAndGrad(nestedDestructuring),
    vjp: vjp(nestedDestructuring),
    into: valueAndGradInto(nestedDestructuring),
    point: () => [mlp(), F(0.7, -1.1, 0.4)],
  },
  {
    name: "aliasesAndQuotes",
    f: aliasesAndQuotes,
    grad: grad(aliasesAndQuotes),
    tape: grad(aliasesAndQuotes, { engine: "tape" }),
    wasm: { grad: grad(aliasesAndQuotes, { engine: "wasm" }), jvp: jvp(aliasesAndQuotes, { engine: "wasm" }), vjp: vjp(aliasesAndQuotes, { engine: "wasm" }), into: valueAndGradInto(aliasesAndQuotes, { engine: "wasm" }) },
    jvp: jvp(aliasesAndQuotes),
    valueAndGrad: valueAndGrad(aliasesAndQuotes),
    vjp: vjp(aliasesAndQuotes),
    into: valueAndGradInto(aliasesAndQuotes),
    point: () => [{ inner: { "learning rate": 0.3, w: F(1.2, -0.5, 0.25) } }, 1.7],
  },
  {
    name: "scaleInPlace",
    f: scaleInPlace,
    grad: grad(scaleInPlace),
    tape: grad(scaleInPlace, { engine: "tape" }),
    wasm: { grad: grad(scaleInPlace, { engine: "wasm" }), jvp: jvp(scaleInPlace, { engine: "wasm" }), vjp: vjp(scaleInPlace, { engine: "wasm" }), into: valueAndGradInto(scaleInPlace, { engine: "wasm" }) },
    jvp: jvp(scaleInPlace),
    valueAndGrad: valueAndGrad(scaleInPlace),
    vjp: vjp(scaleInPlace),
    into: valueAndGradInto(scaleInPlace),
    point: () => [F(0.3, -0.8, 1.1), 0.9],
  },
  ...[[0.7], [0.7, 1.3], [0.7, 1.3, -0.4], [0.7, undefined, 0.9]].map(
    (args): Case => ({
      name: `withDefaults(${args.map(String).join(", ")})`,
      f: withDefaults,
      grad: grad(withDefaults),
      tape: grad(withDefaults, { engine: "tape" }),
      wasm: { grad: grad(withDefaults, { engine: "wasm" }), jvp: jvp(withDefaults, { engine: "wasm" }), vjp: vjp(withDefaults, { engine: "wasm" }), into: valueAndGradInto(withDefaults, { engine: "wasm" }) },
      jvp: jvp(withDefaults),
      valueAndGrad: valueAndGrad(withDefaults),
      vjp: vjp(withDefaults),
      into: valueAndGradInto(withDefaults),
      point: () => [...args],
      arity: 3,
    }),
  ),
  ...[[0.7, 1.3], [-0.7, 1.3], [0.7, 1.3, 2], [0.7, 1.3, 2, false], [0.7, 1.3, undefined, true, -0.4], [-0.6, 0.9, 1.5, undefined, 0.2]].map(
    (args): Case => ({
      name: `forwardedOptionals(${args.map(String).join(", ")})`,
      f: forwardedOptionals,
      grad: grad(forwardedOptionals),
      tape: grad(forwardedOptionals, { engine: "tape" }),
      wasm: { grad: grad(forwardedOptionals, { engine: "wasm" }), jvp: jvp(forwardedOptionals, { engine: "wasm" }), vjp: vjp(forwardedOptionals, { engine: "wasm" }), into: valueAndGradInto(forwardedOptionals, { engine: "wasm" }) },
      jvp: jvp(forwardedOptionals),
      valueAndGrad: valueAndGrad(forwardedOptionals),
      vjp: vjp(forwardedOptionals),
      into: valueAndGradInto(forwardedOptionals),
      point: () => [...args],
      arity: 5,
    }),
  ),
  ...[[F(0.5, -1.5, 2)], [F(0.5, -1.5, 2), "sum"], [F(0.5, -1.5, 2), "mean", 3], [F(0.5, -1.5, 2), undefined, 1.5]].map(
    (args): Case => ({
      name: `reduced(${args.slice(1).map(String).join(", ")})`,
      f: reduced,
      grad: grad(reduced),
      tape: grad(reduced, { engine: "tape" }),
      wasm: { grad: grad(reduced, { engine: "wasm" }), jvp: jvp(reduced, { engine: "wasm" }), vjp: vjp(reduced, { engine: "wasm" }), into: valueAndGradInto(reduced, { engine: "wasm" }) },
      jvp: jvp(reduced),
      valueAndGrad: valueAndGrad(reduced),
      vjp: vjp(reduced),
      into: valueAndGradInto(reduced),
      point: () => args.map((a) => (a instanceof Float64Array ? a.slice() : a)),
      arity: 3,
    }),
  ),
  ...(
    [
      [Penalty.L2, Activation.Tanh, "mean", "run"],
      [Penalty.L1, Activation.Softplus, "sum", "run"],
      [Penalty.None, Activation.Tanh, "sum", "no-penalty"],
    ] as const
  ).map(
    ([penalty, act, reduction, label]): Case => ({
      name: `configuredLoss(${Penalty[penalty]}, ${act}, ${reduction}, ${label})`,
      f: configuredLoss,
      grad: grad(configuredLoss),
      tape: grad(configuredLoss, { engine: "tape" }),
      wasm: { grad: grad(configuredLoss, { engine: "wasm" }), jvp: jvp(configuredLoss, { engine: "wasm" }), vjp: vjp(configuredLoss, { engine: "wasm" }), into: valueAndGradInto(configuredLoss, { engine: "wasm" }) },
      jvp: jvp(configuredLoss),
      valueAndGrad: valueAndGrad(configuredLoss),
      vjp: vjp(configuredLoss),
      into: valueAndGradInto(configuredLoss),
      point: () => [F(0.4, -1.3, 0.9), F(1.1, 0.6, -0.8), penalty, act, reduction, label],
      integer: [2],
    }),
  ),
  ...(["fast", "exact"] as const).map(
    (mode): Case => ({
      name: `optionsObject(${mode})`,
      f: optionsObject,
      grad: grad(optionsObject),
      tape: grad(optionsObject, { engine: "tape" }),
      wasm: { grad: grad(optionsObject, { engine: "wasm" }), jvp: jvp(optionsObject, { engine: "wasm" }), vjp: vjp(optionsObject, { engine: "wasm" }), into: valueAndGradInto(optionsObject, { engine: "wasm" }) },
      jvp: jvp(optionsObject),
      valueAndGrad: valueAndGrad(optionsObject),
      vjp: vjp(optionsObject),
      into: valueAndGradInto(optionsObject),
      point: () => [{ w: F(0.3, -0.6), bias: 0.2 }, { mode, verbose: true }],
    }),
  ),
  {
    name: "maskedCrossEntropy",
    f: maskedCrossEntropy,
    grad: grad(maskedCrossEntropy),
    tape: grad(maskedCrossEntropy, { engine: "tape" }),
    wasm: { grad: grad(maskedCrossEntropy, { engine: "wasm" }), jvp: jvp(maskedCrossEntropy, { engine: "wasm" }), vjp: vjp(maskedCrossEntropy, { engine: "wasm" }), into: valueAndGradInto(maskedCrossEntropy, { engine: "wasm" }) },
    jvp: jvp(maskedCrossEntropy),
    valueAndGrad: valueAndGrad(maskedCrossEntropy),
    vjp: vjp(maskedCrossEntropy),
    into: valueAndGradInto(maskedCrossEntropy),
    point: () => [F(0.3, -1.2, 0.8, 1.5, 0.1, -0.4, -0.7, 0.9, 0.25), Int32Array.from([2, 0, 1]), Uint8Array.from([1, 0, 1]), 3, new Int32Array(3)],
    integer: [3],
  },
  {
    name: "bucketed (Int32Array and Uint8ClampedArray locals)",
    f: bucketed,
    grad: grad(bucketed),
    tape: grad(bucketed, { engine: "tape" }),
    wasm: { grad: grad(bucketed, { engine: "wasm" }), jvp: jvp(bucketed, { engine: "wasm" }), vjp: vjp(bucketed, { engine: "wasm" }), into: valueAndGradInto(bucketed, { engine: "wasm" }) },
    jvp: jvp(bucketed),
    valueAndGrad: valueAndGrad(bucketed),
    vjp: vjp(bucketed),
    into: valueAndGradInto(bucketed),
    point: () => [F(0.31, -0.72, 0.45, 0.93, -0.18), F(0.5, -1.1, 0.8, 0.3), 2.3],
  },
  {
    name: "float32Local",
    f: float32Local,
    grad: grad(float32Local),
    tape: grad(float32Local, { engine: "tape" }),
    wasm: { grad: grad(float32Local, { engine: "wasm" }), jvp: jvp(float32Local, { engine: "wasm" }), vjp: vjp(float32Local, { engine: "wasm" }), into: valueAndGradInto(float32Local, { engine: "wasm" }) },
    jvp: jvp(float32Local),
    valueAndGrad: valueAndGrad(float32Local),
    vjp: vjp(float32Local),
    into: valueAndGradInto(float32Local),
    point: () => [0.8, F(0.5, -1.25, 0.75)],
    // f rounds to float32: its difference quotients are good to about 2⁻²⁴/10⁻³.
    fdTol: 2e-4,
  },
  {
    name: "float32Smoothing",
    f: float32Smoothing,
    grad: grad(float32Smoothing),
    tape: grad(float32Smoothing, { engine: "tape" }),
    // dtype "float64": the compiled engine's arithmetic, compared to 1e-14 (without it the Float32Array computes in float32)
    wasm: {
      grad: grad(float32Smoothing, { engine: "wasm", dtype: "float64" }),
      jvp: jvp(float32Smoothing, { engine: "wasm", dtype: "float64" }),
      vjp: vjp(float32Smoothing, { engine: "wasm", dtype: "float64" }),
      into: valueAndGradInto(float32Smoothing, { engine: "wasm", dtype: "float64" }),
    },
    jvp: jvp(float32Smoothing),
    valueAndGrad: valueAndGrad(float32Smoothing),
    vjp: vjp(float32Smoothing),
    into: valueAndGradInto(float32Smoothing),
    point: () => [Float32Array.from([0.5, -1.25, 0.75, 2]), 0.8],
    // f rounds to float32 (~6e-8 relative): a difference quotient with step 1e-3 is only that good over 1e-3.
    fdTol: 2e-4,
  },
];

/** The shape of a gradient for `value`: the same fields, numbers for numbers and booleans. */
function expectShape(gradient: unknown, value: unknown, label: string): void {
  if (isIntegerArray(value)) {
    expect(gradient, `${label}: an integer array's gradient is 0`).toBe(0);
  } else if (typeof value === "number" || typeof value === "boolean" || typeof value === "string" || value === undefined) {
    expect(typeof gradient, label).toBe("number");
    if (typeof value !== "number" && value !== undefined) expect(gradient, `${label}: a ${typeof value}'s gradient is 0`).toBe(0);
  } else if (isFloatArray(value)) {
    // An array's gradient is an array of its own kind (DESIGN.md: a Float32Array's a Float32Array).
    expect(gradient, label).toBeInstanceOf(value.constructor);
    expect((gradient as Float64Array).length, label).toBe(value.length);
  } else {
    expect(Object.keys(gradient as object).sort(), label).toEqual(Object.keys(value as object).sort());
    for (const key of Object.keys(value as object)) expectShape((gradient as any)[key], (value as any)[key], `${label}.${key}`);
  }
}

/** Buffers for valueAndGradInto: the argument's shape with a Float64Array at each leaf. */
function buffers(value: unknown): unknown {
  if (typeof value !== "object" || value === null || isIntegerArray(value)) return new Float64Array(1);
  if (isFloatArray(value)) return new Float64Array(value.length);
  return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, buffers(v)]));
}

/** A gradient read back from valueAndGradInto's buffers (length-1 arrays become numbers). */
function fromBuffers(buffer: unknown, value: unknown): unknown {
  if (typeof value !== "object" || value === null || isIntegerArray(value)) return (buffer as Float64Array)[0];
  if (isFloatArray(value)) return buffer;
  return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, fromBuffers((buffer as any)[k], v)]));
}

/** A Float32Array's gradient is rounded to float32 (DESIGN.md), so comparisons with it allow float32's precision. */
function precision(args: unknown[], c: Coordinate, tol: number): number {
  return at(args[c.arg], c.path) instanceof Float32Array ? Math.max(tol, 2 ** -23) : tol;
}


describe.each(cases)("$name", (c) => {
  const args = c.point();
  const differentiated = args.map((_, i) => !c.integer?.includes(i));
  const coords = args.flatMap((a, i) => (differentiated[i] ? coordinates(a, i) : []));

  it("grad has the parameters' shape and agrees with central differences", () => {
    const g = c.grad(...c.point());
    expect(g).toHaveLength(c.arity ?? args.length);
    args.forEach((a, i) => expectShape(g[i], a, `gradient ${i}`));
    for (const coord of coords) {
      const numeric = richardson((h) => c.f(...shifted(c.point(), coord, h)), read(args, coord));
      close(entry(g, coord), numeric, c.fdTol ?? FD_TOL, `∂f/∂${coord.arg}.${coord.path.join(".")}[${coord.element}]`);
    }
  });

  it("the tape engine and forward mode agree with reverse mode", () => {
    const g = c.grad(...c.point());
    const t = c.tape(...c.point());
    args.forEach((a, i) => expectShape(t[i], a, `tape gradient ${i}`));
    for (const coord of coords) {
      close(entry(t, coord), entry(g, coord), precision(args, coord, MODES_TOL), `tape ${coord.path.join(".")}[${coord.element}]`);
      const point = c.point();
      const [value, directional] = c.jvp(point, unitTangents(point, coord));
      close(value, c.f(...c.point()), 1e-14, "jvp value");
      close(directional, entry(g, coord), precision(args, coord, MODES_TOL), `jvp ${coord.path.join(".")}[${coord.element}]`);
    }
  });

  it("valueAndGrad, vjp and valueAndGradInto give the same value and gradients", () => {
    const value = c.f(...c.point());
    const g = c.grad(...c.point());
    const [v1, g1] = c.valueAndGrad(...c.point());
    const [v2, pullback] = c.vjp(...c.point());
    const g2 = pullback(2);
    const into = Array.from({ length: c.arity ?? args.length }, (_, i) => buffers(args[i]));
    const v3 = c.into(into, ...c.point());
    const g3 = into.map((b, i) => fromBuffers(b, args[i]));
    for (const v of [v1, v2, v3]) close(v, value, 1e-14, "value");
    for (const coord of coords) {
      close(entry(g1, coord), entry(g, coord), 1e-14, "valueAndGrad");
      close(entry(g2, coord), 2 * entry(g, coord), 1e-14, "vjp with cotangent 2");
      close(entry(g3, coord), entry(g, coord), precision(args, coord, 1e-14), "valueAndGradInto");
    }
  });
});

describe.each(cases)("$name on the wasm engine", (c) => {
  const args = c.point();
  const differentiated = args.map((_, i) => !c.integer?.includes(i));
  const coords = args.flatMap((a, i) => (differentiated[i] ? coordinates(a, i) : []));

  it("computes what the compiled engine computes, in every API form", () => {
    // The wasm module runs the compiled engine's operations in the same order: equal to 1e-12.
    const g = c.grad(...c.point());
    const w = c.wasm.grad(...c.point());
    args.forEach((a, i) => expectShape(w[i], a, `wasm gradient ${i}`));
    const [value, pullback] = c.wasm.vjp(...c.point());
    close(value, c.f(...c.point()), 1e-14, "wasm vjp value");
    const pulled = pullback(2);
    const into = Array.from({ length: c.arity ?? args.length }, (_, i) => buffers(args[i]));
    close(c.wasm.into(into, ...c.point()), c.f(...c.point()), 1e-14, "wasm valueAndGradInto value");
    const g3 = into.map((b, i) => fromBuffers(b, args[i]));
    for (const coord of coords) {
      close(entry(w, coord), entry(g, coord), 1e-12, `wasm grad ${coord.path.join(".")}[${coord.element}]`);
      close(entry(pulled, coord), 2 * entry(g, coord), 1e-12, "wasm vjp with cotangent 2");
      close(entry(g3, coord), entry(g, coord), precision(args, coord, 1e-12), "wasm valueAndGradInto");
      const [jvpValue, directional] = c.wasm.jvp(c.point(), unitTangents(c.point(), coord));
      const [, compiledDirectional] = c.jvp(c.point(), unitTangents(c.point(), coord));
      close(jvpValue, c.f(...c.point()), 1e-14, "wasm jvp value");
      close(directional, compiledDirectional, 1e-12, "wasm jvp");
    }
  });
});

describe("wrt on object parameters", () => {
  it("a single index gives that parameter's gradient, shaped as it is", () => {
    const point = () => [mlp(), F(0.7, -1.1), 0.3] as const;
    const all = grad(mlpLoss)(...point());
    const only = grad(mlpLoss, { wrt: 0 })(...point());
    expect(Object.keys(only).sort()).toEqual(["hidden", "out"]);
    expect(Array.from(only.hidden.w)).toEqual(Array.from(all[0].hidden.w));
    expect(only.out.b).toBe(all[0].out.b);
    const [value, listed] = valueAndGrad(mlpLoss, { wrt: [2, 0] })(...point());
    expect(value).toBe(mlpLoss(...point()));
    expect(listed[0]).toBe(all[2]);
    expect(Array.from(listed[1].out.w)).toEqual(Array.from(all[0].out.w));
  });
});
