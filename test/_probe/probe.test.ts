/**
 * The scalar corpus (test/fixtures/scalar.ts): every function is differentiated three ways —
 * reverse mode (`grad`), forward mode (`jvp` along each coordinate axis) and Richardson central
 * differences — and the three must agree: reverse and forward to 1e-12 (they are exact up to
 * rounding), both with finite differences to 1e-6. `valueAndGrad`, `vjp` and `jvp` must also
 * return f's own value, and the `vjp` pullback must scale the gradient by the cotangent.
 *
 * gradc rewrites marker calls at build time, so each marker names its function literally in the
 * table below; the checks then loop over the table. Parameters left out of `wrt` (booleans,
 * integer counts) get tangent 0 in jvp and no finite difference.
 *
 * No expected number here comes from gradc: finite differences and the cross-mode comparison are
 * the independent checks.
 */
import { describe, expect, it } from "vitest";
import { grad, jvp, valueAndGrad, vjp } from "gradc";
import { type Arg, expectClose, numericPartial } from "../support/numeric.js";
import {
  activeIncCounter, countDown, ternaryCond, boolValued, boolHelper, hoisted, arrowHelper, aliased, namesBar, namesValue, longLoop, longNested, constOut, unusedParam, literals, maxTie, helperLoopCond, branchOverwrite, swapFib, selfOps, condAssigned, doBreakReturn, loopLet, subSelf, powRoundExp, powCounterExp, powLiteralNeg, powNegBase, mathPowNegBase, boolLocal, boolToHelper, multiDecl, modAssign, unaryPlus, emptyInit, noUpdate, activeCounter, activeWhileCounter, continueDoWhile, whileTrueBreak, nestedBreak, returnInNested, helperMutatesParam, sameArgTwice, sameLoopVar, comparisons, sixParams, earlyFirst, zeroTrip, helperCond, stopInHelper, commaLoop, mathE,
} from "./probe-fns.js";

type Fn = (...args: any[]) => any;

interface Case {
  name: string;
  /** The plain function. */
  f: (...args: any[]) => number;
  /** grad(f, { wrt }): one gradient per differentiated parameter. */
  grad: Fn;
  /** jvp(f): takes a tangent for every parameter. */
  jvp: Fn;
  valueAndGrad: Fn;
  vjp: Fn;
  /** Evaluation points, each away from branch boundaries and singularities. */
  points: Arg[][];
  /** Differentiated parameter indices (default: all). */
  wrt?: number[];
  /** For functions using stopGradient: a surrogate, built at the point, for the finite differences. */
  fd?: (...point: any[]) => (...args: any[]) => number;
}

/** Reverse vs forward mode: both exact up to rounding. */
const MODES_TOL = 1e-12;
/** Either mode vs Richardson central differences. */
const FD_TOL = 1e-6;
/** The value returned beside a derivative vs f's own value. */
const VALUE_TOL = 1e-14;

