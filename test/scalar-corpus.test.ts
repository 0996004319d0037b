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
import { type Arg, expectClose, numericPartial } from "./support/numeric.js";
import {
  forOfLoops,
  arrayLiterals,
  switchFallThrough,
  switchInLoop,
  switchComputed,
  whileDecrement,
  truthyConditions,
  evaluationOrder,
  assignInCondition,
  commaOperator,
  compoundInExpression,
  doWhileCountdown,
  elementIncrements,
  poly3,
  rational,
  remainder,
  powers,
  negations,
  trig,
  inverseTrig,
  hyperbolic,
  inverseHyperbolic,
  expLog,
  roots,
  hypots,
  absSign,
  minMax,
  rounding,
  circle,
  moduleConstants,
  reassign,
  compound,
  incDec,
  paramReassign,
  piecewise,
  nestedIf,
  ternaries,
  logical,
  multiReturn,
  shadowing,
  boolSelect,
  boolFlags,
  expSeries,
  sinSeries,
  intPower,
  halveUntilSmall,
  accumulate,
  newtonSqrt,
  log1pSeries,
  newtonCbrt,
  doubleSum,
  nestedMixed,
  breakContinue,
  earlyReturnLoop,
  earlyReturnWhile,
  stepLoops,
  helperMany,
  helperChain,
  helperInLoop,
  importedHelpers,
  importedInLoop,
  stopped,
  horner,
  softplusInline,
  logisticLoss,
  logSumExp3,
  huber,
  gaussianPdf,
  rosenbrock,
  polar,
  compoundInterest,
  fixedPoint,
  oscillator,
  tinyNet,
  smoothAbsRatio,
  bisectNewton,
  lerpTable,
  intExponent,
  activeCounter,
  fibonacciSwap,
  alternatingOverwrite,
  selfAliasing,
  logisticMap,
  boolLocals,
  boolHelpers,
  doWhileContinue,
  whileTrueBreak,
  nestedBreakContinue,
  returnFromNestedLoops,
  helperMutatesParam,
  helperInCondition,
  loopLocalBranches,
  collidingNames,
  multiDeclRemainder,
  countDown,
  tdUpdates,
  stopInHelper,
} from "./fixtures/scalar.js";

type Fn = (...args: any[]) => any;