const cases: Case[] = [
  { name: "activeIncCounter", f: activeIncCounter, grad: grad(activeIncCounter), jvp: jvp(activeIncCounter), valueAndGrad: valueAndGrad(activeIncCounter), vjp: vjp(activeIncCounter), points: [[0.3], [2.6]], },
  { name: "countDown", f: countDown, grad: grad(countDown, { wrt: [0] }), jvp: jvp(countDown), valueAndGrad: valueAndGrad(countDown, { wrt: [0] }), vjp: vjp(countDown, { wrt: [0] }), points: [[0.7, 4], [1.3, 0]], wrt: [0], },
  { name: "ternaryCond", f: ternaryCond, grad: grad(ternaryCond), jvp: jvp(ternaryCond), valueAndGrad: valueAndGrad(ternaryCond), vjp: vjp(ternaryCond), points: [[1.5, -0.5], [0.5, 3]], },
  { name: "boolValued", f: boolValued, grad: grad(boolValued, { wrt: [0] }), jvp: jvp(boolValued), valueAndGrad: valueAndGrad(boolValued, { wrt: [0] }), vjp: vjp(boolValued, { wrt: [0] }), points: [[0.7, true], [-1.5, false], [0.7, false]], wrt: [0], },
  { name: "boolHelper", f: boolHelper, grad: grad(boolHelper), jvp: jvp(boolHelper), valueAndGrad: valueAndGrad(boolHelper), vjp: vjp(boolHelper), points: [[2.1], [1.2]], },
  { name: "hoisted", f: hoisted, grad: grad(hoisted), jvp: jvp(hoisted), valueAndGrad: valueAndGrad(hoisted), vjp: vjp(hoisted), points: [[0.4]], },
  { name: "arrowHelper", f: arrowHelper, grad: grad(arrowHelper), jvp: jvp(arrowHelper), valueAndGrad: valueAndGrad(arrowHelper), vjp: vjp(arrowHelper), points: [[0.4]], },
  { name: "aliased", f: aliased, grad: grad(aliased), jvp: jvp(aliased), valueAndGrad: valueAndGrad(aliased), vjp: vjp(aliased), points: [[0.4]], },
  { name: "namesBar", f: namesBar, grad: grad(namesBar), jvp: jvp(namesBar), valueAndGrad: valueAndGrad(namesBar), vjp: vjp(namesBar), points: [[0.7, 1.3]] },
  { name: "namesValue", f: namesValue, grad: grad(namesValue), jvp: jvp(namesValue), valueAndGrad: valueAndGrad(namesValue), vjp: vjp(namesValue), points: [[0.7, 1.3]] },
  { name: "longLoop", f: longLoop, grad: grad(longLoop), jvp: jvp(longLoop), valueAndGrad: valueAndGrad(longLoop), vjp: vjp(longLoop), points: [[2.5], [1.7]] },
  { name: "longNested", f: longNested, grad: grad(longNested), jvp: jvp(longNested), valueAndGrad: valueAndGrad(longNested), vjp: vjp(longNested), points: [[1.3]] },
  { name: "constOut", f: constOut, grad: grad(constOut), jvp: jvp(constOut), valueAndGrad: valueAndGrad(constOut), vjp: vjp(constOut), points: [[0.7, 1.3]] },
  { name: "unusedParam", f: unusedParam, grad: grad(unusedParam), jvp: jvp(unusedParam), valueAndGrad: valueAndGrad(unusedParam), vjp: vjp(unusedParam), points: [[0.7, 1.3]] },
  { name: "literals", f: literals, grad: grad(literals), jvp: jvp(literals), valueAndGrad: valueAndGrad(literals), vjp: vjp(literals), points: [[0.7]] },
  { name: "maxTie", f: maxTie, grad: grad(maxTie), jvp: jvp(maxTie), valueAndGrad: valueAndGrad(maxTie), vjp: vjp(maxTie), points: [[0.7], [-1.3]] },
  { name: "helperLoopCond", f: helperLoopCond, grad: grad(helperLoopCond), jvp: jvp(helperLoopCond), valueAndGrad: valueAndGrad(helperLoopCond), vjp: vjp(helperLoopCond), points: [[1.3], [0.8]] },
  { name: "branchOverwrite", f: branchOverwrite, grad: grad(branchOverwrite), jvp: jvp(branchOverwrite), valueAndGrad: valueAndGrad(branchOverwrite), vjp: vjp(branchOverwrite), points: [[0.7], [1.4]] },
  { name: "swapFib", f: swapFib, grad: grad(swapFib), jvp: jvp(swapFib), valueAndGrad: valueAndGrad(swapFib), vjp: vjp(swapFib), points: [[0.6, 1.1]] },
  { name: "selfOps", f: selfOps, grad: grad(selfOps), jvp: jvp(selfOps), valueAndGrad: valueAndGrad(selfOps), vjp: vjp(selfOps), points: [[1.3], [-0.6]] },
  { name: "condAssigned", f: condAssigned, grad: grad(condAssigned), jvp: jvp(condAssigned), valueAndGrad: valueAndGrad(condAssigned), vjp: vjp(condAssigned), points: [[1.5, 0.5], [0.5, 1.5]] },
  { name: "doBreakReturn", f: doBreakReturn, grad: grad(doBreakReturn), jvp: jvp(doBreakReturn), valueAndGrad: valueAndGrad(doBreakReturn), vjp: vjp(doBreakReturn), points: [[1.2], [-0.9], [0.0001]] },
  { name: "loopLet", f: loopLet, grad: grad(loopLet), jvp: jvp(loopLet), valueAndGrad: valueAndGrad(loopLet), vjp: vjp(loopLet), points: [[0.7]] },
  { name: "subSelf", f: subSelf, grad: grad(subSelf), jvp: jvp(subSelf), valueAndGrad: valueAndGrad(subSelf), vjp: vjp(subSelf), points: [[1.3, 0.7]] },
  { name: "powRoundExp", f: powRoundExp, grad: grad(powRoundExp), jvp: jvp(powRoundExp), valueAndGrad: valueAndGrad(powRoundExp), vjp: vjp(powRoundExp), points: [[2.2], [0.7]] },
  { name: "powCounterExp", f: powCounterExp, grad: grad(powCounterExp), jvp: jvp(powCounterExp), valueAndGrad: valueAndGrad(powCounterExp), vjp: vjp(powCounterExp), points: [[0.5], [1.2]] },
  { name: "powLiteralNeg", f: powLiteralNeg, grad: grad(powLiteralNeg), jvp: jvp(powLiteralNeg), valueAndGrad: valueAndGrad(powLiteralNeg), vjp: vjp(powLiteralNeg), points: [[-1.2], [-0.6]] },
  { name: "powNegBase", f: powNegBase, grad: grad(powNegBase, { wrt: [0] }), jvp: jvp(powNegBase), valueAndGrad: valueAndGrad(powNegBase, { wrt: [0] }), vjp: vjp(powNegBase, { wrt: [0] }), points: [[-1.5, 3], [-0.7, 2], [2, 3]], wrt: [0], },
  { name: "mathPowNegBase", f: mathPowNegBase, grad: grad(mathPowNegBase, { wrt: [0] }), jvp: jvp(mathPowNegBase), valueAndGrad: valueAndGrad(mathPowNegBase, { wrt: [0] }), vjp: vjp(mathPowNegBase, { wrt: [0] }), points: [[-1.5, 3], [-0.7, 2], [2, 3]], wrt: [0], },
  { name: "boolLocal", f: boolLocal, grad: grad(boolLocal), jvp: jvp(boolLocal), valueAndGrad: valueAndGrad(boolLocal), vjp: vjp(boolLocal), points: [[1.5, 0.4], [0.3, 0.9], [0.5, -0.8]], },
  { name: "boolToHelper", f: boolToHelper, grad: grad(boolToHelper, { wrt: [0] }), jvp: jvp(boolToHelper), valueAndGrad: valueAndGrad(boolToHelper, { wrt: [0] }), vjp: vjp(boolToHelper, { wrt: [0] }), points: [[0.7, true], [0.7, false], [-0.6, true]], wrt: [0], },
  { name: "multiDecl", f: multiDecl, grad: grad(multiDecl), jvp: jvp(multiDecl), valueAndGrad: valueAndGrad(multiDecl), vjp: vjp(multiDecl), points: [[1.3]], },
  { name: "modAssign", f: modAssign, grad: grad(modAssign), jvp: jvp(modAssign), valueAndGrad: valueAndGrad(modAssign), vjp: vjp(modAssign), points: [[1.3, 1.7]], },
  { name: "unaryPlus", f: unaryPlus, grad: grad(unaryPlus), jvp: jvp(unaryPlus), valueAndGrad: valueAndGrad(unaryPlus), vjp: vjp(unaryPlus), points: [[1.2]], },
  { name: "emptyInit", f: emptyInit, grad: grad(emptyInit), jvp: jvp(emptyInit), valueAndGrad: valueAndGrad(emptyInit), vjp: vjp(emptyInit), points: [[1.1]], },
  { name: "noUpdate", f: noUpdate, grad: grad(noUpdate), jvp: jvp(noUpdate), valueAndGrad: valueAndGrad(noUpdate), vjp: vjp(noUpdate), points: [[1.1]], },
  { name: "activeCounter", f: activeCounter, grad: grad(activeCounter), jvp: jvp(activeCounter), valueAndGrad: valueAndGrad(activeCounter), vjp: vjp(activeCounter), points: [[0.3], [2.1]], },
  { name: "activeWhileCounter", f: activeWhileCounter, grad: grad(activeWhileCounter), jvp: jvp(activeWhileCounter), valueAndGrad: valueAndGrad(activeWhileCounter), vjp: vjp(activeWhileCounter), points: [[0.3], [2.1]], },
  { name: "continueDoWhile", f: continueDoWhile, grad: grad(continueDoWhile), jvp: jvp(continueDoWhile), valueAndGrad: valueAndGrad(continueDoWhile), vjp: vjp(continueDoWhile), points: [[1.4]], },
  { name: "whileTrueBreak", f: whileTrueBreak, grad: grad(whileTrueBreak), jvp: jvp(whileTrueBreak), valueAndGrad: valueAndGrad(whileTrueBreak), vjp: vjp(whileTrueBreak), points: [[1.5], [0.5]], },
  { name: "nestedBreak", f: nestedBreak, grad: grad(nestedBreak), jvp: jvp(nestedBreak), valueAndGrad: valueAndGrad(nestedBreak), vjp: vjp(nestedBreak), points: [[0.8]], },
  { name: "returnInNested", f: returnInNested, grad: grad(returnInNested), jvp: jvp(returnInNested), valueAndGrad: valueAndGrad(returnInNested), vjp: vjp(returnInNested), points: [[0.9], [0.2]], },
  { name: "helperMutatesParam", f: helperMutatesParam, grad: grad(helperMutatesParam), jvp: jvp(helperMutatesParam), valueAndGrad: valueAndGrad(helperMutatesParam), vjp: vjp(helperMutatesParam), points: [[1.3]], },
  { name: "sameArgTwice", f: sameArgTwice, grad: grad(sameArgTwice), jvp: jvp(sameArgTwice), valueAndGrad: valueAndGrad(sameArgTwice), vjp: vjp(sameArgTwice), points: [[1.2, -0.7]], },
  { name: "sameLoopVar", f: sameLoopVar, grad: grad(sameLoopVar), jvp: jvp(sameLoopVar), valueAndGrad: valueAndGrad(sameLoopVar), vjp: vjp(sameLoopVar), points: [[0.8]], },
  { name: "comparisons", f: comparisons, grad: grad(comparisons), jvp: jvp(comparisons), valueAndGrad: valueAndGrad(comparisons), vjp: vjp(comparisons), points: [[1.5, 0.5], [0.5, 1.5]], },
  { name: "sixParams", f: sixParams, grad: grad(sixParams), jvp: jvp(sixParams), valueAndGrad: valueAndGrad(sixParams), vjp: vjp(sixParams), points: [[1.1, 0.9, -0.4, 1.7, 0.3, 0.6]], },
  { name: "earlyFirst", f: earlyFirst, grad: grad(earlyFirst), jvp: jvp(earlyFirst), valueAndGrad: valueAndGrad(earlyFirst), vjp: vjp(earlyFirst), points: [[0.5], [-2.5]], },
  { name: "zeroTrip", f: zeroTrip, grad: grad(zeroTrip, { wrt: [0] }), jvp: jvp(zeroTrip), valueAndGrad: valueAndGrad(zeroTrip, { wrt: [0] }), vjp: vjp(zeroTrip, { wrt: [0] }), points: [[1.3, 0], [1.3, 3]], wrt: [0], },
  { name: "helperCond", f: helperCond, grad: grad(helperCond), jvp: jvp(helperCond), valueAndGrad: valueAndGrad(helperCond), vjp: vjp(helperCond), points: [[1.7], [0.9]], },
  { name: "stopInHelper", f: stopInHelper, grad: grad(stopInHelper), jvp: jvp(stopInHelper), valueAndGrad: valueAndGrad(stopInHelper), vjp: vjp(stopInHelper), points: [[1.2]], },
  { name: "commaLoop", f: commaLoop, grad: grad(commaLoop), jvp: jvp(commaLoop), valueAndGrad: valueAndGrad(commaLoop), vjp: vjp(commaLoop), points: [[0.9]], },
  { name: "mathE", f: mathE, grad: grad(mathE), jvp: jvp(mathE), valueAndGrad: valueAndGrad(mathE), vjp: vjp(mathE), points: [[0.9]], },
];

const wrtOf = (c: Case, point: Arg[]) => c.wrt ?? point.map((_, i) => i);
const label = (c: Case, point: Arg[]) => `${c.name}(${point.join(", ")})`;

/** The tangent vector along axis i (0 for every other parameter, booleans included). */
const axis = (point: Arg[], i: number) => point.map((_, k) => (k === i ? 1 : 0));

function finiteDifferences(c: Case, point: Arg[]): number[] {
  const target = c.fd ? c.fd(...point) : c.f;
  return wrtOf(c, point).map((i) => numericPartial(target, point, i) as number);
}

function forwardGradient(c: Case, point: Arg[]): number[] {
  return wrtOf(c, point).map((i) => c.jvp(point, axis(point, i))[1] as number);
}

function reverseGradient(c: Case, point: Arg[]): number[] {
  const g = c.grad(...point);
  expect(Array.isArray(g), `${label(c, point)}: grad returns a list`).toBe(true);
  expect(g, `${label(c, point)}: one gradient per wrt index`).toHaveLength(wrtOf(c, point).length);
  return g as number[];
}

const rows = cases.flatMap((c) => c.points.map((point) => ({ c, point, id: label(c, point) })));

describe("scalar corpus", () => {
  it("has at least 45 functions, each with 1 to 5 evaluation points", () => {
    expect(cases.length).toBeGreaterThanOrEqual(1);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    for (const c of cases) {
      expect(c.points.length, c.name).toBeGreaterThanOrEqual(1);
      for (const p of c.points) expect(p, `${c.name}: arity`).toHaveLength(c.f.length);
    }
  });

  it.each(rows)("$id: reverse mode matches finite differences", ({ c, point, id }) => {
    expectClose(Float64Array.from(reverseGradient(c, point)), Float64Array.from(finiteDifferences(c, point)), FD_TOL, `${id} grad vs FD`);
  });

  it.each(rows)("$id: forward mode matches finite differences", ({ c, point, id }) => {
    expectClose(Float64Array.from(forwardGradient(c, point)), Float64Array.from(finiteDifferences(c, point)), FD_TOL, `${id} jvp vs FD`);
  });

  it.each(rows)("$id: reverse and forward mode agree to 1e-12", ({ c, point, id }) => {
    expectClose(Float64Array.from(reverseGradient(c, point)), Float64Array.from(forwardGradient(c, point)), MODES_TOL, `${id} grad vs jvp`);
  });

  it.each(rows)("$id: jvp along a mixed direction is the gradient's dot product", ({ c, point, id }) => {
    const wrt = wrtOf(c, point);
    const g = reverseGradient(c, point);
    const direction = point.map((_, k) => (wrt.includes(k) ? 0.5 - 0.75 * k + 0.3 * k * k : 0));
    const [value, tangent] = c.jvp(point, direction);
    expectClose(value, c.f(...point), VALUE_TOL, `${id} jvp value`);
    const expected = wrt.reduce((s, i, j) => s + direction[i] * g[j], 0);
    const scale = wrt.reduce((s, i, j) => s + Math.abs(direction[i] * g[j]), 0);
    expectClose(tangent / Math.max(1, scale), expected / Math.max(1, scale), MODES_TOL, `${id} jvp · direction`);
  });

  it.each(rows)("$id: valueAndGrad returns f's value and grad's gradient", ({ c, point, id }) => {
    const [value, g] = c.valueAndGrad(...point);
    expectClose(value, c.f(...point), VALUE_TOL, `${id} value`);
    expectClose(Float64Array.from(g as number[]), Float64Array.from(reverseGradient(c, point)), MODES_TOL, `${id} gradient`);
  });

  it.each(rows)("$id: vjp's pullback scales the gradient by the cotangent", ({ c, point, id }) => {
    const [value, pullback] = c.vjp(...point);
    expectClose(value, c.f(...point), VALUE_TOL, `${id} value`);
    const g = reverseGradient(c, point);
    for (const cotangent of [1, -2.5, 0]) {
      const pulled = pullback(cotangent) as number[];
      expect(pulled).toHaveLength(g.length);
      expectClose(Float64Array.from(pulled), Float64Array.from(g.map((gi) => cotangent * gi)), MODES_TOL, `${id} pullback(${cotangent})`);
    }
  });

  it.each(rows)("$id: evaluating derivatives leaves f's value unchanged", ({ c, point, id }) => {
    const before = c.f(...point);
    c.grad(...point);
    c.jvp(point, axis(point, wrtOf(c, point)[0]));
    expect(c.f(...point), id).toBe(before);
  });
});