interface Case {
  name: string;
  /** The plain function. */
  f: (...args: any[]) => number;
  /** grad(f, { wrt }): one gradient per differentiated parameter. */
  grad: Fn;
  /** The same gradient computed by the tape engine: grad(f, { wrt, engine: "tape" }). */
  tape: Fn;
  /** The same derivatives computed by the wasm engine: grad, valueAndGrad, jvp and vjp with engine: "wasm". */
  wasm: { grad: Fn; valueAndGrad: Fn; jvp: Fn; vjp: Fn };
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
/** The wasm engine vs the compiled engine (both float64). */
const WASM_TOL = 1e-12;
/** The value returned beside a derivative vs f's own value. */
const VALUE_TOL = 1e-14;

const cases: Case[] = [
  {
    name: "poly3",
    f: poly3,
    grad: grad(poly3),
    tape: grad(poly3, { engine: "tape" }),
    wasm: { grad: grad(poly3, { engine: "wasm" }), valueAndGrad: valueAndGrad(poly3, { engine: "wasm" }), jvp: jvp(poly3, { engine: "wasm" }), vjp: vjp(poly3, { engine: "wasm" }) },
    jvp: jvp(poly3),
    valueAndGrad: valueAndGrad(poly3),
    vjp: vjp(poly3),
    points: [[1.3], [-0.7]],
  },
  {
    name: "rational",
    f: rational,
    grad: grad(rational),
    tape: grad(rational, { engine: "tape" }),
    wasm: { grad: grad(rational, { engine: "wasm" }), valueAndGrad: valueAndGrad(rational, { engine: "wasm" }), jvp: jvp(rational, { engine: "wasm" }), vjp: vjp(rational, { engine: "wasm" }) },
    jvp: jvp(rational),
    valueAndGrad: valueAndGrad(rational),
    vjp: vjp(rational),
    points: [[1.2, 0.8], [-0.5, 2.1]],
  },
  {
    name: "remainder",
    f: remainder,
    grad: grad(remainder),
    tape: grad(remainder, { engine: "tape" }),
    wasm: { grad: grad(remainder, { engine: "wasm" }), valueAndGrad: valueAndGrad(remainder, { engine: "wasm" }), jvp: jvp(remainder, { engine: "wasm" }), vjp: vjp(remainder, { engine: "wasm" }) },
    jvp: jvp(remainder),
    valueAndGrad: valueAndGrad(remainder),
    vjp: vjp(remainder),
    points: [[5.3, 1.7], [-4.1, 1.5]],
  },
  {
    name: "powers",
    f: powers,
    grad: grad(powers),
    tape: grad(powers, { engine: "tape" }),
    wasm: { grad: grad(powers, { engine: "wasm" }), valueAndGrad: valueAndGrad(powers, { engine: "wasm" }), jvp: jvp(powers, { engine: "wasm" }), vjp: vjp(powers, { engine: "wasm" }) },
    jvp: jvp(powers),
    valueAndGrad: valueAndGrad(powers),
    vjp: vjp(powers),
    points: [[1.4, 0.6], [0.8, 2.3]],
  },
  {
    name: "negations",
    f: negations,
    grad: grad(negations),
    tape: grad(negations, { engine: "tape" }),
    wasm: { grad: grad(negations, { engine: "wasm" }), valueAndGrad: valueAndGrad(negations, { engine: "wasm" }), jvp: jvp(negations, { engine: "wasm" }), vjp: vjp(negations, { engine: "wasm" }) },
    jvp: jvp(negations),
    valueAndGrad: valueAndGrad(negations),
    vjp: vjp(negations),
    points: [[1.1, -0.4], [2, 3]],
  },
  {
    name: "trig",
    f: trig,
    grad: grad(trig),
    tape: grad(trig, { engine: "tape" }),
    wasm: { grad: grad(trig, { engine: "wasm" }), valueAndGrad: valueAndGrad(trig, { engine: "wasm" }), jvp: jvp(trig, { engine: "wasm" }), vjp: vjp(trig, { engine: "wasm" }) },
    jvp: jvp(trig),
    valueAndGrad: valueAndGrad(trig),
    vjp: vjp(trig),
    points: [[0.7, 0.9], [-1.2, 0.5]],
  },
  {
    name: "inverseTrig",
    f: inverseTrig,
    grad: grad(inverseTrig),
    tape: grad(inverseTrig, { engine: "tape" }),
    wasm: { grad: grad(inverseTrig, { engine: "wasm" }), valueAndGrad: valueAndGrad(inverseTrig, { engine: "wasm" }), jvp: jvp(inverseTrig, { engine: "wasm" }), vjp: vjp(inverseTrig, { engine: "wasm" }) },
    jvp: jvp(inverseTrig),
    valueAndGrad: valueAndGrad(inverseTrig),
    vjp: vjp(inverseTrig),
    points: [[0.3, -0.4], [-0.6, 0.2]],
  },
  {
    name: "hyperbolic",
    f: hyperbolic,
    grad: grad(hyperbolic),
    tape: grad(hyperbolic, { engine: "tape" }),
    wasm: { grad: grad(hyperbolic, { engine: "wasm" }), valueAndGrad: valueAndGrad(hyperbolic, { engine: "wasm" }), jvp: jvp(hyperbolic, { engine: "wasm" }), vjp: vjp(hyperbolic, { engine: "wasm" }) },
    jvp: jvp(hyperbolic),
    valueAndGrad: valueAndGrad(hyperbolic),
    vjp: vjp(hyperbolic),
    points: [[0.5, 1.2], [-1.1, 0.3]],
  },
  {
    name: "inverseHyperbolic",
    f: inverseHyperbolic,
    grad: grad(inverseHyperbolic),
    tape: grad(inverseHyperbolic, { engine: "tape" }),
    wasm: { grad: grad(inverseHyperbolic, { engine: "wasm" }), valueAndGrad: valueAndGrad(inverseHyperbolic, { engine: "wasm" }), jvp: jvp(inverseHyperbolic, { engine: "wasm" }), vjp: vjp(inverseHyperbolic, { engine: "wasm" }) },
    jvp: jvp(inverseHyperbolic),
    valueAndGrad: valueAndGrad(inverseHyperbolic),
    vjp: vjp(inverseHyperbolic),
    points: [[0.6, 1.5], [-1.2, 2.4]],
  },
  {
    name: "expLog",
    f: expLog,
    grad: grad(expLog),
    tape: grad(expLog, { engine: "tape" }),
    wasm: { grad: grad(expLog, { engine: "wasm" }), valueAndGrad: valueAndGrad(expLog, { engine: "wasm" }), jvp: jvp(expLog, { engine: "wasm" }), vjp: vjp(expLog, { engine: "wasm" }) },
    jvp: jvp(expLog),
    valueAndGrad: valueAndGrad(expLog),
    vjp: vjp(expLog),
    points: [[0.7, 1.3], [2.1, 0.4]],
  },
  {
    name: "roots",
    f: roots,
    grad: grad(roots),
    tape: grad(roots, { engine: "tape" }),
    wasm: { grad: grad(roots, { engine: "wasm" }), valueAndGrad: valueAndGrad(roots, { engine: "wasm" }), jvp: jvp(roots, { engine: "wasm" }), vjp: vjp(roots, { engine: "wasm" }) },
    jvp: jvp(roots),
    valueAndGrad: valueAndGrad(roots),
    vjp: vjp(roots),
    points: [[1.5, 2.2], [0.6, 5.5]],
  },
  {
    name: "hypots",
    f: hypots,
    grad: grad(hypots),
    tape: grad(hypots, { engine: "tape" }),
    wasm: { grad: grad(hypots, { engine: "wasm" }), valueAndGrad: valueAndGrad(hypots, { engine: "wasm" }), jvp: jvp(hypots, { engine: "wasm" }), vjp: vjp(hypots, { engine: "wasm" }) },
    jvp: jvp(hypots),
    valueAndGrad: valueAndGrad(hypots),
    vjp: vjp(hypots),
    points: [[1.2, -0.7, 2.1], [0.3, 0.4, -1.5]],
  },
  {
    name: "absSign",
    f: absSign,
    grad: grad(absSign),
    tape: grad(absSign, { engine: "tape" }),
    wasm: { grad: grad(absSign, { engine: "wasm" }), valueAndGrad: valueAndGrad(absSign, { engine: "wasm" }), jvp: jvp(absSign, { engine: "wasm" }), vjp: vjp(absSign, { engine: "wasm" }) },
    jvp: jvp(absSign),
    valueAndGrad: valueAndGrad(absSign),
    vjp: vjp(absSign),
    points: [[1.3, -0.8], [-0.9, 2.2]],
  },
  {
    name: "minMax",
    f: minMax,
    grad: grad(minMax),
    tape: grad(minMax, { engine: "tape" }),
    wasm: { grad: grad(minMax, { engine: "wasm" }), valueAndGrad: valueAndGrad(minMax, { engine: "wasm" }), jvp: jvp(minMax, { engine: "wasm" }), vjp: vjp(minMax, { engine: "wasm" }) },
    jvp: jvp(minMax),
    valueAndGrad: valueAndGrad(minMax),
    vjp: vjp(minMax),
    points: [[0.4, 1.1, 2.3], [2.2, -0.6, 1.7], [3, 2.5, 1.9]],
  },
  {
    name: "rounding",
    f: rounding,
    grad: grad(rounding),
    tape: grad(rounding, { engine: "tape" }),
    wasm: { grad: grad(rounding, { engine: "wasm" }), valueAndGrad: valueAndGrad(rounding, { engine: "wasm" }), jvp: jvp(rounding, { engine: "wasm" }), vjp: vjp(rounding, { engine: "wasm" }) },
    jvp: jvp(rounding),
    valueAndGrad: valueAndGrad(rounding),
    vjp: vjp(rounding),
    points: [[2.3, 1.6], [-1.4, 0.7]],
  },
  {
    name: "circle",
    f: circle,
    grad: grad(circle),
    tape: grad(circle, { engine: "tape" }),
    wasm: { grad: grad(circle, { engine: "wasm" }), valueAndGrad: valueAndGrad(circle, { engine: "wasm" }), jvp: jvp(circle, { engine: "wasm" }), vjp: vjp(circle, { engine: "wasm" }) },
    jvp: jvp(circle),
    valueAndGrad: valueAndGrad(circle),
    vjp: vjp(circle),
    points: [[0.8], [1.7]],
  },
  {
    name: "moduleConstants",
    f: moduleConstants,
    grad: grad(moduleConstants),
    tape: grad(moduleConstants, { engine: "tape" }),
    wasm: { grad: grad(moduleConstants, { engine: "wasm" }), valueAndGrad: valueAndGrad(moduleConstants, { engine: "wasm" }), jvp: jvp(moduleConstants, { engine: "wasm" }), vjp: vjp(moduleConstants, { engine: "wasm" }) },
    jvp: jvp(moduleConstants),
    valueAndGrad: valueAndGrad(moduleConstants),
    vjp: vjp(moduleConstants),
    points: [[0.6, 3.2]],
  },
  {
    name: "reassign",
    f: reassign,
    grad: grad(reassign),
    tape: grad(reassign, { engine: "tape" }),
    wasm: { grad: grad(reassign, { engine: "wasm" }), valueAndGrad: valueAndGrad(reassign, { engine: "wasm" }), jvp: jvp(reassign, { engine: "wasm" }), vjp: vjp(reassign, { engine: "wasm" }) },
    jvp: jvp(reassign),
    valueAndGrad: valueAndGrad(reassign),
    vjp: vjp(reassign),
    points: [[1.1, 0.7], [-0.4, 1.9]],
  },
  {
    name: "compound",
    f: compound,
    grad: grad(compound),
    tape: grad(compound, { engine: "tape" }),
    wasm: { grad: grad(compound, { engine: "wasm" }), valueAndGrad: valueAndGrad(compound, { engine: "wasm" }), jvp: jvp(compound, { engine: "wasm" }), vjp: vjp(compound, { engine: "wasm" }) },
    jvp: jvp(compound),
    valueAndGrad: valueAndGrad(compound),
    vjp: vjp(compound),
    points: [[1.3, 0.4], [-0.8, 1.1]],
  },
  {
    name: "incDec",
    f: incDec,
    grad: grad(incDec),
    tape: grad(incDec, { engine: "tape" }),
    wasm: { grad: grad(incDec, { engine: "wasm" }), valueAndGrad: valueAndGrad(incDec, { engine: "wasm" }), jvp: jvp(incDec, { engine: "wasm" }), vjp: vjp(incDec, { engine: "wasm" }) },
    jvp: jvp(incDec),
    valueAndGrad: valueAndGrad(incDec),
    vjp: vjp(incDec),
    points: [[1.2], [-0.7]],
  },
  {
    name: "paramReassign",
    f: paramReassign,
    grad: grad(paramReassign),
    tape: grad(paramReassign, { engine: "tape" }),
    wasm: { grad: grad(paramReassign, { engine: "wasm" }), valueAndGrad: valueAndGrad(paramReassign, { engine: "wasm" }), jvp: jvp(paramReassign, { engine: "wasm" }), vjp: vjp(paramReassign, { engine: "wasm" }) },
    jvp: jvp(paramReassign),
    valueAndGrad: valueAndGrad(paramReassign),
    vjp: vjp(paramReassign),
    points: [[0.9, 1.3], [-0.5, 0.8]],
  },
  {
    name: "piecewise",
    f: piecewise,
    grad: grad(piecewise),
    tape: grad(piecewise, { engine: "tape" }),
    wasm: { grad: grad(piecewise, { engine: "wasm" }), valueAndGrad: valueAndGrad(piecewise, { engine: "wasm" }), jvp: jvp(piecewise, { engine: "wasm" }), vjp: vjp(piecewise, { engine: "wasm" }) },
    jvp: jvp(piecewise),
    valueAndGrad: valueAndGrad(piecewise),
    vjp: vjp(piecewise),
    points: [[-2.5], [-0.4], [1.1], [3.2]],
  },
  {
    name: "nestedIf",
    f: nestedIf,
    grad: grad(nestedIf),
    tape: grad(nestedIf, { engine: "tape" }),
    wasm: { grad: grad(nestedIf, { engine: "wasm" }), valueAndGrad: valueAndGrad(nestedIf, { engine: "wasm" }), jvp: jvp(nestedIf, { engine: "wasm" }), vjp: vjp(nestedIf, { engine: "wasm" }) },
    jvp: jvp(nestedIf),
    valueAndGrad: valueAndGrad(nestedIf),
    vjp: vjp(nestedIf),
    points: [[1.2, 0.8], [1.5, -0.7], [0.8, -2.6], [-0.5, 0.9], [-0.5, -1.3]],
  },
  {
    name: "ternaries",
    f: ternaries,
    grad: grad(ternaries),
    tape: grad(ternaries, { engine: "tape" }),
    wasm: { grad: grad(ternaries, { engine: "wasm" }), valueAndGrad: valueAndGrad(ternaries, { engine: "wasm" }), jvp: jvp(ternaries, { engine: "wasm" }), vjp: vjp(ternaries, { engine: "wasm" }) },
    jvp: jvp(ternaries),
    valueAndGrad: valueAndGrad(ternaries),
    vjp: vjp(ternaries),
    points: [[1.5, 0.4], [-0.7, 2.1], [0.5, -0.3], [2.5, -0.9], [1.3, 1.8]],
  },
  {
    name: "logical",
    f: logical,
    grad: grad(logical),
    tape: grad(logical, { engine: "tape" }),
    wasm: { grad: grad(logical, { engine: "wasm" }), valueAndGrad: valueAndGrad(logical, { engine: "wasm" }), jvp: jvp(logical, { engine: "wasm" }), vjp: vjp(logical, { engine: "wasm" }) },
    jvp: jvp(logical),
    valueAndGrad: valueAndGrad(logical),
    vjp: vjp(logical),
    points: [[1.5, 0.7], [-0.6, 1.4], [12, 4], [-6, -7]],
  },
  {
    name: "multiReturn",
    f: multiReturn,
    grad: grad(multiReturn),
    tape: grad(multiReturn, { engine: "tape" }),
    wasm: { grad: grad(multiReturn, { engine: "wasm" }), valueAndGrad: valueAndGrad(multiReturn, { engine: "wasm" }), jvp: jvp(multiReturn, { engine: "wasm" }), vjp: vjp(multiReturn, { engine: "wasm" }) },
    jvp: jvp(multiReturn),
    valueAndGrad: valueAndGrad(multiReturn),
    vjp: vjp(multiReturn),
    points: [[3, 1], [1.5, 1], [0.5, 2.5], [0.5, 1.1]],
  },
  {
    name: "shadowing",
    f: shadowing,
    grad: grad(shadowing),
    tape: grad(shadowing, { engine: "tape" }),
    wasm: { grad: grad(shadowing, { engine: "wasm" }), valueAndGrad: valueAndGrad(shadowing, { engine: "wasm" }), jvp: jvp(shadowing, { engine: "wasm" }), vjp: vjp(shadowing, { engine: "wasm" }) },
    jvp: jvp(shadowing),
    valueAndGrad: valueAndGrad(shadowing),
    vjp: vjp(shadowing),
    points: [[1.3, 0.6], [0.7, -1.2]],
  },
  {
    name: "boolSelect",
    f: boolSelect,
    grad: grad(boolSelect, { wrt: [0, 1] }),
    tape: grad(boolSelect, { wrt: [0, 1], engine: "tape" }),
    wasm: { grad: grad(boolSelect, { wrt: [0, 1], engine: "wasm" }), valueAndGrad: valueAndGrad(boolSelect, { wrt: [0, 1], engine: "wasm" }), jvp: jvp(boolSelect, { engine: "wasm" }), vjp: vjp(boolSelect, { wrt: [0, 1], engine: "wasm" }) },
    jvp: jvp(boolSelect),
    valueAndGrad: valueAndGrad(boolSelect, { wrt: [0, 1] }),
    vjp: vjp(boolSelect, { wrt: [0, 1] }),
    points: [[0.6, 1.4, true], [0.6, 1.4, false], [-1.1, 0.5, false]],
    wrt: [0, 1],
  },
  {
    name: "boolFlags",
    f: boolFlags,
    grad: grad(boolFlags, { wrt: [0] }),
    tape: grad(boolFlags, { wrt: [0], engine: "tape" }),
    wasm: { grad: grad(boolFlags, { wrt: [0], engine: "wasm" }), valueAndGrad: valueAndGrad(boolFlags, { wrt: [0], engine: "wasm" }), jvp: jvp(boolFlags, { engine: "wasm" }), vjp: vjp(boolFlags, { wrt: [0], engine: "wasm" }) },
    jvp: jvp(boolFlags),
    valueAndGrad: valueAndGrad(boolFlags, { wrt: [0] }),
    vjp: vjp(boolFlags, { wrt: [0] }),
    points: [[1.7, false, true], [1.7, true, true], [0.6, false, false], [2.5, false, false]],
    wrt: [0],
  },
  {
    name: "expSeries",
    f: expSeries,
    grad: grad(expSeries),
    tape: grad(expSeries, { engine: "tape" }),
    wasm: { grad: grad(expSeries, { engine: "wasm" }), valueAndGrad: valueAndGrad(expSeries, { engine: "wasm" }), jvp: jvp(expSeries, { engine: "wasm" }), vjp: vjp(expSeries, { engine: "wasm" }) },
    jvp: jvp(expSeries),
    valueAndGrad: valueAndGrad(expSeries),
    vjp: vjp(expSeries),
    points: [[0.7], [-1.3]],
  },
  {
    name: "sinSeries",
    f: sinSeries,
    grad: grad(sinSeries, { wrt: [0] }),
    tape: grad(sinSeries, { wrt: [0], engine: "tape" }),
    wasm: { grad: grad(sinSeries, { wrt: [0], engine: "wasm" }), valueAndGrad: valueAndGrad(sinSeries, { wrt: [0], engine: "wasm" }), jvp: jvp(sinSeries, { engine: "wasm" }), vjp: vjp(sinSeries, { wrt: [0], engine: "wasm" }) },
    jvp: jvp(sinSeries),
    valueAndGrad: valueAndGrad(sinSeries, { wrt: [0] }),
    vjp: vjp(sinSeries, { wrt: [0] }),
    points: [[0.9, 6], [2.1, 10], [0.9, 0]],
    wrt: [0],
  },
  {
    name: "intPower",
    f: intPower,
    grad: grad(intPower, { wrt: [0] }),
    tape: grad(intPower, { wrt: [0], engine: "tape" }),
    wasm: { grad: grad(intPower, { wrt: [0], engine: "wasm" }), valueAndGrad: valueAndGrad(intPower, { wrt: [0], engine: "wasm" }), jvp: jvp(intPower, { engine: "wasm" }), vjp: vjp(intPower, { wrt: [0], engine: "wasm" }) },
    jvp: jvp(intPower),
    valueAndGrad: valueAndGrad(intPower, { wrt: [0] }),
    vjp: vjp(intPower, { wrt: [0] }),
    points: [[1.3, 5], [-0.8, 3], [1.3, 0]],
    wrt: [0],
  },
  {
    name: "halveUntilSmall",
    f: halveUntilSmall,
    grad: grad(halveUntilSmall),
    tape: grad(halveUntilSmall, { engine: "tape" }),
    wasm: { grad: grad(halveUntilSmall, { engine: "wasm" }), valueAndGrad: valueAndGrad(halveUntilSmall, { engine: "wasm" }), jvp: jvp(halveUntilSmall, { engine: "wasm" }), vjp: vjp(halveUntilSmall, { engine: "wasm" }) },
    jvp: jvp(halveUntilSmall),
    valueAndGrad: valueAndGrad(halveUntilSmall),
    vjp: vjp(halveUntilSmall),
    points: [[3], [0.0123], [-0.5]],
  },
  {
    name: "accumulate",
    f: accumulate,
    grad: grad(accumulate),
    tape: grad(accumulate, { engine: "tape" }),
    wasm: { grad: grad(accumulate, { engine: "wasm" }), valueAndGrad: valueAndGrad(accumulate, { engine: "wasm" }), jvp: jvp(accumulate, { engine: "wasm" }), vjp: vjp(accumulate, { engine: "wasm" }) },
    jvp: jvp(accumulate),
    valueAndGrad: valueAndGrad(accumulate),
    vjp: vjp(accumulate),
    points: [[1.2, 0.9], [0.5, 3.3]],
  },
  {
    name: "newtonSqrt",
    f: newtonSqrt,
    grad: grad(newtonSqrt),
    tape: grad(newtonSqrt, { engine: "tape" }),
    wasm: { grad: grad(newtonSqrt, { engine: "wasm" }), valueAndGrad: valueAndGrad(newtonSqrt, { engine: "wasm" }), jvp: jvp(newtonSqrt, { engine: "wasm" }), vjp: vjp(newtonSqrt, { engine: "wasm" }) },
    jvp: jvp(newtonSqrt),
    valueAndGrad: valueAndGrad(newtonSqrt),
    vjp: vjp(newtonSqrt),
    points: [[2.7], [0.3]],
  },
  {
    name: "log1pSeries",
    f: log1pSeries,
    grad: grad(log1pSeries),
    tape: grad(log1pSeries, { engine: "tape" }),
    wasm: { grad: grad(log1pSeries, { engine: "wasm" }), valueAndGrad: valueAndGrad(log1pSeries, { engine: "wasm" }), jvp: jvp(log1pSeries, { engine: "wasm" }), vjp: vjp(log1pSeries, { engine: "wasm" }) },
    jvp: jvp(log1pSeries),
    valueAndGrad: valueAndGrad(log1pSeries),
    vjp: vjp(log1pSeries),
    points: [[0.3], [-0.2]],
  },
  {
    name: "newtonCbrt",
    f: newtonCbrt,
    grad: grad(newtonCbrt),
    tape: grad(newtonCbrt, { engine: "tape" }),
    wasm: { grad: grad(newtonCbrt, { engine: "wasm" }), valueAndGrad: valueAndGrad(newtonCbrt, { engine: "wasm" }), jvp: jvp(newtonCbrt, { engine: "wasm" }), vjp: vjp(newtonCbrt, { engine: "wasm" }) },
    jvp: jvp(newtonCbrt),
    valueAndGrad: valueAndGrad(newtonCbrt),
    vjp: vjp(newtonCbrt),
    points: [[5], [0.4]],
  },
  {
    name: "doubleSum",
    f: doubleSum,
    grad: grad(doubleSum),
    tape: grad(doubleSum, { engine: "tape" }),
    wasm: { grad: grad(doubleSum, { engine: "wasm" }), valueAndGrad: valueAndGrad(doubleSum, { engine: "wasm" }), jvp: jvp(doubleSum, { engine: "wasm" }), vjp: vjp(doubleSum, { engine: "wasm" }) },
    jvp: jvp(doubleSum),
    valueAndGrad: valueAndGrad(doubleSum),
    vjp: vjp(doubleSum),
    points: [[0.7, 1.3], [-0.4, 0.2]],
  },
  {
    name: "nestedMixed",
    f: nestedMixed,
    grad: grad(nestedMixed),
    tape: grad(nestedMixed, { engine: "tape" }),
    wasm: { grad: grad(nestedMixed, { engine: "wasm" }), valueAndGrad: valueAndGrad(nestedMixed, { engine: "wasm" }), jvp: jvp(nestedMixed, { engine: "wasm" }), vjp: vjp(nestedMixed, { engine: "wasm" }) },
    jvp: jvp(nestedMixed),
    valueAndGrad: valueAndGrad(nestedMixed),
    vjp: vjp(nestedMixed),
    points: [[1.1], [0.2]],
  },
  {
    name: "breakContinue",
    f: breakContinue,
    grad: grad(breakContinue),
    tape: grad(breakContinue, { engine: "tape" }),
    wasm: { grad: grad(breakContinue, { engine: "wasm" }), valueAndGrad: valueAndGrad(breakContinue, { engine: "wasm" }), jvp: jvp(breakContinue, { engine: "wasm" }), vjp: vjp(breakContinue, { engine: "wasm" }) },
    jvp: jvp(breakContinue),
    valueAndGrad: valueAndGrad(breakContinue),
    vjp: vjp(breakContinue),
    points: [[0.8], [-1.5]],
  },
  {
    name: "earlyReturnLoop",
    f: earlyReturnLoop,
    grad: grad(earlyReturnLoop),
    tape: grad(earlyReturnLoop, { engine: "tape" }),
    wasm: { grad: grad(earlyReturnLoop, { engine: "wasm" }), valueAndGrad: valueAndGrad(earlyReturnLoop, { engine: "wasm" }), jvp: jvp(earlyReturnLoop, { engine: "wasm" }), vjp: vjp(earlyReturnLoop, { engine: "wasm" }) },
    jvp: jvp(earlyReturnLoop),
    valueAndGrad: valueAndGrad(earlyReturnLoop),
    vjp: vjp(earlyReturnLoop),
    points: [[0.5], [2], [-0.5]],
  },
  {
    name: "earlyReturnWhile",
    f: earlyReturnWhile,
    grad: grad(earlyReturnWhile),
    tape: grad(earlyReturnWhile, { engine: "tape" }),
    wasm: { grad: grad(earlyReturnWhile, { engine: "wasm" }), valueAndGrad: valueAndGrad(earlyReturnWhile, { engine: "wasm" }), jvp: jvp(earlyReturnWhile, { engine: "wasm" }), vjp: vjp(earlyReturnWhile, { engine: "wasm" }) },
    jvp: jvp(earlyReturnWhile),
    valueAndGrad: valueAndGrad(earlyReturnWhile),
    vjp: vjp(earlyReturnWhile),
    points: [[0.5, 1.5], [-3, 2], [1.2, -0.5]],
  },
  {
    name: "stepLoops",
    f: stepLoops,
    grad: grad(stepLoops),
    tape: grad(stepLoops, { engine: "tape" }),
    wasm: { grad: grad(stepLoops, { engine: "wasm" }), valueAndGrad: valueAndGrad(stepLoops, { engine: "wasm" }), jvp: jvp(stepLoops, { engine: "wasm" }), vjp: vjp(stepLoops, { engine: "wasm" }) },
    jvp: jvp(stepLoops),
    valueAndGrad: valueAndGrad(stepLoops),
    vjp: vjp(stepLoops),
    points: [[0.9], [1.4]],
  },
  {
    name: "helperMany",
    f: helperMany,
    grad: grad(helperMany),
    tape: grad(helperMany, { engine: "tape" }),
    wasm: { grad: grad(helperMany, { engine: "wasm" }), valueAndGrad: valueAndGrad(helperMany, { engine: "wasm" }), jvp: jvp(helperMany, { engine: "wasm" }), vjp: vjp(helperMany, { engine: "wasm" }) },
    jvp: jvp(helperMany),
    valueAndGrad: valueAndGrad(helperMany),
    vjp: vjp(helperMany),
    points: [[1.2, -0.4]],
  },
  {
    name: "helperChain",
    f: helperChain,
    grad: grad(helperChain),
    tape: grad(helperChain, { engine: "tape" }),
    wasm: { grad: grad(helperChain, { engine: "wasm" }), valueAndGrad: valueAndGrad(helperChain, { engine: "wasm" }), jvp: jvp(helperChain, { engine: "wasm" }), vjp: vjp(helperChain, { engine: "wasm" }) },
    jvp: jvp(helperChain),
    valueAndGrad: valueAndGrad(helperChain),
    vjp: vjp(helperChain),
    points: [[1.4], [2.2], [-0.6]],
  },
  {
    name: "helperInLoop",
    f: helperInLoop,
    grad: grad(helperInLoop),
    tape: grad(helperInLoop, { engine: "tape" }),
    wasm: { grad: grad(helperInLoop, { engine: "wasm" }), valueAndGrad: valueAndGrad(helperInLoop, { engine: "wasm" }), jvp: jvp(helperInLoop, { engine: "wasm" }), vjp: vjp(helperInLoop, { engine: "wasm" }) },
    jvp: jvp(helperInLoop),
    valueAndGrad: valueAndGrad(helperInLoop),
    vjp: vjp(helperInLoop),
    points: [[0.7], [-0.45]],
  },
  {
    name: "importedHelpers",
    f: importedHelpers,
    grad: grad(importedHelpers),
    tape: grad(importedHelpers, { engine: "tape" }),
    wasm: { grad: grad(importedHelpers, { engine: "wasm" }), valueAndGrad: valueAndGrad(importedHelpers, { engine: "wasm" }), jvp: jvp(importedHelpers, { engine: "wasm" }), vjp: vjp(importedHelpers, { engine: "wasm" }) },
    jvp: jvp(importedHelpers),
    valueAndGrad: valueAndGrad(importedHelpers),
    vjp: vjp(importedHelpers),
    points: [[0.8, -0.3], [-1.2, 0.9]],
  },
  {
    name: "importedInLoop",
    f: importedInLoop,
    grad: grad(importedInLoop),
    tape: grad(importedInLoop, { engine: "tape" }),
    wasm: { grad: grad(importedInLoop, { engine: "wasm" }), valueAndGrad: valueAndGrad(importedInLoop, { engine: "wasm" }), jvp: jvp(importedInLoop, { engine: "wasm" }), vjp: vjp(importedInLoop, { engine: "wasm" }) },
    jvp: jvp(importedInLoop),
    valueAndGrad: valueAndGrad(importedInLoop),
    vjp: vjp(importedInLoop),
    points: [[0.5, 1.5]],
  },
  {
    name: "stopped",
    f: stopped,
    grad: grad(stopped),
    tape: grad(stopped, { engine: "tape" }),
    wasm: { grad: grad(stopped, { engine: "wasm" }), valueAndGrad: valueAndGrad(stopped, { engine: "wasm" }), jvp: jvp(stopped, { engine: "wasm" }), vjp: vjp(stopped, { engine: "wasm" }) },
    jvp: jvp(stopped),
    valueAndGrad: valueAndGrad(stopped),
    vjp: vjp(stopped),
    points: [[1.3, 0.4], [-0.7, 2]],
    // The stopped values are constants: differentiate a surrogate that freezes them at the point.
    fd: (x0: number, y0: number) => (x: number, y: number) => (x - x0 * y0) * (x - x0 * y0) + y * Math.sin(x0),
  },
  {
    name: "horner",
    f: horner,
    grad: grad(horner),
    tape: grad(horner, { engine: "tape" }),
    wasm: { grad: grad(horner, { engine: "wasm" }), valueAndGrad: valueAndGrad(horner, { engine: "wasm" }), jvp: jvp(horner, { engine: "wasm" }), vjp: vjp(horner, { engine: "wasm" }) },
    jvp: jvp(horner),
    valueAndGrad: valueAndGrad(horner),
    vjp: vjp(horner),
    points: [[0.9], [-1.6]],
  },
  {
    name: "softplusInline",
    f: softplusInline,
    grad: grad(softplusInline),
    tape: grad(softplusInline, { engine: "tape" }),
    wasm: { grad: grad(softplusInline, { engine: "wasm" }), valueAndGrad: valueAndGrad(softplusInline, { engine: "wasm" }), jvp: jvp(softplusInline, { engine: "wasm" }), vjp: vjp(softplusInline, { engine: "wasm" }) },
    jvp: jvp(softplusInline),
    valueAndGrad: valueAndGrad(softplusInline),
    vjp: vjp(softplusInline),
    points: [[1.2], [-2.3]],
  },
  {
    name: "logisticLoss",
    f: logisticLoss,
    grad: grad(logisticLoss),
    tape: grad(logisticLoss, { engine: "tape" }),
    wasm: { grad: grad(logisticLoss, { engine: "wasm" }), valueAndGrad: valueAndGrad(logisticLoss, { engine: "wasm" }), jvp: jvp(logisticLoss, { engine: "wasm" }), vjp: vjp(logisticLoss, { engine: "wasm" }) },
    jvp: jvp(logisticLoss),
    valueAndGrad: valueAndGrad(logisticLoss),
    vjp: vjp(logisticLoss),
    points: [[0.8, -0.2, 1.5, 1], [-1.1, 0.3, 0.7, 0]],
  },
  {
    name: "logSumExp3",
    f: logSumExp3,
    grad: grad(logSumExp3),
    tape: grad(logSumExp3, { engine: "tape" }),
    wasm: { grad: grad(logSumExp3, { engine: "wasm" }), valueAndGrad: valueAndGrad(logSumExp3, { engine: "wasm" }), jvp: jvp(logSumExp3, { engine: "wasm" }), vjp: vjp(logSumExp3, { engine: "wasm" }) },
    jvp: jvp(logSumExp3),
    valueAndGrad: valueAndGrad(logSumExp3),
    vjp: vjp(logSumExp3),
    points: [[0.3, 1.2, -0.5], [2, 1.9, 2.4]],
  },
  {
    name: "whileDecrement",
    f: whileDecrement,
    grad: grad(whileDecrement, { wrt: [0] }),
    tape: grad(whileDecrement, { wrt: [0], engine: "tape" }),
    wasm: { grad: grad(whileDecrement, { wrt: [0], engine: "wasm" }), valueAndGrad: valueAndGrad(whileDecrement, { wrt: [0], engine: "wasm" }), jvp: jvp(whileDecrement, { engine: "wasm" }), vjp: vjp(whileDecrement, { wrt: [0], engine: "wasm" }) },
    jvp: jvp(whileDecrement, { wrt: [0] }),
    valueAndGrad: valueAndGrad(whileDecrement, { wrt: [0] }),
    vjp: vjp(whileDecrement, { wrt: [0] }),
    points: [[1.3, 4], [0.7, 3], [-0.4, 2]],
    wrt: [0],
  },
  {
    name: "truthyConditions",
    f: truthyConditions,
    grad: grad(truthyConditions, { wrt: [0] }),
    tape: grad(truthyConditions, { wrt: [0], engine: "tape" }),
    wasm: { grad: grad(truthyConditions, { wrt: [0], engine: "wasm" }), valueAndGrad: valueAndGrad(truthyConditions, { wrt: [0], engine: "wasm" }), jvp: jvp(truthyConditions, { engine: "wasm" }), vjp: vjp(truthyConditions, { wrt: [0], engine: "wasm" }) },
    jvp: jvp(truthyConditions, { wrt: [0] }),
    valueAndGrad: valueAndGrad(truthyConditions, { wrt: [0] }),
    vjp: vjp(truthyConditions, { wrt: [0] }),
    points: [[0.6, 1], [1.8, 0], [2.2, 2], [-0.7, 0]],
    wrt: [0],
  },
  {
    name: "evaluationOrder",
    f: evaluationOrder,
    grad: grad(evaluationOrder),
    tape: grad(evaluationOrder, { engine: "tape" }),
    wasm: { grad: grad(evaluationOrder, { engine: "wasm" }), valueAndGrad: valueAndGrad(evaluationOrder, { engine: "wasm" }), jvp: jvp(evaluationOrder, { engine: "wasm" }), vjp: vjp(evaluationOrder, { engine: "wasm" }) },
    jvp: jvp(evaluationOrder),
    valueAndGrad: valueAndGrad(evaluationOrder),
    vjp: vjp(evaluationOrder),
    points: [[0.6, 1.7], [-1.2, 0.4]],
  },
  {
    name: "assignInCondition",
    f: assignInCondition,
    grad: grad(assignInCondition),
    tape: grad(assignInCondition, { engine: "tape" }),
    wasm: { grad: grad(assignInCondition, { engine: "wasm" }), valueAndGrad: valueAndGrad(assignInCondition, { engine: "wasm" }), jvp: jvp(assignInCondition, { engine: "wasm" }), vjp: vjp(assignInCondition, { engine: "wasm" }) },
    jvp: jvp(assignInCondition),
    valueAndGrad: valueAndGrad(assignInCondition),
    vjp: vjp(assignInCondition),
    points: [[1.3], [5.1], [0.45]],
  },
  {
    name: "commaOperator",
    f: commaOperator,
    grad: grad(commaOperator),
    tape: grad(commaOperator, { engine: "tape" }),
    wasm: { grad: grad(commaOperator, { engine: "wasm" }), valueAndGrad: valueAndGrad(commaOperator, { engine: "wasm" }), jvp: jvp(commaOperator, { engine: "wasm" }), vjp: vjp(commaOperator, { engine: "wasm" }) },
    jvp: jvp(commaOperator),
    valueAndGrad: valueAndGrad(commaOperator),
    vjp: vjp(commaOperator),
    points: [[0.6, 1.7], [-1.2, 0.4]],
  },
  {
    name: "compoundInExpression",
    f: compoundInExpression,
    grad: grad(compoundInExpression),
    tape: grad(compoundInExpression, { engine: "tape" }),
    wasm: { grad: grad(compoundInExpression, { engine: "wasm" }), valueAndGrad: valueAndGrad(compoundInExpression, { engine: "wasm" }), jvp: jvp(compoundInExpression, { engine: "wasm" }), vjp: vjp(compoundInExpression, { engine: "wasm" }) },
    jvp: jvp(compoundInExpression),
    valueAndGrad: valueAndGrad(compoundInExpression),
    vjp: vjp(compoundInExpression),
    points: [[0.6, 1.7], [-1.2, 0.4]],
  },
  {
    name: "doWhileCountdown",
    f: doWhileCountdown,
    grad: grad(doWhileCountdown, { wrt: [0] }),
    tape: grad(doWhileCountdown, { wrt: [0], engine: "tape" }),
    wasm: { grad: grad(doWhileCountdown, { wrt: [0], engine: "wasm" }), valueAndGrad: valueAndGrad(doWhileCountdown, { wrt: [0], engine: "wasm" }), jvp: jvp(doWhileCountdown, { engine: "wasm" }), vjp: vjp(doWhileCountdown, { wrt: [0], engine: "wasm" }) },
    jvp: jvp(doWhileCountdown, { wrt: [0] }),
    valueAndGrad: valueAndGrad(doWhileCountdown, { wrt: [0] }),
    vjp: vjp(doWhileCountdown, { wrt: [0] }),
    points: [[0.6, 3], [1.4, 1], [-0.8, 4]],
    wrt: [0],
  },
  {
    name: "elementIncrements",
    f: elementIncrements,
    grad: grad(elementIncrements),
    tape: grad(elementIncrements, { engine: "tape" }),
    wasm: { grad: grad(elementIncrements, { engine: "wasm" }), valueAndGrad: valueAndGrad(elementIncrements, { engine: "wasm" }), jvp: jvp(elementIncrements, { engine: "wasm" }), vjp: vjp(elementIncrements, { engine: "wasm" }) },
    jvp: jvp(elementIncrements),
    valueAndGrad: valueAndGrad(elementIncrements),
    vjp: vjp(elementIncrements),
    points: [[0.6], [-1.3]],
  },
  {
    name: "switchFallThrough",
    f: switchFallThrough,
    grad: grad(switchFallThrough, { wrt: [0] }),
    tape: grad(switchFallThrough, { wrt: [0], engine: "tape" }),
    wasm: { grad: grad(switchFallThrough, { wrt: [0], engine: "wasm" }), valueAndGrad: valueAndGrad(switchFallThrough, { wrt: [0], engine: "wasm" }), jvp: jvp(switchFallThrough, { engine: "wasm" }), vjp: vjp(switchFallThrough, { wrt: [0], engine: "wasm" }) },
    jvp: jvp(switchFallThrough, { wrt: [0] }),
    valueAndGrad: valueAndGrad(switchFallThrough, { wrt: [0] }),
    vjp: vjp(switchFallThrough, { wrt: [0] }),
    points: [[0.6, 0], [0.6, 1], [1.3, 2], [-0.4, 3], [0.9, 7]],
    wrt: [0],
  },
  {
    name: "switchInLoop",
    f: switchInLoop,
    grad: grad(switchInLoop, { wrt: [0] }),
    tape: grad(switchInLoop, { wrt: [0], engine: "tape" }),
    wasm: { grad: grad(switchInLoop, { wrt: [0], engine: "wasm" }), valueAndGrad: valueAndGrad(switchInLoop, { wrt: [0], engine: "wasm" }), jvp: jvp(switchInLoop, { engine: "wasm" }), vjp: vjp(switchInLoop, { wrt: [0], engine: "wasm" }) },
    jvp: jvp(switchInLoop, { wrt: [0] }),
    valueAndGrad: valueAndGrad(switchInLoop, { wrt: [0] }),
    vjp: vjp(switchInLoop, { wrt: [0] }),
    points: [[0.6, 4], [1.1, 7], [-0.3, 9]],
    wrt: [0],
  },
  {
    name: "switchComputed",
    f: switchComputed,
    grad: grad(switchComputed, { wrt: [0] }),
    tape: grad(switchComputed, { wrt: [0], engine: "tape" }),
    wasm: { grad: grad(switchComputed, { wrt: [0], engine: "wasm" }), valueAndGrad: valueAndGrad(switchComputed, { wrt: [0], engine: "wasm" }), jvp: jvp(switchComputed, { engine: "wasm" }), vjp: vjp(switchComputed, { wrt: [0], engine: "wasm" }) },
    jvp: jvp(switchComputed, { wrt: [0] }),
    valueAndGrad: valueAndGrad(switchComputed, { wrt: [0] }),
    vjp: vjp(switchComputed, { wrt: [0] }),
    points: [[0.6, 0], [1.3, 2], [-0.4, 3], [0.9, 5]],
    wrt: [0],
  },
  {
    name: "forOfLoops",
    f: forOfLoops,
    grad: grad(forOfLoops),
    tape: grad(forOfLoops, { engine: "tape" }),
    wasm: { grad: grad(forOfLoops, { engine: "wasm" }), valueAndGrad: valueAndGrad(forOfLoops, { engine: "wasm" }), jvp: jvp(forOfLoops, { engine: "wasm" }), vjp: vjp(forOfLoops, { engine: "wasm" }) },
    jvp: jvp(forOfLoops),
    valueAndGrad: valueAndGrad(forOfLoops),
    vjp: vjp(forOfLoops),
    points: [[0.7, 1.2], [1.1, 0.4], [-0.5, 2.1]],
  },
  {
    name: "arrayLiterals",
    f: arrayLiterals,
    grad: grad(arrayLiterals),
    tape: grad(arrayLiterals, { engine: "tape" }),
    wasm: { grad: grad(arrayLiterals, { engine: "wasm" }), valueAndGrad: valueAndGrad(arrayLiterals, { engine: "wasm" }), jvp: jvp(arrayLiterals, { engine: "wasm" }), vjp: vjp(arrayLiterals, { engine: "wasm" }) },
    jvp: jvp(arrayLiterals),
    valueAndGrad: valueAndGrad(arrayLiterals),
    vjp: vjp(arrayLiterals),
    points: [[0.7, 1.2], [-1.1, 0.4]],
  },
  {
    name: "huber",
    f: huber,
    grad: grad(huber),
    tape: grad(huber, { engine: "tape" }),
    wasm: { grad: grad(huber, { engine: "wasm" }), valueAndGrad: valueAndGrad(huber, { engine: "wasm" }), jvp: jvp(huber, { engine: "wasm" }), vjp: vjp(huber, { engine: "wasm" }) },
    jvp: jvp(huber),
    valueAndGrad: valueAndGrad(huber),
    vjp: vjp(huber),
    points: [[0.4, 1], [-2.5, 1], [3, 1.5]],
  },
  {
    name: "gaussianPdf",
    f: gaussianPdf,
    grad: grad(gaussianPdf),
    tape: grad(gaussianPdf, { engine: "tape" }),
    wasm: { grad: grad(gaussianPdf, { engine: "wasm" }), valueAndGrad: valueAndGrad(gaussianPdf, { engine: "wasm" }), jvp: jvp(gaussianPdf, { engine: "wasm" }), vjp: vjp(gaussianPdf, { engine: "wasm" }) },
    jvp: jvp(gaussianPdf),
    valueAndGrad: valueAndGrad(gaussianPdf),
    vjp: vjp(gaussianPdf),
    points: [[0.3, -0.2, 1.4]],
  },
  {
    name: "rosenbrock",
    f: rosenbrock,
    grad: grad(rosenbrock),
    tape: grad(rosenbrock, { engine: "tape" }),
    wasm: { grad: grad(rosenbrock, { engine: "wasm" }), valueAndGrad: valueAndGrad(rosenbrock, { engine: "wasm" }), jvp: jvp(rosenbrock, { engine: "wasm" }), vjp: vjp(rosenbrock, { engine: "wasm" }) },
    jvp: jvp(rosenbrock),
    valueAndGrad: valueAndGrad(rosenbrock),
    vjp: vjp(rosenbrock),
    points: [[-1.2, 1], [0.8, 0.5]],
  },
  {
    name: "polar",
    f: polar,
    grad: grad(polar),
    tape: grad(polar, { engine: "tape" }),
    wasm: { grad: grad(polar, { engine: "wasm" }), valueAndGrad: valueAndGrad(polar, { engine: "wasm" }), jvp: jvp(polar, { engine: "wasm" }), vjp: vjp(polar, { engine: "wasm" }) },
    jvp: jvp(polar),
    valueAndGrad: valueAndGrad(polar),
    vjp: vjp(polar),
    points: [[1.2, 0.7], [-0.5, -1.4]],
  },
  {
    name: "compoundInterest",
    f: compoundInterest,
    grad: grad(compoundInterest, { wrt: [0, 1] }),
    tape: grad(compoundInterest, { wrt: [0, 1], engine: "tape" }),
    wasm: { grad: grad(compoundInterest, { wrt: [0, 1], engine: "wasm" }), valueAndGrad: valueAndGrad(compoundInterest, { wrt: [0, 1], engine: "wasm" }), jvp: jvp(compoundInterest, { engine: "wasm" }), vjp: vjp(compoundInterest, { wrt: [0, 1], engine: "wasm" }) },
    jvp: jvp(compoundInterest),
    valueAndGrad: valueAndGrad(compoundInterest, { wrt: [0, 1] }),
    vjp: vjp(compoundInterest, { wrt: [0, 1] }),
    points: [[100, 0.05, 10], [100, 0.13, 12]],
    wrt: [0, 1],
  },
  {
    name: "fixedPoint",
    f: fixedPoint,
    grad: grad(fixedPoint),
    tape: grad(fixedPoint, { engine: "tape" }),
    wasm: { grad: grad(fixedPoint, { engine: "wasm" }), valueAndGrad: valueAndGrad(fixedPoint, { engine: "wasm" }), jvp: jvp(fixedPoint, { engine: "wasm" }), vjp: vjp(fixedPoint, { engine: "wasm" }) },
    jvp: jvp(fixedPoint),
    valueAndGrad: valueAndGrad(fixedPoint),
    vjp: vjp(fixedPoint),
    points: [[1], [0.6]],
  },
  {
    name: "oscillator",
    f: oscillator,
    grad: grad(oscillator),
    tape: grad(oscillator, { engine: "tape" }),
    wasm: { grad: grad(oscillator, { engine: "wasm" }), valueAndGrad: valueAndGrad(oscillator, { engine: "wasm" }), jvp: jvp(oscillator, { engine: "wasm" }), vjp: vjp(oscillator, { engine: "wasm" }) },
    jvp: jvp(oscillator),
    valueAndGrad: valueAndGrad(oscillator),
    vjp: vjp(oscillator),
    points: [[4, 0.3, 1]],
  },
  {
    name: "tinyNet",
    f: tinyNet,
    grad: grad(tinyNet),
    tape: grad(tinyNet, { engine: "tape" }),
    wasm: { grad: grad(tinyNet, { engine: "wasm" }), valueAndGrad: valueAndGrad(tinyNet, { engine: "wasm" }), jvp: jvp(tinyNet, { engine: "wasm" }), vjp: vjp(tinyNet, { engine: "wasm" }) },
    jvp: jvp(tinyNet),
    valueAndGrad: valueAndGrad(tinyNet),
    vjp: vjp(tinyNet),
    points: [[0.7, 1.2, -0.8, 0.1], [-0.5, 0.9, 1.3, 0.2], [1, 0.3, 0.9, -0.4]],
  },
  {
    name: "smoothAbsRatio",
    f: smoothAbsRatio,
    grad: grad(smoothAbsRatio),
    tape: grad(smoothAbsRatio, { engine: "tape" }),
    wasm: { grad: grad(smoothAbsRatio, { engine: "wasm" }), valueAndGrad: valueAndGrad(smoothAbsRatio, { engine: "wasm" }), jvp: jvp(smoothAbsRatio, { engine: "wasm" }), vjp: vjp(smoothAbsRatio, { engine: "wasm" }) },
    jvp: jvp(smoothAbsRatio),
    valueAndGrad: valueAndGrad(smoothAbsRatio),
    vjp: vjp(smoothAbsRatio),
    points: [[0.3, -0.8]],
  },
  {
    name: "bisectNewton",
    f: bisectNewton,
    grad: grad(bisectNewton),
    tape: grad(bisectNewton, { engine: "tape" }),
    wasm: { grad: grad(bisectNewton, { engine: "wasm" }), valueAndGrad: valueAndGrad(bisectNewton, { engine: "wasm" }), jvp: jvp(bisectNewton, { engine: "wasm" }), vjp: vjp(bisectNewton, { engine: "wasm" }) },
    jvp: jvp(bisectNewton),
    valueAndGrad: valueAndGrad(bisectNewton),
    vjp: vjp(bisectNewton),
    points: [[2.5], [-7.3]],
  },
  {
    name: "lerpTable",
    f: lerpTable,
    grad: grad(lerpTable),
    tape: grad(lerpTable, { engine: "tape" }),
    wasm: { grad: grad(lerpTable, { engine: "wasm" }), valueAndGrad: valueAndGrad(lerpTable, { engine: "wasm" }), jvp: jvp(lerpTable, { engine: "wasm" }), vjp: vjp(lerpTable, { engine: "wasm" }) },
    jvp: jvp(lerpTable),
    valueAndGrad: valueAndGrad(lerpTable),
    vjp: vjp(lerpTable),
    points: [[0.4], [1.7], [2.6], [-0.5], [3.5]],
  },
  {
    name: "intExponent",
    f: intExponent,
    grad: grad(intExponent, { wrt: [0] }),
    tape: grad(intExponent, { wrt: [0], engine: "tape" }),
    wasm: { grad: grad(intExponent, { wrt: [0], engine: "wasm" }), valueAndGrad: valueAndGrad(intExponent, { wrt: [0], engine: "wasm" }), jvp: jvp(intExponent, { engine: "wasm" }), vjp: vjp(intExponent, { wrt: [0], engine: "wasm" }) },
    jvp: jvp(intExponent),
    valueAndGrad: valueAndGrad(intExponent, { wrt: [0] }),
    vjp: vjp(intExponent, { wrt: [0] }),
    points: [[-1.5, 3], [-0.7, 2], [1.2, 4]],
    wrt: [0],
  },
  {
    name: "activeCounter",
    f: activeCounter,
    grad: grad(activeCounter),
    tape: grad(activeCounter, { engine: "tape" }),
    wasm: { grad: grad(activeCounter, { engine: "wasm" }), valueAndGrad: valueAndGrad(activeCounter, { engine: "wasm" }), jvp: jvp(activeCounter, { engine: "wasm" }), vjp: vjp(activeCounter, { engine: "wasm" }) },
    jvp: jvp(activeCounter),
    valueAndGrad: valueAndGrad(activeCounter),
    vjp: vjp(activeCounter),
    points: [[0.3], [1.9]],
  },
  {
    name: "fibonacciSwap",
    f: fibonacciSwap,
    grad: grad(fibonacciSwap),
    tape: grad(fibonacciSwap, { engine: "tape" }),
    wasm: { grad: grad(fibonacciSwap, { engine: "wasm" }), valueAndGrad: valueAndGrad(fibonacciSwap, { engine: "wasm" }), jvp: jvp(fibonacciSwap, { engine: "wasm" }), vjp: vjp(fibonacciSwap, { engine: "wasm" }) },
    jvp: jvp(fibonacciSwap),
    valueAndGrad: valueAndGrad(fibonacciSwap),
    vjp: vjp(fibonacciSwap),
    points: [[0.6, 1.1], [-0.4, 0.9]],
  },
  {
    name: "alternatingOverwrite",
    f: alternatingOverwrite,
    grad: grad(alternatingOverwrite),
    tape: grad(alternatingOverwrite, { engine: "tape" }),
    wasm: { grad: grad(alternatingOverwrite, { engine: "wasm" }), valueAndGrad: valueAndGrad(alternatingOverwrite, { engine: "wasm" }), jvp: jvp(alternatingOverwrite, { engine: "wasm" }), vjp: vjp(alternatingOverwrite, { engine: "wasm" }) },
    jvp: jvp(alternatingOverwrite),
    valueAndGrad: valueAndGrad(alternatingOverwrite),
    vjp: vjp(alternatingOverwrite),
    points: [[0.7], [1.4]],
  },
  {
    name: "selfAliasing",
    f: selfAliasing,
    grad: grad(selfAliasing),
    tape: grad(selfAliasing, { engine: "tape" }),
    wasm: { grad: grad(selfAliasing, { engine: "wasm" }), valueAndGrad: valueAndGrad(selfAliasing, { engine: "wasm" }), jvp: jvp(selfAliasing, { engine: "wasm" }), vjp: vjp(selfAliasing, { engine: "wasm" }) },
    jvp: jvp(selfAliasing),
    valueAndGrad: valueAndGrad(selfAliasing),
    vjp: vjp(selfAliasing),
    points: [[1.3], [-0.6]],
  },
  {
    name: "logisticMap",
    f: logisticMap,
    grad: grad(logisticMap),
    tape: grad(logisticMap, { engine: "tape" }),
    wasm: { grad: grad(logisticMap, { engine: "wasm" }), valueAndGrad: valueAndGrad(logisticMap, { engine: "wasm" }), jvp: jvp(logisticMap, { engine: "wasm" }), vjp: vjp(logisticMap, { engine: "wasm" }) },
    jvp: jvp(logisticMap),
    valueAndGrad: valueAndGrad(logisticMap),
    vjp: vjp(logisticMap),
    points: [[2.5], [1.7]],
  },
  {
    name: "boolLocals",
    f: boolLocals,
    grad: grad(boolLocals),
    tape: grad(boolLocals, { engine: "tape" }),
    wasm: { grad: grad(boolLocals, { engine: "wasm" }), valueAndGrad: valueAndGrad(boolLocals, { engine: "wasm" }), jvp: jvp(boolLocals, { engine: "wasm" }), vjp: vjp(boolLocals, { engine: "wasm" }) },
    jvp: jvp(boolLocals),
    valueAndGrad: valueAndGrad(boolLocals),
    vjp: vjp(boolLocals),
    points: [[1.5, 0.4], [0.3, 0.9], [0.5, -0.8]],
  },
  {
    name: "boolHelpers",
    f: boolHelpers,
    grad: grad(boolHelpers, { wrt: [0] }),
    tape: grad(boolHelpers, { wrt: [0], engine: "tape" }),
    wasm: { grad: grad(boolHelpers, { wrt: [0], engine: "wasm" }), valueAndGrad: valueAndGrad(boolHelpers, { wrt: [0], engine: "wasm" }), jvp: jvp(boolHelpers, { engine: "wasm" }), vjp: vjp(boolHelpers, { wrt: [0], engine: "wasm" }) },
    jvp: jvp(boolHelpers),
    valueAndGrad: valueAndGrad(boolHelpers, { wrt: [0] }),
    vjp: vjp(boolHelpers, { wrt: [0] }),
    points: [[0.7, true], [0.7, false], [-2.1, true]],
    wrt: [0],
  },
  {
    name: "doWhileContinue",
    f: doWhileContinue,
    grad: grad(doWhileContinue),
    tape: grad(doWhileContinue, { engine: "tape" }),
    wasm: { grad: grad(doWhileContinue, { engine: "wasm" }), valueAndGrad: valueAndGrad(doWhileContinue, { engine: "wasm" }), jvp: jvp(doWhileContinue, { engine: "wasm" }), vjp: vjp(doWhileContinue, { engine: "wasm" }) },
    jvp: jvp(doWhileContinue),
    valueAndGrad: valueAndGrad(doWhileContinue),
    vjp: vjp(doWhileContinue),
    points: [[1.4], [-0.8]],
  },
  {
    name: "whileTrueBreak",
    f: whileTrueBreak,
    grad: grad(whileTrueBreak),
    tape: grad(whileTrueBreak, { engine: "tape" }),
    wasm: { grad: grad(whileTrueBreak, { engine: "wasm" }), valueAndGrad: valueAndGrad(whileTrueBreak, { engine: "wasm" }), jvp: jvp(whileTrueBreak, { engine: "wasm" }), vjp: vjp(whileTrueBreak, { engine: "wasm" }) },
    jvp: jvp(whileTrueBreak),
    valueAndGrad: valueAndGrad(whileTrueBreak),
    vjp: vjp(whileTrueBreak),
    points: [[1.5], [0.5]],
  },
  {
    name: "nestedBreakContinue",
    f: nestedBreakContinue,
    grad: grad(nestedBreakContinue),
    tape: grad(nestedBreakContinue, { engine: "tape" }),
    wasm: { grad: grad(nestedBreakContinue, { engine: "wasm" }), valueAndGrad: valueAndGrad(nestedBreakContinue, { engine: "wasm" }), jvp: jvp(nestedBreakContinue, { engine: "wasm" }), vjp: vjp(nestedBreakContinue, { engine: "wasm" }) },
    jvp: jvp(nestedBreakContinue),
    valueAndGrad: valueAndGrad(nestedBreakContinue),
    vjp: vjp(nestedBreakContinue),
    points: [[0.8], [-1.3]],
  },
  {
    name: "returnFromNestedLoops",
    f: returnFromNestedLoops,
    grad: grad(returnFromNestedLoops),
    tape: grad(returnFromNestedLoops, { engine: "tape" }),
    wasm: { grad: grad(returnFromNestedLoops, { engine: "wasm" }), valueAndGrad: valueAndGrad(returnFromNestedLoops, { engine: "wasm" }), jvp: jvp(returnFromNestedLoops, { engine: "wasm" }), vjp: vjp(returnFromNestedLoops, { engine: "wasm" }) },
    jvp: jvp(returnFromNestedLoops),
    valueAndGrad: valueAndGrad(returnFromNestedLoops),
    vjp: vjp(returnFromNestedLoops),
    points: [[0.9], [0.2], [-0.5]],
  },
  {
    name: "helperMutatesParam",
    f: helperMutatesParam,
    grad: grad(helperMutatesParam),
    tape: grad(helperMutatesParam, { engine: "tape" }),
    wasm: { grad: grad(helperMutatesParam, { engine: "wasm" }), valueAndGrad: valueAndGrad(helperMutatesParam, { engine: "wasm" }), jvp: jvp(helperMutatesParam, { engine: "wasm" }), vjp: vjp(helperMutatesParam, { engine: "wasm" }) },
    jvp: jvp(helperMutatesParam),
    valueAndGrad: valueAndGrad(helperMutatesParam),
    vjp: vjp(helperMutatesParam),
    points: [[1.3], [-0.4]],
  },
  {
    name: "helperInCondition",
    f: helperInCondition,
    grad: grad(helperInCondition),
    tape: grad(helperInCondition, { engine: "tape" }),
    wasm: { grad: grad(helperInCondition, { engine: "wasm" }), valueAndGrad: valueAndGrad(helperInCondition, { engine: "wasm" }), jvp: jvp(helperInCondition, { engine: "wasm" }), vjp: vjp(helperInCondition, { engine: "wasm" }) },
    jvp: jvp(helperInCondition),
    valueAndGrad: valueAndGrad(helperInCondition),
    vjp: vjp(helperInCondition),
    points: [[1.3], [0.8]],
  },
  {
    name: "loopLocalBranches",
    f: loopLocalBranches,
    grad: grad(loopLocalBranches),
    tape: grad(loopLocalBranches, { engine: "tape" }),
    wasm: { grad: grad(loopLocalBranches, { engine: "wasm" }), valueAndGrad: valueAndGrad(loopLocalBranches, { engine: "wasm" }), jvp: jvp(loopLocalBranches, { engine: "wasm" }), vjp: vjp(loopLocalBranches, { engine: "wasm" }) },
    jvp: jvp(loopLocalBranches),
    valueAndGrad: valueAndGrad(loopLocalBranches),
    vjp: vjp(loopLocalBranches),
    points: [[0.7], [-1.2]],
  },
  {
    name: "collidingNames",
    f: collidingNames,
    grad: grad(collidingNames),
    tape: grad(collidingNames, { engine: "tape" }),
    wasm: { grad: grad(collidingNames, { engine: "wasm" }), valueAndGrad: valueAndGrad(collidingNames, { engine: "wasm" }), jvp: jvp(collidingNames, { engine: "wasm" }), vjp: vjp(collidingNames, { engine: "wasm" }) },
    jvp: jvp(collidingNames),
    valueAndGrad: valueAndGrad(collidingNames),
    vjp: vjp(collidingNames),
    points: [[0.7, 1.3], [-0.4, 0.8]],
  },
  {
    name: "multiDeclRemainder",
    f: multiDeclRemainder,
    grad: grad(multiDeclRemainder),
    tape: grad(multiDeclRemainder, { engine: "tape" }),
    wasm: { grad: grad(multiDeclRemainder, { engine: "wasm" }), valueAndGrad: valueAndGrad(multiDeclRemainder, { engine: "wasm" }), jvp: jvp(multiDeclRemainder, { engine: "wasm" }), vjp: vjp(multiDeclRemainder, { engine: "wasm" }) },
    jvp: jvp(multiDeclRemainder),
    valueAndGrad: valueAndGrad(multiDeclRemainder),
    vjp: vjp(multiDeclRemainder),
    points: [[1.3, 1.7], [2.2, -1.5]],
  },
  {
    name: "countDown",
    f: countDown,
    grad: grad(countDown, { wrt: [0] }),
    tape: grad(countDown, { wrt: [0], engine: "tape" }),
    wasm: { grad: grad(countDown, { wrt: [0], engine: "wasm" }), valueAndGrad: valueAndGrad(countDown, { wrt: [0], engine: "wasm" }), jvp: jvp(countDown, { engine: "wasm" }), vjp: vjp(countDown, { wrt: [0], engine: "wasm" }) },
    jvp: jvp(countDown),
    valueAndGrad: valueAndGrad(countDown, { wrt: [0] }),
    vjp: vjp(countDown, { wrt: [0] }),
    points: [[0.7, 4], [1.3, 0], [-0.6, 7]],
    wrt: [0],
  },
  {
    name: "tdUpdates",
    f: tdUpdates,
    grad: grad(tdUpdates),
    tape: grad(tdUpdates, { engine: "tape" }),
    wasm: { grad: grad(tdUpdates, { engine: "wasm" }), valueAndGrad: valueAndGrad(tdUpdates, { engine: "wasm" }), jvp: jvp(tdUpdates, { engine: "wasm" }), vjp: vjp(tdUpdates, { engine: "wasm" }) },
    jvp: jvp(tdUpdates),
    valueAndGrad: valueAndGrad(tdUpdates),
    vjp: vjp(tdUpdates),
    points: [[0.4, 1.2], [-1.1, 0.5]],
    // The targets are constants: replay them, frozen at the point, in a surrogate.
    fd: (w0: number, r0: number) => {
      const targets: number[] = [];
      let v0 = w0;
      for (let i = 0; i < 5; i++) {
        targets.push(r0 + 0.9 * v0);
        v0 = v0 + 0.5 * (targets[i] - v0);
      }
      return (w: number) => {
        let v = w;
        for (let i = 0; i < 5; i++) v = v + 0.5 * (targets[i] - v);
        return v * v;
      };
    },
  },
  {
    name: "stopInHelper",
    f: stopInHelper,
    grad: grad(stopInHelper),
    tape: grad(stopInHelper, { engine: "tape" }),
    wasm: { grad: grad(stopInHelper, { engine: "wasm" }), valueAndGrad: valueAndGrad(stopInHelper, { engine: "wasm" }), jvp: jvp(stopInHelper, { engine: "wasm" }), vjp: vjp(stopInHelper, { engine: "wasm" }) },
    jvp: jvp(stopInHelper),
    valueAndGrad: valueAndGrad(stopInHelper),
    vjp: vjp(stopInHelper),
    points: [[1.3, 0.4], [-0.8, 2]],
    fd: (x0: number) => (x: number, y: number) => x * (x0 * x0) + y * x,
  },
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
    expect(cases.length).toBeGreaterThanOrEqual(45);
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

  it.each(rows)("$id: the tape engine gives the compiled gradient", ({ c, point, id }) => {
    const tape = c.tape(...point) as number[];
    expectClose(Float64Array.from(tape), Float64Array.from(reverseGradient(c, point)), MODES_TOL, `${id} tape vs compiled`);
  });

  it.each(rows)("$id: the wasm engine computes what the compiled engine computes", ({ c, point, id }) => {
    // The wasm module runs the compiled engine's operations in the same order: equal to 1e-12 (in practice, bit for bit).
    expectClose(Float64Array.from(c.wasm.grad(...point) as number[]), Float64Array.from(reverseGradient(c, point)), WASM_TOL, `${id} wasm grad`);
    const [value, g] = c.wasm.valueAndGrad(...point);
    const [compiledValue, compiledGradient] = c.valueAndGrad(...point);
    expectClose(value, compiledValue, WASM_TOL, `${id} wasm valueAndGrad value`);
    expectClose(Float64Array.from(g as number[]), Float64Array.from(compiledGradient as number[]), WASM_TOL, `${id} wasm valueAndGrad gradient`);
    const direction = point.map((_, k) => (wrtOf(c, point).includes(k) ? 0.5 - 0.75 * k + 0.3 * k * k : 0));
    expectClose(Float64Array.from(c.wasm.jvp(point, direction)), Float64Array.from(c.jvp(point, direction)), WASM_TOL, `${id} wasm jvp`);
    const [vjpValue, pullback] = c.wasm.vjp(...point);
    const [compiledVjpValue, compiledPullback] = c.vjp(...point);
    expectClose(vjpValue, compiledVjpValue, WASM_TOL, `${id} wasm vjp value`);
    expectClose(Float64Array.from(pullback(-2.5) as number[]), Float64Array.from(compiledPullback(-2.5) as number[]), WASM_TOL, `${id} wasm pullback`);
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

describe("wrt forms on corpus functions", () => {
  it("a single index gives a single gradient; a list gives gradients in the order listed", () => {
    const p = [0.8, 0.5];
    const fd = [numericPartial(rosenbrock, p, 0) as number, numericPartial(rosenbrock, p, 1) as number];
    const gy = grad(rosenbrock, { wrt: 1 })(0.8, 0.5);
    expect(typeof gy).toBe("number");
    expectClose(gy, fd[1], FD_TOL, "grad(rosenbrock, { wrt: 1 })");
    const swapped = grad(rosenbrock, { wrt: [1, 0] })(0.8, 0.5);
    expectClose(Float64Array.from(swapped), Float64Array.from([fd[1], fd[0]]), FD_TOL, "grad(rosenbrock, { wrt: [1, 0] })");
  });

  it("valueAndGrad and vjp with a single index", () => {
    const p = [0.3, -0.2, 1.4];
    const dSigma = numericPartial(gaussianPdf, p, 2) as number;
    const [value, g] = valueAndGrad(gaussianPdf, { wrt: 2 })(0.3, -0.2, 1.4);
    expectClose(value, gaussianPdf(0.3, -0.2, 1.4), VALUE_TOL, "value");
    expect(typeof g).toBe("number");
    expectClose(g, dSigma, FD_TOL, "valueAndGrad(gaussianPdf, { wrt: 2 })");
    const [v2, pullback] = vjp(gaussianPdf, { wrt: 2 })(0.3, -0.2, 1.4);
    expectClose(v2, value, VALUE_TOL, "vjp value");
    expectClose(pullback(-3), -3 * g, MODES_TOL, "vjp(gaussianPdf, { wrt: 2 }) pullback(-3)");
  });

  it("the weights of a logistic loss without its data parameters", () => {
    const p = [0.8, -0.2, 1.5, 1];
    const fd = [numericPartial(logisticLoss, p, 0) as number, numericPartial(logisticLoss, p, 1) as number];
    const [, pullback] = vjp(logisticLoss, { wrt: [0, 1] })(0.8, -0.2, 1.5, 1);
    expectClose(Float64Array.from(pullback(0.5)), Float64Array.from(fd.map((d) => 0.5 * d)), FD_TOL, "vjp(logisticLoss, { wrt: [0, 1] })");
  });

  it("integer-valued parameters used only as trip counts get gradient 0 when left in wrt", () => {
    expect(grad(sinSeries)(0.9, 6)[1]).toBe(0);
    expect(grad(intPower)(1.3, 5)[1]).toBe(0);
    expect(grad(compoundInterest)(100, 0.13, 12)[2]).toBe(0);
    expectClose(grad(intPower)(1.3, 5)[0], numericPartial(intPower, [1.3, 5], 0) as number, FD_TOL, "grad(intPower)[0]");
  });
});
