/**
 * The array corpus (test/fixtures/arrays.ts): every function is differentiated three ways —
 * reverse mode (`grad`), forward mode (`jvp` along every coordinate: each scalar parameter and
 * each element of each array parameter) and Richardson central differences — and the three must
 * agree: reverse and forward to 1e-10, both with finite differences to 1e-6. `jvp` along a random
 * mixed direction must equal the gradient's dot product with it; `valueAndGrad`, `vjp` and `jvp`
 * must return f's own value; the `vjp` pullback must scale the gradient by the cotangent.
 *
 * An array parameter's gradient is a Float64Array of the same length, in every API form.
 * Elements that cannot influence the result must get a gradient of exactly 0.
 *
 * Every call gets fresh copies of the evaluation point, because some corpus functions write into
 * their array parameters (as scratch space, or in place): derivatives are always taken at the
 * point as given, before f changes it.
 *
 * No expected number here comes from gradc: finite differences and the cross-mode comparison are
 * the independent checks.
 */
import { describe, expect, it } from "vitest";
import { grad, jvp, valueAndGrad, vjp } from "gradc";
import { expectClose, numericPartial } from "./support/numeric.js";
import {
  dot,
  sumOfSquares,
  weightedSum,
  logSumExp,
  softmaxCrossEntropy,
  softmaxExpectation,
  prefixProducts,
  cumulativeSums,
  suffixSums,
  sizedLocal,
  movingAverage,
  convolution1d,
  maxPool,
  layerNorm,
  matVecTanh,
  matVecTanhSized,
  scatterAccumulate,
  matMulFrobenius,
  triangularPairs,
  mlpHuber,
  logisticRegression,
  leakyLayer,
  inPlaceRecurrence,
  inPlaceParamRecurrence,
  scratchParam,
  squashInPlace,
  descentSteps,
  diffusionSteps,
  freshArrayPerIteration,
  mirrorAdd,
  compoundElementOps,
  manySweeps,
  whileInPlace,
  gaussSeidel,
  tridiagonalSolve,
  sortedWeights,
  hornerArray,
  rosenbrockN,
  breakContinue,
  earlyReturnScan,
  whileBudget,
  doWhileArray,
  reversedFold,
  stridedAccess,
  helperDots,
  nestedHelpers,
  helperWithLocalArray,
  importedArrayHelpers,
  gatherScatter,
  lerpLookup,
  numberArrays,
  unusedElements,
  mixedParams,
  layeredNetwork,
  rotations,
} from "./fixtures/arrays.js";

type Fn = (...args: any[]) => any;
type Value = number | Float64Array | number[];
type Grad = number | Float64Array;

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
  /** Evaluation points, each away from kinks, branch boundaries and singularities. */
  points: Value[][];
  /** Differentiated parameter indices (default: all). Integer parameters are left out. */
  wrt?: number[];
  /** Per parameter index, the elements whose gradient must be exactly 0 at every point ([0] for a scalar). */
  zeros?: Record<number, number[]>;
  /** f writes into its array parameters. */
  mutates?: boolean;
}

/** Reverse vs forward mode: both exact up to rounding. */
const MODES_TOL = 1e-10;
/** Either mode vs Richardson central differences. */
const FD_TOL = 1e-6;
/** The wasm engine vs the compiled engine (both float64). */
const WASM_TOL = 1e-12;
/** The value returned beside a derivative vs f's own value. */
const VALUE_TOL = 1e-14;

const F = (...xs: number[]) => Float64Array.from(xs);

// Shared evaluation data.
const W34 = F(0.4, -0.3, 0.8, 0.15, -0.6, 0.5, 0.2, -0.35, 0.7, 0.1, -0.9, 0.45);
const X4 = F(0.7, -0.4, 1.2, 0.3);
const MLP = {
  W1: F(0.4, -0.3, 0.8, -0.6, 0.5, 0.2, 0.7, 0.1, -0.9, -0.2, -0.8, 0.3),
  b1: F(0.1, -0.05, 0.2, -0.1),
  W2: F(0.9, -0.4, 0.6, 0.3, -0.5, 1.1, 0.2, 0.7),
  b2: F(0.05, -0.1),
};

const cases: Case[] = [
  {
    name: "dot",
    f: dot,
    grad: grad(dot),
    tape: grad(dot, { engine: "tape" }),
    wasm: { grad: grad(dot, { engine: "wasm" }), valueAndGrad: valueAndGrad(dot, { engine: "wasm" }), jvp: jvp(dot, { engine: "wasm" }), vjp: vjp(dot, { engine: "wasm" }) },
    jvp: jvp(dot),
    valueAndGrad: valueAndGrad(dot),
    vjp: vjp(dot),
    points: [
      [F(0.3, -1.2, 0.7, 2.1), F(1.1, 0.4, -0.9, 0.25)],
      [F(0.5), F(-2)],
    ],
  },
  {
    name: "sumOfSquares",
    f: sumOfSquares,
    grad: grad(sumOfSquares),
    tape: grad(sumOfSquares, { engine: "tape" }),
    wasm: { grad: grad(sumOfSquares, { engine: "wasm" }), valueAndGrad: valueAndGrad(sumOfSquares, { engine: "wasm" }), jvp: jvp(sumOfSquares, { engine: "wasm" }), vjp: vjp(sumOfSquares, { engine: "wasm" }) },
    jvp: jvp(sumOfSquares),
    valueAndGrad: valueAndGrad(sumOfSquares),
    vjp: vjp(sumOfSquares),
    points: [[F(0.3, -1.2, 0.7, 2.1, -0.4)], [F(1.5)], [F()]],
  },
  {
    name: "weightedSum",
    f: weightedSum,
    grad: grad(weightedSum),
    tape: grad(weightedSum, { engine: "tape" }),
    wasm: { grad: grad(weightedSum, { engine: "wasm" }), valueAndGrad: valueAndGrad(weightedSum, { engine: "wasm" }), jvp: jvp(weightedSum, { engine: "wasm" }), vjp: vjp(weightedSum, { engine: "wasm" }) },
    jvp: jvp(weightedSum),
    valueAndGrad: valueAndGrad(weightedSum),
    vjp: vjp(weightedSum),
    points: [
      [F(0.2, -0.7, 1.3), F(0.9, 0.1, -0.6), 1.4],
      [F(-0.5, 0.8), F(1.2, -0.3), -0.6],
    ],
  },
  {
    name: "logSumExp",
    f: logSumExp,
    grad: grad(logSumExp),
    tape: grad(logSumExp, { engine: "tape" }),
    wasm: { grad: grad(logSumExp, { engine: "wasm" }), valueAndGrad: valueAndGrad(logSumExp, { engine: "wasm" }), jvp: jvp(logSumExp, { engine: "wasm" }), vjp: vjp(logSumExp, { engine: "wasm" }) },
    jvp: jvp(logSumExp),
    valueAndGrad: valueAndGrad(logSumExp),
    vjp: vjp(logSumExp),
    points: [[F(0.3, -1.2, 2.7, 0.8)], [F(5, 4.2, -3, 5.1)], [F(-0.4)]],
  },
  {
    name: "softmaxCrossEntropy",
    f: softmaxCrossEntropy,
    grad: grad(softmaxCrossEntropy, { wrt: [0] }),
    tape: grad(softmaxCrossEntropy, { wrt: [0], engine: "tape" }),
    wasm: { grad: grad(softmaxCrossEntropy, { wrt: [0], engine: "wasm" }), valueAndGrad: valueAndGrad(softmaxCrossEntropy, { wrt: [0], engine: "wasm" }), jvp: jvp(softmaxCrossEntropy, { engine: "wasm" }), vjp: vjp(softmaxCrossEntropy, { wrt: [0], engine: "wasm" }) },
    jvp: jvp(softmaxCrossEntropy),
    valueAndGrad: valueAndGrad(softmaxCrossEntropy, { wrt: [0] }),
    vjp: vjp(softmaxCrossEntropy, { wrt: [0] }),
    points: [
      [F(0.3, -1.2, 2.7, 0.8), 2],
      [F(0.3, -1.2, 2.7, 0.8), 1],
      [F(1.1, 0.2, -0.4), 0],
    ],
    wrt: [0],
  },
  {
    name: "softmaxExpectation",
    f: softmaxExpectation,
    grad: grad(softmaxExpectation),
    tape: grad(softmaxExpectation, { engine: "tape" }),
    wasm: { grad: grad(softmaxExpectation, { engine: "wasm" }), valueAndGrad: valueAndGrad(softmaxExpectation, { engine: "wasm" }), jvp: jvp(softmaxExpectation, { engine: "wasm" }), vjp: vjp(softmaxExpectation, { engine: "wasm" }) },
    jvp: jvp(softmaxExpectation),
    valueAndGrad: valueAndGrad(softmaxExpectation),
    vjp: vjp(softmaxExpectation),
    points: [[F(0.5, -0.3, 1.2, 0.1), F(2, -1, 0.5, 3)]],
  },
  {
    name: "prefixProducts",
    f: prefixProducts,
    grad: grad(prefixProducts),
    tape: grad(prefixProducts, { engine: "tape" }),
    wasm: { grad: grad(prefixProducts, { engine: "wasm" }), valueAndGrad: valueAndGrad(prefixProducts, { engine: "wasm" }), jvp: jvp(prefixProducts, { engine: "wasm" }), vjp: vjp(prefixProducts, { engine: "wasm" }) },
    jvp: jvp(prefixProducts),
    valueAndGrad: valueAndGrad(prefixProducts),
    vjp: vjp(prefixProducts),
    points: [[F(1.2, 0.8, -1.1, 0.9, 1.3)], [F(0.6, 2)]],
  },
  {
    name: "cumulativeSums",
    f: cumulativeSums,
    grad: grad(cumulativeSums),
    tape: grad(cumulativeSums, { engine: "tape" }),
    wasm: { grad: grad(cumulativeSums, { engine: "wasm" }), valueAndGrad: valueAndGrad(cumulativeSums, { engine: "wasm" }), jvp: jvp(cumulativeSums, { engine: "wasm" }), vjp: vjp(cumulativeSums, { engine: "wasm" }) },
    jvp: jvp(cumulativeSums),
    valueAndGrad: valueAndGrad(cumulativeSums),
    vjp: vjp(cumulativeSums),
    points: [[F(0.4, -0.3, 0.9, 0.2, -0.6, 0.5)]],
  },
  {
    name: "suffixSums",
    f: suffixSums,
    grad: grad(suffixSums),
    tape: grad(suffixSums, { engine: "tape" }),
    wasm: { grad: grad(suffixSums, { engine: "wasm" }), valueAndGrad: valueAndGrad(suffixSums, { engine: "wasm" }), jvp: jvp(suffixSums, { engine: "wasm" }), vjp: vjp(suffixSums, { engine: "wasm" }) },
    jvp: jvp(suffixSums),
    valueAndGrad: valueAndGrad(suffixSums),
    vjp: vjp(suffixSums),
    points: [[F(0.4, -0.3, 0.9, 0.2, -0.6)]],
  },
  {
    name: "sizedLocal",
    f: sizedLocal,
    grad: grad(sizedLocal, { wrt: [0] }),
    tape: grad(sizedLocal, { wrt: [0], engine: "tape" }),
    wasm: { grad: grad(sizedLocal, { wrt: [0], engine: "wasm" }), valueAndGrad: valueAndGrad(sizedLocal, { wrt: [0], engine: "wasm" }), jvp: jvp(sizedLocal, { engine: "wasm" }), vjp: vjp(sizedLocal, { wrt: [0], engine: "wasm" }) },
    jvp: jvp(sizedLocal),
    valueAndGrad: valueAndGrad(sizedLocal, { wrt: [0] }),
    vjp: vjp(sizedLocal, { wrt: [0] }),
    points: [
      [F(0.5, -0.2, 0.8), 3],
      [F(0.5, -0.2, 0.8), 0],
    ],
    wrt: [0],
  },
  {
    name: "movingAverage",
    f: movingAverage,
    grad: grad(movingAverage),
    tape: grad(movingAverage, { engine: "tape" }),
    wasm: { grad: grad(movingAverage, { engine: "wasm" }), valueAndGrad: valueAndGrad(movingAverage, { engine: "wasm" }), jvp: jvp(movingAverage, { engine: "wasm" }), vjp: vjp(movingAverage, { engine: "wasm" }) },
    jvp: jvp(movingAverage),
    valueAndGrad: valueAndGrad(movingAverage),
    vjp: vjp(movingAverage),
    points: [[F(0.5, -0.2, 0.8, 1.1, -0.4), 0.3]],
  },
  {
    name: "convolution1d",
    f: convolution1d,
    grad: grad(convolution1d),
    tape: grad(convolution1d, { engine: "tape" }),
    wasm: { grad: grad(convolution1d, { engine: "wasm" }), valueAndGrad: valueAndGrad(convolution1d, { engine: "wasm" }), jvp: jvp(convolution1d, { engine: "wasm" }), vjp: vjp(convolution1d, { engine: "wasm" }) },
    jvp: jvp(convolution1d),
    valueAndGrad: valueAndGrad(convolution1d),
    vjp: vjp(convolution1d),
    points: [[F(0.5, -0.2, 0.8, 1.1, -0.4, 0.3, 0.9), F(0.3, -0.5, 0.2)]],
  },
  {
    name: "maxPool",
    f: maxPool,
    grad: grad(maxPool),
    tape: grad(maxPool, { engine: "tape" }),
    wasm: { grad: grad(maxPool, { engine: "wasm" }), valueAndGrad: valueAndGrad(maxPool, { engine: "wasm" }), jvp: jvp(maxPool, { engine: "wasm" }), vjp: vjp(maxPool, { engine: "wasm" }) },
    jvp: jvp(maxPool),
    valueAndGrad: valueAndGrad(maxPool),
    vjp: vjp(maxPool),
    // Windows (0.5, −0.2), (0.8, 1.1), (−0.4, 0.3); the seventh element is in no window.
    points: [[F(0.5, -0.2, 0.8, 1.1, -0.4, 0.3, 0.9)]],
    zeros: { 0: [1, 2, 4, 6] },
  },
  {
    name: "layerNorm",
    f: layerNorm,
    grad: grad(layerNorm),
    tape: grad(layerNorm, { engine: "tape" }),
    wasm: { grad: grad(layerNorm, { engine: "wasm" }), valueAndGrad: valueAndGrad(layerNorm, { engine: "wasm" }), jvp: jvp(layerNorm, { engine: "wasm" }), vjp: vjp(layerNorm, { engine: "wasm" }) },
    jvp: jvp(layerNorm),
    valueAndGrad: valueAndGrad(layerNorm),
    vjp: vjp(layerNorm),
    points: [[F(0.5, -0.2, 0.8, 1.1, -0.4), F(1, 0.5, -0.3, 1.2, 0.8), F(0.1, 0, -0.2, 0.3, 0.05)]],
  },
  {
    name: "matVecTanh",
    f: matVecTanh,
    grad: grad(matVecTanh),
    tape: grad(matVecTanh, { engine: "tape" }),
    wasm: { grad: grad(matVecTanh, { engine: "wasm" }), valueAndGrad: valueAndGrad(matVecTanh, { engine: "wasm" }), jvp: jvp(matVecTanh, { engine: "wasm" }), vjp: vjp(matVecTanh, { engine: "wasm" }) },
    jvp: jvp(matVecTanh),
    valueAndGrad: valueAndGrad(matVecTanh),
    vjp: vjp(matVecTanh),
    points: [[W34, X4, F(0.1, -0.2, 0.05)]],
  },
  {
    name: "matVecTanhSized",
    f: matVecTanhSized,
    grad: grad(matVecTanhSized, { wrt: [0, 1] }),
    tape: grad(matVecTanhSized, { wrt: [0, 1], engine: "tape" }),
    wasm: { grad: grad(matVecTanhSized, { wrt: [0, 1], engine: "wasm" }), valueAndGrad: valueAndGrad(matVecTanhSized, { wrt: [0, 1], engine: "wasm" }), jvp: jvp(matVecTanhSized, { engine: "wasm" }), vjp: vjp(matVecTanhSized, { wrt: [0, 1], engine: "wasm" }) },
    jvp: jvp(matVecTanhSized),
    valueAndGrad: valueAndGrad(matVecTanhSized, { wrt: [0, 1] }),
    vjp: vjp(matVecTanhSized, { wrt: [0, 1] }),
    points: [
      [W34, X4, 3, 4],
      // Two rows of three columns: the matrix's last six entries and x's last element are unused.
      [W34, X4, 2, 3],
    ],
    wrt: [0, 1],
  },
  {
    name: "scatterAccumulate",
    f: scatterAccumulate,
    grad: grad(scatterAccumulate, { wrt: [0, 1] }),
    tape: grad(scatterAccumulate, { wrt: [0, 1], engine: "tape" }),
    wasm: { grad: grad(scatterAccumulate, { wrt: [0, 1], engine: "wasm" }), valueAndGrad: valueAndGrad(scatterAccumulate, { wrt: [0, 1], engine: "wasm" }), jvp: jvp(scatterAccumulate, { engine: "wasm" }), vjp: vjp(scatterAccumulate, { wrt: [0, 1], engine: "wasm" }) },
    jvp: jvp(scatterAccumulate),
    valueAndGrad: valueAndGrad(scatterAccumulate, { wrt: [0, 1] }),
    vjp: vjp(scatterAccumulate, { wrt: [0, 1] }),
    points: [[W34, X4, 3]],
    wrt: [0, 1],
  },
  {
    name: "matMulFrobenius",
    f: matMulFrobenius,
    grad: grad(matMulFrobenius, { wrt: [0, 1] }),
    tape: grad(matMulFrobenius, { wrt: [0, 1], engine: "tape" }),
    wasm: { grad: grad(matMulFrobenius, { wrt: [0, 1], engine: "wasm" }), valueAndGrad: valueAndGrad(matMulFrobenius, { wrt: [0, 1], engine: "wasm" }), jvp: jvp(matMulFrobenius, { engine: "wasm" }), vjp: vjp(matMulFrobenius, { wrt: [0, 1], engine: "wasm" }) },
    jvp: jvp(matMulFrobenius),
    valueAndGrad: valueAndGrad(matMulFrobenius, { wrt: [0, 1] }),
    vjp: vjp(matMulFrobenius, { wrt: [0, 1] }),
    points: [
      [F(0.4, -0.3, 0.8, 0.15, -0.6, 0.5, 0.2, -0.35, 0.7), F(1.1, 0.2, -0.5, 0.3, 0.9, 0.4, -0.7, 0.6, 1.3), 3],
      [F(0.4, -0.3, 0.8, 0.15), F(1.1, 0.2, -0.5, 0.3), 2],
    ],
    wrt: [0, 1],
  },
  {
    name: "triangularPairs",
    f: triangularPairs,
    grad: grad(triangularPairs),
    tape: grad(triangularPairs, { engine: "tape" }),
    wasm: { grad: grad(triangularPairs, { engine: "wasm" }), valueAndGrad: valueAndGrad(triangularPairs, { engine: "wasm" }), jvp: jvp(triangularPairs, { engine: "wasm" }), vjp: vjp(triangularPairs, { engine: "wasm" }) },
    jvp: jvp(triangularPairs),
    valueAndGrad: valueAndGrad(triangularPairs),
    vjp: vjp(triangularPairs),
    points: [[F(0.5, -0.2, 0.8, 1.1, -0.4)]],
  },
  {
    name: "mlpHuber",
    f: mlpHuber,
    grad: grad(mlpHuber),
    tape: grad(mlpHuber, { engine: "tape" }),
    wasm: { grad: grad(mlpHuber, { engine: "wasm" }), valueAndGrad: valueAndGrad(mlpHuber, { engine: "wasm" }), jvp: jvp(mlpHuber, { engine: "wasm" }), vjp: vjp(mlpHuber, { engine: "wasm" }) },
    jvp: jvp(mlpHuber),
    valueAndGrad: valueAndGrad(mlpHuber),
    vjp: vjp(mlpHuber),
    // Pre-activations (1.46, −0.43, −0.43, 0.44) and (−0.13, 0.76, −0.33, −0.63); output
    // errors (−1.504, −0.722) and (−0.654, 2.336): both ReLU sides, both Huber branches.
    points: [
      [MLP.W1, MLP.b1, MLP.W2, MLP.b2, F(0.7, -0.4, 1.2), F(3, 0.2)],
      [MLP.W1, MLP.b1, MLP.W2, MLP.b2, F(-0.5, 0.9, 0.3), F(0.4, -1.6)],
    ],
  },
  {
    name: "mlpHuber/weights",
    f: mlpHuber,
    grad: grad(mlpHuber, { wrt: [0, 1, 2, 3] }),
    tape: grad(mlpHuber, { wrt: [0, 1, 2, 3], engine: "tape" }),
    wasm: { grad: grad(mlpHuber, { wrt: [0, 1, 2, 3], engine: "wasm" }), valueAndGrad: valueAndGrad(mlpHuber, { wrt: [0, 1, 2, 3], engine: "wasm" }), jvp: jvp(mlpHuber, { engine: "wasm" }), vjp: vjp(mlpHuber, { wrt: [0, 1, 2, 3], engine: "wasm" }) },
    jvp: jvp(mlpHuber),
    valueAndGrad: valueAndGrad(mlpHuber, { wrt: [0, 1, 2, 3] }),
    vjp: vjp(mlpHuber, { wrt: [0, 1, 2, 3] }),
    points: [[MLP.W1, MLP.b1, MLP.W2, MLP.b2, F(0.7, -0.4, 1.2), F(3, 0.2)]],
    wrt: [0, 1, 2, 3],
    // Hidden units 1 and 2 are inactive (z < 0): their incoming weights and biases get no gradient.
    zeros: { 0: [3, 4, 5, 6, 7, 8], 1: [1, 2] },
  },
  {
    name: "logisticRegression",
    f: logisticRegression,
    grad: grad(logisticRegression, { wrt: [0, 1] }),
    tape: grad(logisticRegression, { wrt: [0, 1], engine: "tape" }),
    wasm: { grad: grad(logisticRegression, { wrt: [0, 1], engine: "wasm" }), valueAndGrad: valueAndGrad(logisticRegression, { wrt: [0, 1], engine: "wasm" }), jvp: jvp(logisticRegression, { engine: "wasm" }), vjp: vjp(logisticRegression, { wrt: [0, 1], engine: "wasm" }) },
    jvp: jvp(logisticRegression),
    valueAndGrad: valueAndGrad(logisticRegression, { wrt: [0, 1] }),
    vjp: vjp(logisticRegression, { wrt: [0, 1] }),
    points: [[F(0.3, -0.8, 0.5), 0.1, F(1, 0.5, -0.2, -0.3, 1.2, 0.8, 0.7, -0.9, 0.4, -1.1, 0.2, 0.6), F(1, -1, 1, -1)]],
    wrt: [0, 1],
  },
  {
    name: "leakyLayer",
    f: leakyLayer,
    grad: grad(leakyLayer, { wrt: [0, 1] }),
    tape: grad(leakyLayer, { wrt: [0, 1], engine: "tape" }),
    wasm: { grad: grad(leakyLayer, { wrt: [0, 1], engine: "wasm" }), valueAndGrad: valueAndGrad(leakyLayer, { wrt: [0, 1], engine: "wasm" }), jvp: jvp(leakyLayer, { engine: "wasm" }), vjp: vjp(leakyLayer, { wrt: [0, 1], engine: "wasm" }) },
    jvp: jvp(leakyLayer),
    valueAndGrad: valueAndGrad(leakyLayer, { wrt: [0, 1] }),
    vjp: vjp(leakyLayer, { wrt: [0, 1] }),
    // Pre-activations 1.43, −0.38, −0.63, 0.77.
    points: [[F(0.5, -0.3, 0.8, -0.6, 0.5, 0.2, 0.7, 0.1, -0.9, 0.3, 0.4, 0.6), F(0.7, -0.4, 1.2), 4]],
    wrt: [0, 1],
  },
  {
    name: "inPlaceRecurrence",
    f: inPlaceRecurrence,
    grad: grad(inPlaceRecurrence, { wrt: [0] }),
    tape: grad(inPlaceRecurrence, { wrt: [0], engine: "tape" }),
    wasm: { grad: grad(inPlaceRecurrence, { wrt: [0], engine: "wasm" }), valueAndGrad: valueAndGrad(inPlaceRecurrence, { wrt: [0], engine: "wasm" }), jvp: jvp(inPlaceRecurrence, { engine: "wasm" }), vjp: vjp(inPlaceRecurrence, { wrt: [0], engine: "wasm" }) },
    jvp: jvp(inPlaceRecurrence),
    valueAndGrad: valueAndGrad(inPlaceRecurrence, { wrt: [0] }),
    vjp: vjp(inPlaceRecurrence, { wrt: [0] }),
    points: [
      [F(0.3, 0.5, -0.4, 0.7), 3],
      [F(0.3, 0.5, -0.4, 0.7, 0.2), 5],
      [F(0.3, 0.5), 0],
    ],
    wrt: [0],
  },
  {
    name: "inPlaceParamRecurrence",
    f: inPlaceParamRecurrence,
    grad: grad(inPlaceParamRecurrence),
    tape: grad(inPlaceParamRecurrence, { engine: "tape" }),
    wasm: { grad: grad(inPlaceParamRecurrence, { engine: "wasm" }), valueAndGrad: valueAndGrad(inPlaceParamRecurrence, { engine: "wasm" }), jvp: jvp(inPlaceParamRecurrence, { engine: "wasm" }), vjp: vjp(inPlaceParamRecurrence, { engine: "wasm" }) },
    jvp: jvp(inPlaceParamRecurrence),
    valueAndGrad: valueAndGrad(inPlaceParamRecurrence),
    vjp: vjp(inPlaceParamRecurrence),
    points: [[F(0.3, 0.5, -0.4, 0.7)]],
    mutates: true,
  },
  {
    name: "scratchParam",
    f: scratchParam,
    grad: grad(scratchParam),
    tape: grad(scratchParam, { engine: "tape" }),
    wasm: { grad: grad(scratchParam, { engine: "wasm" }), valueAndGrad: valueAndGrad(scratchParam, { engine: "wasm" }), jvp: jvp(scratchParam, { engine: "wasm" }), vjp: vjp(scratchParam, { engine: "wasm" }) },
    jvp: jvp(scratchParam),
    valueAndGrad: valueAndGrad(scratchParam),
    vjp: vjp(scratchParam),
    // The scratch array's initial contents are overwritten before they are read.
    points: [[F(0.5, -0.2, 0.8, 1.1), F(9, -9, 9, 9)]],
    zeros: { 1: [0, 1, 2, 3] },
    mutates: true,
  },
  {
    name: "squashInPlace",
    f: squashInPlace,
    grad: grad(squashInPlace),
    tape: grad(squashInPlace, { engine: "tape" }),
    wasm: { grad: grad(squashInPlace, { engine: "wasm" }), valueAndGrad: valueAndGrad(squashInPlace, { engine: "wasm" }), jvp: jvp(squashInPlace, { engine: "wasm" }), vjp: vjp(squashInPlace, { engine: "wasm" }) },
    jvp: jvp(squashInPlace),
    valueAndGrad: valueAndGrad(squashInPlace),
    vjp: vjp(squashInPlace),
    points: [[F(0.5, -0.2, 0.8, 1.1, -0.4)]],
    mutates: true,
  },
  {
    name: "descentSteps",
    f: descentSteps,
    grad: grad(descentSteps, { wrt: [0, 1, 2] }),
    tape: grad(descentSteps, { wrt: [0, 1, 2], engine: "tape" }),
    wasm: { grad: grad(descentSteps, { wrt: [0, 1, 2], engine: "wasm" }), valueAndGrad: valueAndGrad(descentSteps, { wrt: [0, 1, 2], engine: "wasm" }), jvp: jvp(descentSteps, { engine: "wasm" }), vjp: vjp(descentSteps, { wrt: [0, 1, 2], engine: "wasm" }) },
    jvp: jvp(descentSteps),
    valueAndGrad: valueAndGrad(descentSteps, { wrt: [0, 1, 2] }),
    vjp: vjp(descentSteps, { wrt: [0, 1, 2] }),
    points: [
      [F(0.5, -0.2, 0.8), F(0.1, 0.3, -0.5), 0.3, 5],
      [F(0.5, -0.2, 0.8), F(0.1, 0.3, -0.5), 0.3, 0],
    ],
    wrt: [0, 1, 2],
  },
  {
    name: "diffusionSteps",
    f: diffusionSteps,
    grad: grad(diffusionSteps, { wrt: [0, 1] }),
    tape: grad(diffusionSteps, { wrt: [0, 1], engine: "tape" }),
    wasm: { grad: grad(diffusionSteps, { wrt: [0, 1], engine: "wasm" }), valueAndGrad: valueAndGrad(diffusionSteps, { wrt: [0, 1], engine: "wasm" }), jvp: jvp(diffusionSteps, { engine: "wasm" }), vjp: vjp(diffusionSteps, { wrt: [0, 1], engine: "wasm" }) },
    jvp: jvp(diffusionSteps),
    valueAndGrad: valueAndGrad(diffusionSteps, { wrt: [0, 1] }),
    vjp: vjp(diffusionSteps, { wrt: [0, 1] }),
    points: [[F(0.1, 0.5, -0.2, 0.8, 0.3, -0.1), 0.2, 4]],
    wrt: [0, 1],
  },
  {
    name: "freshArrayPerIteration",
    f: freshArrayPerIteration,
    grad: grad(freshArrayPerIteration),
    tape: grad(freshArrayPerIteration, { engine: "tape" }),
    wasm: { grad: grad(freshArrayPerIteration, { engine: "wasm" }), valueAndGrad: valueAndGrad(freshArrayPerIteration, { engine: "wasm" }), jvp: jvp(freshArrayPerIteration, { engine: "wasm" }), vjp: vjp(freshArrayPerIteration, { engine: "wasm" }) },
    jvp: jvp(freshArrayPerIteration),
    valueAndGrad: valueAndGrad(freshArrayPerIteration),
    vjp: vjp(freshArrayPerIteration),
    points: [[F(0.5, -0.3)]],
  },
  {
    name: "mirrorAdd",
    f: mirrorAdd,
    grad: grad(mirrorAdd),
    tape: grad(mirrorAdd, { engine: "tape" }),
    wasm: { grad: grad(mirrorAdd, { engine: "wasm" }), valueAndGrad: valueAndGrad(mirrorAdd, { engine: "wasm" }), jvp: jvp(mirrorAdd, { engine: "wasm" }), vjp: vjp(mirrorAdd, { engine: "wasm" }) },
    jvp: jvp(mirrorAdd),
    valueAndGrad: valueAndGrad(mirrorAdd),
    vjp: vjp(mirrorAdd),
    points: [[F(0.5, -0.3, 0.8, 0.2, 0.6)], [F(0.5, -0.3, 0.8, 0.2)]],
  },
  {
    name: "compoundElementOps",
    f: compoundElementOps,
    grad: grad(compoundElementOps),
    tape: grad(compoundElementOps, { engine: "tape" }),
    wasm: { grad: grad(compoundElementOps, { engine: "wasm" }), valueAndGrad: valueAndGrad(compoundElementOps, { engine: "wasm" }), jvp: jvp(compoundElementOps, { engine: "wasm" }), vjp: vjp(compoundElementOps, { engine: "wasm" }) },
    jvp: jvp(compoundElementOps),
    valueAndGrad: valueAndGrad(compoundElementOps),
    vjp: vjp(compoundElementOps),
    points: [[F(0.5, -0.3, 0.8, 0.2, 0.6)]],
  },
  {
    name: "manySweeps",
    f: manySweeps,
    grad: grad(manySweeps, { wrt: [0] }),
    tape: grad(manySweeps, { wrt: [0], engine: "tape" }),
    wasm: { grad: grad(manySweeps, { wrt: [0], engine: "wasm" }), valueAndGrad: valueAndGrad(manySweeps, { wrt: [0], engine: "wasm" }), jvp: jvp(manySweeps, { engine: "wasm" }), vjp: vjp(manySweeps, { wrt: [0], engine: "wasm" }) },
    jvp: jvp(manySweeps),
    valueAndGrad: valueAndGrad(manySweeps, { wrt: [0] }),
    vjp: vjp(manySweeps, { wrt: [0] }),
    points: [[F(0.5, -0.3, 0.8, 0.2, 0.6), 300]],
    wrt: [0],
  },
  {
    name: "whileInPlace",
    f: whileInPlace,
    grad: grad(whileInPlace),
    tape: grad(whileInPlace, { engine: "tape" }),
    wasm: { grad: grad(whileInPlace, { engine: "wasm" }), valueAndGrad: valueAndGrad(whileInPlace, { engine: "wasm" }), jvp: jvp(whileInPlace, { engine: "wasm" }), vjp: vjp(whileInPlace, { engine: "wasm" }) },
    jvp: jvp(whileInPlace),
    valueAndGrad: valueAndGrad(whileInPlace),
    vjp: vjp(whileInPlace),
    // y[0] runs 0.5, 0.62, …, 3.71, 5.02: nine trips, the exit far from the threshold 4.4.
    points: [[F(0.5, -0.3, 0.8, 0.2, 0.6)]],
  },
  {
    name: "gaussSeidel",
    f: gaussSeidel,
    grad: grad(gaussSeidel, { wrt: [0, 1] }),
    tape: grad(gaussSeidel, { wrt: [0, 1], engine: "tape" }),
    wasm: { grad: grad(gaussSeidel, { wrt: [0, 1], engine: "wasm" }), valueAndGrad: valueAndGrad(gaussSeidel, { wrt: [0, 1], engine: "wasm" }), jvp: jvp(gaussSeidel, { engine: "wasm" }), vjp: vjp(gaussSeidel, { wrt: [0, 1], engine: "wasm" }) },
    jvp: jvp(gaussSeidel),
    valueAndGrad: valueAndGrad(gaussSeidel, { wrt: [0, 1] }),
    vjp: vjp(gaussSeidel, { wrt: [0, 1] }),
    points: [[F(4, 1, -0.5, 0.8, 3.5, 1.2, -0.3, 0.9, 5), F(1.2, -0.7, 2.1), 6]],
    wrt: [0, 1],
  },
  {
    name: "tridiagonalSolve",
    f: tridiagonalSolve,
    grad: grad(tridiagonalSolve),
    tape: grad(tridiagonalSolve, { engine: "tape" }),
    wasm: { grad: grad(tridiagonalSolve, { engine: "wasm" }), valueAndGrad: valueAndGrad(tridiagonalSolve, { engine: "wasm" }), jvp: jvp(tridiagonalSolve, { engine: "wasm" }), vjp: vjp(tridiagonalSolve, { engine: "wasm" }) },
    jvp: jvp(tridiagonalSolve),
    valueAndGrad: valueAndGrad(tridiagonalSolve),
    vjp: vjp(tridiagonalSolve),
    points: [[F(7, 0.5, -0.8, 1.1, 0.4), F(3, 4, 3.5, 5, 4.2), F(1.2, -0.6, 0.9, 0.7, 7), F(1, -0.5, 2, 0.3, -1.2)]],
    // sub[0] and sup[n − 1] lie outside the matrix.
    zeros: { 0: [0], 2: [4] },
  },
  {
    name: "sortedWeights",
    f: sortedWeights,
    grad: grad(sortedWeights),
    tape: grad(sortedWeights, { engine: "tape" }),
    wasm: { grad: grad(sortedWeights, { engine: "wasm" }), valueAndGrad: valueAndGrad(sortedWeights, { engine: "wasm" }), jvp: jvp(sortedWeights, { engine: "wasm" }), vjp: vjp(sortedWeights, { engine: "wasm" }) },
    jvp: jvp(sortedWeights),
    valueAndGrad: valueAndGrad(sortedWeights),
    vjp: vjp(sortedWeights),
    points: [[F(0.5, -0.2, 0.8, 1.1, -0.4)], [F(2, 1, 0.5)]],
  },
  {
    name: "hornerArray",
    f: hornerArray,
    grad: grad(hornerArray),
    tape: grad(hornerArray, { engine: "tape" }),
    wasm: { grad: grad(hornerArray, { engine: "wasm" }), valueAndGrad: valueAndGrad(hornerArray, { engine: "wasm" }), jvp: jvp(hornerArray, { engine: "wasm" }), vjp: vjp(hornerArray, { engine: "wasm" }) },
    jvp: jvp(hornerArray),
    valueAndGrad: valueAndGrad(hornerArray),
    vjp: vjp(hornerArray),
    points: [
      [F(1.5, -2, 0.25, 3, -0.75), 0.7],
      [F(1.5, -2, 0.25, 3, -0.75), -1.3],
      [F(2.5), 0.4],
    ],
  },
  {
    name: "rosenbrockN",
    f: rosenbrockN,
    grad: grad(rosenbrockN),
    tape: grad(rosenbrockN, { engine: "tape" }),
    wasm: { grad: grad(rosenbrockN, { engine: "wasm" }), valueAndGrad: valueAndGrad(rosenbrockN, { engine: "wasm" }), jvp: jvp(rosenbrockN, { engine: "wasm" }), vjp: vjp(rosenbrockN, { engine: "wasm" }) },
    jvp: jvp(rosenbrockN),
    valueAndGrad: valueAndGrad(rosenbrockN),
    vjp: vjp(rosenbrockN),
    points: [[F(0.8, 0.5, 1.2, -0.3)], [F(-1.2, 1, 0.9)]],
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
    // Running sums 0.25, 0.65, 1.86, 3.36, then 5.32 > 2.5 breaks; elements 1 and 4 are skipped
    // by index, 7 and 8 come after the break.
    points: [
      [F(0.5, 9, -0.8, 1.1, 0.7, -3, 1.4, 0.6, 2.2), 2.5],
      [F(0.5, 9, -0.8, 1.1, 0.7, -3, 1.4, 0.6, 2.2), 100],
    ],
    zeros: { 0: [1, 4], 1: [0] },
  },
  {
    name: "earlyReturnScan",
    f: earlyReturnScan,
    grad: grad(earlyReturnScan),
    tape: grad(earlyReturnScan, { engine: "tape" }),
    wasm: { grad: grad(earlyReturnScan, { engine: "wasm" }), valueAndGrad: valueAndGrad(earlyReturnScan, { engine: "wasm" }), jvp: jvp(earlyReturnScan, { engine: "wasm" }), vjp: vjp(earlyReturnScan, { engine: "wasm" }) },
    jvp: jvp(earlyReturnScan),
    valueAndGrad: valueAndGrad(earlyReturnScan),
    vjp: vjp(earlyReturnScan),
    points: [[F(0.5, -0.2, 2.6, 1.1)], [F(0.5, -0.2, 1.1)]],
  },
  {
    name: "whileBudget",
    f: whileBudget,
    grad: grad(whileBudget),
    tape: grad(whileBudget, { engine: "tape" }),
    wasm: { grad: grad(whileBudget, { engine: "wasm" }), valueAndGrad: valueAndGrad(whileBudget, { engine: "wasm" }), jvp: jvp(whileBudget, { engine: "wasm" }), vjp: vjp(whileBudget, { engine: "wasm" }) },
    jvp: jvp(whileBudget),
    valueAndGrad: valueAndGrad(whileBudget),
    vjp: vjp(whileBudget),
    // Energy 1.4 → 1.15 → 0.66 → −0.15: three trips, the fourth element unused; then all four.
    points: [
      [F(0.5, -0.7, 0.9, 1.2), 1.4],
      [F(0.5, -0.7, 0.9, 1.2), 10],
    ],
  },
  {
    name: "doWhileArray",
    f: doWhileArray,
    grad: grad(doWhileArray),
    tape: grad(doWhileArray, { engine: "tape" }),
    wasm: { grad: grad(doWhileArray, { engine: "wasm" }), valueAndGrad: valueAndGrad(doWhileArray, { engine: "wasm" }), jvp: jvp(doWhileArray, { engine: "wasm" }), vjp: vjp(doWhileArray, { engine: "wasm" }) },
    jvp: jvp(doWhileArray),
    valueAndGrad: valueAndGrad(doWhileArray),
    vjp: vjp(doWhileArray),
    points: [[F(0.5, -0.2, 0.8, 1.1, -0.4, 1.5)], [F(1.5, 2, 0.3)], [F(0.7)]],
  },
  {
    name: "reversedFold",
    f: reversedFold,
    grad: grad(reversedFold),
    tape: grad(reversedFold, { engine: "tape" }),
    wasm: { grad: grad(reversedFold, { engine: "wasm" }), valueAndGrad: valueAndGrad(reversedFold, { engine: "wasm" }), jvp: jvp(reversedFold, { engine: "wasm" }), vjp: vjp(reversedFold, { engine: "wasm" }) },
    jvp: jvp(reversedFold),
    valueAndGrad: valueAndGrad(reversedFold),
    vjp: vjp(reversedFold),
    points: [[F(0.5, -0.2, 0.8, 1.1)]],
  },
  {
    name: "stridedAccess",
    f: stridedAccess,
    grad: grad(stridedAccess),
    tape: grad(stridedAccess, { engine: "tape" }),
    wasm: { grad: grad(stridedAccess, { engine: "wasm" }), valueAndGrad: valueAndGrad(stridedAccess, { engine: "wasm" }), jvp: jvp(stridedAccess, { engine: "wasm" }), vjp: vjp(stridedAccess, { engine: "wasm" }) },
    jvp: jvp(stridedAccess),
    valueAndGrad: valueAndGrad(stridedAccess),
    vjp: vjp(stridedAccess),
    points: [[F(0.5, -0.2, 0.8, 1.1, -0.4, 0.3, 0.9)], [F(0.5, -0.2, 0.8, 1.1, -0.4, 0.3)]],
  },
  {
    name: "helperDots",
    f: helperDots,
    grad: grad(helperDots),
    tape: grad(helperDots, { engine: "tape" }),
    wasm: { grad: grad(helperDots, { engine: "wasm" }), valueAndGrad: valueAndGrad(helperDots, { engine: "wasm" }), jvp: jvp(helperDots, { engine: "wasm" }), vjp: vjp(helperDots, { engine: "wasm" }) },
    jvp: jvp(helperDots),
    valueAndGrad: valueAndGrad(helperDots),
    vjp: vjp(helperDots),
    points: [[F(0.3, -0.5, 0.8), F(0.6, 0.2, -0.4)]],
  },
  {
    name: "nestedHelpers",
    f: nestedHelpers,
    grad: grad(nestedHelpers),
    tape: grad(nestedHelpers, { engine: "tape" }),
    wasm: { grad: grad(nestedHelpers, { engine: "wasm" }), valueAndGrad: valueAndGrad(nestedHelpers, { engine: "wasm" }), jvp: jvp(nestedHelpers, { engine: "wasm" }), vjp: vjp(nestedHelpers, { engine: "wasm" }) },
    jvp: jvp(nestedHelpers),
    valueAndGrad: valueAndGrad(nestedHelpers),
    vjp: vjp(nestedHelpers),
    points: [[F(0.3, -0.5, 0.8), F(0.6, 0.2, -0.4), F(0.5, -0.3, 0.8, -0.6, 0.5, 0.2)]],
  },
  {
    name: "helperWithLocalArray",
    f: helperWithLocalArray,
    grad: grad(helperWithLocalArray),
    tape: grad(helperWithLocalArray, { engine: "tape" }),
    wasm: { grad: grad(helperWithLocalArray, { engine: "wasm" }), valueAndGrad: valueAndGrad(helperWithLocalArray, { engine: "wasm" }), jvp: jvp(helperWithLocalArray, { engine: "wasm" }), vjp: vjp(helperWithLocalArray, { engine: "wasm" }) },
    jvp: jvp(helperWithLocalArray),
    valueAndGrad: valueAndGrad(helperWithLocalArray),
    vjp: vjp(helperWithLocalArray),
    points: [[F(0.5, -0.3, 1.2, 0.1), F(2, -1, 0.5, 3)]],
  },
  {
    name: "importedArrayHelpers",
    f: importedArrayHelpers,
    grad: grad(importedArrayHelpers),
    tape: grad(importedArrayHelpers, { engine: "tape" }),
    wasm: { grad: grad(importedArrayHelpers, { engine: "wasm" }), valueAndGrad: valueAndGrad(importedArrayHelpers, { engine: "wasm" }), jvp: jvp(importedArrayHelpers, { engine: "wasm" }), vjp: vjp(importedArrayHelpers, { engine: "wasm" }) },
    jvp: jvp(importedArrayHelpers),
    valueAndGrad: valueAndGrad(importedArrayHelpers),
    vjp: vjp(importedArrayHelpers),
    points: [[F(0.4, -0.7), F(0.5, -0.2, 0.8, 1.1, -0.4), F(0.3, 0.1, -0.5, 0.9, 0.2)]],
  },
  {
    name: "gatherScatter",
    f: gatherScatter,
    grad: grad(gatherScatter, { wrt: [0] }),
    tape: grad(gatherScatter, { wrt: [0], engine: "tape" }),
    wasm: { grad: grad(gatherScatter, { wrt: [0], engine: "wasm" }), valueAndGrad: valueAndGrad(gatherScatter, { wrt: [0], engine: "wasm" }), jvp: jvp(gatherScatter, { engine: "wasm" }), vjp: vjp(gatherScatter, { wrt: [0], engine: "wasm" }) },
    jvp: jvp(gatherScatter),
    valueAndGrad: valueAndGrad(gatherScatter, { wrt: [0] }),
    vjp: vjp(gatherScatter, { wrt: [0] }),
    points: [[F(0.5, -0.2, 0.8, 1.1), F(2, 0, 2, 3, 0, 2)]],
    wrt: [0],
  },
  {
    name: "lerpLookup",
    f: lerpLookup,
    grad: grad(lerpLookup),
    tape: grad(lerpLookup, { engine: "tape" }),
    wasm: { grad: grad(lerpLookup, { engine: "wasm" }), valueAndGrad: valueAndGrad(lerpLookup, { engine: "wasm" }), jvp: jvp(lerpLookup, { engine: "wasm" }), vjp: vjp(lerpLookup, { engine: "wasm" }) },
    jvp: jvp(lerpLookup),
    valueAndGrad: valueAndGrad(lerpLookup),
    vjp: vjp(lerpLookup),
    points: [
      [F(0.5, -0.2, 0.8, 1.1, -0.4), 2.3],
      [F(0.5, -0.2, 0.8, 1.1, -0.4), 0.6],
    ],
    zeros: { 0: [4] },
  },
  {
    name: "numberArrays",
    f: numberArrays,
    grad: grad(numberArrays),
    tape: grad(numberArrays, { engine: "tape" }),
    wasm: { grad: grad(numberArrays, { engine: "wasm" }), valueAndGrad: valueAndGrad(numberArrays, { engine: "wasm" }), jvp: jvp(numberArrays, { engine: "wasm" }), vjp: vjp(numberArrays, { engine: "wasm" }) },
    jvp: jvp(numberArrays),
    valueAndGrad: valueAndGrad(numberArrays),
    vjp: vjp(numberArrays),
    points: [
      [
        [0.3, -0.5, 0.8],
        [0.6, 0.2, -0.4],
      ],
    ],
  },
  {
    name: "unusedElements",
    f: unusedElements,
    grad: grad(unusedElements),
    tape: grad(unusedElements, { engine: "tape" }),
    wasm: { grad: grad(unusedElements, { engine: "wasm" }), valueAndGrad: valueAndGrad(unusedElements, { engine: "wasm" }), jvp: jvp(unusedElements, { engine: "wasm" }), vjp: vjp(unusedElements, { engine: "wasm" }) },
    jvp: jvp(unusedElements),
    valueAndGrad: valueAndGrad(unusedElements),
    vjp: vjp(unusedElements),
    points: [[F(0.5, 0.3, -0.7, 1.4, 2.2, 0.9), F(0.2, -0.4, 0.6, 1.1, -0.3)]],
    zeros: { 0: [1, 3, 4], 1: [1, 3] },
  },
  {
    name: "mixedParams/a,t",
    f: mixedParams,
    grad: grad(mixedParams, { wrt: [0, 3] }),
    tape: grad(mixedParams, { wrt: [0, 3], engine: "tape" }),
    wasm: { grad: grad(mixedParams, { wrt: [0, 3], engine: "wasm" }), valueAndGrad: valueAndGrad(mixedParams, { wrt: [0, 3], engine: "wasm" }), jvp: jvp(mixedParams, { engine: "wasm" }), vjp: vjp(mixedParams, { wrt: [0, 3], engine: "wasm" }) },
    jvp: jvp(mixedParams),
    valueAndGrad: valueAndGrad(mixedParams, { wrt: [0, 3] }),
    vjp: vjp(mixedParams, { wrt: [0, 3] }),
    points: [[F(0.3, -0.5, 0.8, 1.2), 0.7, F(0.6, 0.2, -0.4, 0.9), -1.3, 3]],
    wrt: [0, 3],
    zeros: { 0: [3] },
  },
  {
    name: "mixedParams/s,b",
    f: mixedParams,
    grad: grad(mixedParams, { wrt: [1, 2] }),
    tape: grad(mixedParams, { wrt: [1, 2], engine: "tape" }),
    wasm: { grad: grad(mixedParams, { wrt: [1, 2], engine: "wasm" }), valueAndGrad: valueAndGrad(mixedParams, { wrt: [1, 2], engine: "wasm" }), jvp: jvp(mixedParams, { engine: "wasm" }), vjp: vjp(mixedParams, { wrt: [1, 2], engine: "wasm" }) },
    jvp: jvp(mixedParams),
    valueAndGrad: valueAndGrad(mixedParams, { wrt: [1, 2] }),
    vjp: vjp(mixedParams, { wrt: [1, 2] }),
    points: [[F(0.3, -0.5, 0.8, 1.2), 0.7, F(0.6, 0.2, -0.4, 0.9), -1.3, 3]],
    wrt: [1, 2],
    zeros: { 2: [3] },
  },
  {
    name: "mixedParams/all but count",
    f: mixedParams,
    grad: grad(mixedParams, { wrt: [0, 1, 2, 3] }),
    tape: grad(mixedParams, { wrt: [0, 1, 2, 3], engine: "tape" }),
    wasm: { grad: grad(mixedParams, { wrt: [0, 1, 2, 3], engine: "wasm" }), valueAndGrad: valueAndGrad(mixedParams, { wrt: [0, 1, 2, 3], engine: "wasm" }), jvp: jvp(mixedParams, { engine: "wasm" }), vjp: vjp(mixedParams, { wrt: [0, 1, 2, 3], engine: "wasm" }) },
    jvp: jvp(mixedParams),
    valueAndGrad: valueAndGrad(mixedParams, { wrt: [0, 1, 2, 3] }),
    vjp: vjp(mixedParams, { wrt: [0, 1, 2, 3] }),
    points: [
      [F(0.3, -0.5, 0.8, 1.2), 0.7, F(0.6, 0.2, -0.4, 0.9), -1.3, 4],
      [F(0.3, -0.5, 0.8, 1.2), 0.7, F(0.6, 0.2, -0.4, 0.9), -1.3, 0],
    ],
    wrt: [0, 1, 2, 3],
  },
  {
    name: "layeredNetwork",
    f: layeredNetwork,
    grad: grad(layeredNetwork),
    tape: grad(layeredNetwork, { engine: "tape" }),
    wasm: { grad: grad(layeredNetwork, { engine: "wasm" }), valueAndGrad: valueAndGrad(layeredNetwork, { engine: "wasm" }), jvp: jvp(layeredNetwork, { engine: "wasm" }), vjp: vjp(layeredNetwork, { engine: "wasm" }) },
    jvp: jvp(layeredNetwork),
    valueAndGrad: valueAndGrad(layeredNetwork),
    vjp: vjp(layeredNetwork),
    points: [[MLP.W1, MLP.b1, MLP.W2, MLP.b2, F(0.5, -0.8, 1.1)]],
  },
  {
    name: "rotations",
    f: rotations,
    grad: grad(rotations),
    tape: grad(rotations, { engine: "tape" }),
    wasm: { grad: grad(rotations, { engine: "wasm" }), valueAndGrad: valueAndGrad(rotations, { engine: "wasm" }), jvp: jvp(rotations, { engine: "wasm" }), vjp: vjp(rotations, { engine: "wasm" }) },
    jvp: jvp(rotations),
    valueAndGrad: valueAndGrad(rotations),
    vjp: vjp(rotations),
    points: [
      [F(0.3, -0.7, 0.45), 0.8, -0.6],
      [F(), 0.8, -0.6],
    ],
  },
];

// ── Helpers ───────────────────────────────────────────────────────────────────────────────────

const isArray = (v: Value): v is Float64Array | number[] => typeof v !== "number";

/** Fresh copies of every array of a point (f may write into its parameters). */
const fresh = (point: Value[]): Value[] => point.map((v) => (v instanceof Float64Array ? Float64Array.from(v) : Array.isArray(v) ? v.slice() : v));

const wrtOf = (c: Case, point: Value[]) => c.wrt ?? point.map((_, i) => i);
const show = (v: Value) => (isArray(v) ? `[${Array.from(v).join(", ")}]` : String(v));
const label = (c: Case, point: Value[]) => `${c.name}(${point.map(show).join(", ")})`;

/** A zero tangent of the same shape and kind as v. */
const zeroLike = (v: Value): Value => (v instanceof Float64Array ? new Float64Array(v.length) : Array.isArray(v) ? v.map(() => 0) : 0);

/** The tangent with 1 at element `element` of parameter i (or at scalar parameter i), 0 elsewhere. */
function unitTangent(point: Value[], i: number, element: number): Value[] {
  return point.map((v, k) => {
    const t = zeroLike(v);
    if (k !== i) return t;
    if (typeof t === "number") return 1;
    t[element] = 1;
    return t;
  });
}

/** Every coordinate (parameter, element) of the differentiated parameters, in gradient order. */
function coordinates(c: Case, point: Value[]): [number, number][] {
  return wrtOf(c, point).flatMap((i) => {
    const v = point[i];
    return isArray(v) ? Array.from({ length: v.length }, (_, j): [number, number] => [i, j]) : [[i, 0] as [number, number]];
  });
}

/** Gradients (as grad returns them) flattened into one vector, in wrt order. */
function flatten(grads: Grad[]): Float64Array {
  return Float64Array.from(grads.flatMap((g) => (typeof g === "number" ? [g] : Array.from(g))));
}

function checkShapes(c: Case, point: Value[], grads: unknown, what: string): Grad[] {
  const id = `${label(c, point)} ${what}`;
  const wrt = wrtOf(c, point);
  expect(Array.isArray(grads), `${id}: returns a list`).toBe(true);
  const list = grads as Grad[];
  expect(list, `${id}: one gradient per wrt index`).toHaveLength(wrt.length);
  wrt.forEach((i, k) => {
    const v = point[i];
    if (isArray(v)) {
      expect(list[k], `${id}: gradient of array parameter ${i} is a Float64Array`).toBeInstanceOf(Float64Array);
      expect((list[k] as Float64Array).length, `${id}: gradient of array parameter ${i} has its length`).toBe(v.length);
    } else {
      expect(typeof list[k], `${id}: gradient of scalar parameter ${i} is a number`).toBe("number");
    }
  });
  return list;
}

function reverseGradient(c: Case, point: Value[]): Float64Array {
  return flatten(checkShapes(c, point, c.grad(...fresh(point)), "grad"));
}

function forwardGradient(c: Case, point: Value[]): Float64Array {
  return Float64Array.from(coordinates(c, point).map(([i, j]) => c.jvp(fresh(point), unitTangent(point, i, j))[1] as number));
}

function finiteDifferences(c: Case, point: Value[]): Float64Array {
  // numericPartial perturbs Float64Array elements; number[] parameters are converted back for f.
  const asF64 = point.map((v) => (Array.isArray(v) ? Float64Array.from(v) : v)) as (number | Float64Array)[];
  const target = (...args: (number | Float64Array)[]) => c.f(...args.map((a, k) => (Array.isArray(point[k]) ? Array.from(a as Float64Array) : a)));
  return flatten(wrtOf(c, point).map((i) => numericPartial(target, asF64, i)));
}

/** A deterministic pseudo-random number in [−1, 1). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

const rows = cases.flatMap((c) => c.points.map((point) => ({ c, point, id: label(c, point) })));

// ── The corpus ────────────────────────────────────────────────────────────────────────────────

describe("array corpus", () => {
  it("has at least 30 functions, each with 1 to 3 evaluation points", () => {
    const functions = new Set(cases.map((c) => c.f));
    expect(functions.size).toBeGreaterThanOrEqual(30);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
    for (const c of cases) {
      expect(c.points.length, c.name).toBeGreaterThanOrEqual(1);
      expect(c.points.length, c.name).toBeLessThanOrEqual(3);
      for (const p of c.points) expect(p, `${c.name}: arity`).toHaveLength(c.f.length);
    }
  });

  it.each(rows)("$id: reverse mode matches finite differences", ({ c, point, id }) => {
    expectClose(reverseGradient(c, point), finiteDifferences(c, point), FD_TOL, `${id} grad vs FD`);
  });

  it.each(rows)("$id: forward mode matches finite differences", ({ c, point, id }) => {
    expectClose(forwardGradient(c, point), finiteDifferences(c, point), FD_TOL, `${id} jvp vs FD`);
  });

  it.each(rows)("$id: reverse and forward mode agree to 1e-10", ({ c, point, id }) => {
    expectClose(reverseGradient(c, point), forwardGradient(c, point), MODES_TOL, `${id} grad vs jvp`);
  });

  it.each(rows)("$id: the tape engine gives the compiled gradient", ({ c, point, id }) => {
    const tape = flatten(checkShapes(c, point, c.tape(...fresh(point)), "grad"));
    expectClose(tape, reverseGradient(c, point), MODES_TOL, `${id} tape vs compiled`);
  });

  it.each(rows)("$id: the wasm engine computes what the compiled engine computes, and leaves the arguments as it does", ({ c, point, id }) => {
    // The wasm module runs the compiled engine's operations in the same order: equal to 1e-12 (in practice, bit for bit).
    const [argsWasm, argsCompiled] = [fresh(point), fresh(point)];
    expectClose(flatten(checkShapes(c, point, c.wasm.grad(...argsWasm), "wasm grad")), flatten(checkShapes(c, point, c.grad(...argsCompiled), "grad")), WASM_TOL, `${id} wasm grad`);
    argsWasm.forEach((a, k) => expect(show(a), `${id}: argument ${k} after grad`).toBe(show(argsCompiled[k])));
    const [value, g] = c.wasm.valueAndGrad(...fresh(point));
    const [compiledValue, compiledGradient] = c.valueAndGrad(...fresh(point));
    expectClose(value, compiledValue, WASM_TOL, `${id} wasm valueAndGrad value`);
    expectClose(flatten(checkShapes(c, point, g, "wasm valueAndGrad")), flatten(compiledGradient), WASM_TOL, `${id} wasm valueAndGrad gradient`);
    const wrt = wrtOf(c, point);
    // the same direction for both engines, made twice: a jvp may not be handed one tangent twice
    const direction = () =>
      point.map((v, k) => {
        const t = zeroLike(v);
        if (!wrt.includes(k)) return t;
        if (typeof t === "number") return lcg(k + 1)();
        for (let j = 0; j < t.length; j++) t[j] = lcg(31 * k + j + 1)();
        return t;
      });
    const [jvpArgsWasm, jvpArgsCompiled] = [fresh(point), fresh(point)];
    const [wasmValue, wasmTangent] = c.wasm.jvp(jvpArgsWasm, direction());
    const [jvpValue, jvpTangent] = c.jvp(jvpArgsCompiled, direction());
    expectClose(wasmValue, jvpValue, WASM_TOL, `${id} wasm jvp value`);
    expectClose(wasmTangent, jvpTangent, WASM_TOL, `${id} wasm jvp tangent`);
    jvpArgsWasm.forEach((a, k) => expect(show(a), `${id}: argument ${k} after jvp`).toBe(show(jvpArgsCompiled[k])));
    const [vjpArgsWasm, vjpArgsCompiled] = [fresh(point), fresh(point)];
    const [vjpValue, pullback] = c.wasm.vjp(...vjpArgsWasm);
    const [compiledVjpValue, compiledPullback] = c.vjp(...vjpArgsCompiled);
    expectClose(vjpValue, compiledVjpValue, WASM_TOL, `${id} wasm vjp value`);
    vjpArgsWasm.forEach((a, k) => expect(show(a), `${id}: argument ${k} after vjp`).toBe(show(vjpArgsCompiled[k])));
    expectClose(flatten(checkShapes(c, point, pullback(-2.5), "wasm pullback")), flatten(compiledPullback(-2.5)), WASM_TOL, `${id} wasm pullback`);
  });

  it.each(rows)("$id: jvp along a random mixed direction is the gradient's dot product", ({ c, point, id }) => {
    const g = reverseGradient(c, point);
    const wrt = wrtOf(c, point);
    const random = lcg(0x9e3779b9 ^ id.length);
    const direction = point.map((v, k) => {
      const t = zeroLike(v);
      if (!wrt.includes(k)) return t;
      if (typeof t === "number") return random();
      for (let j = 0; j < t.length; j++) t[j] = random();
      return t;
    });
    const d = flatten(wrt.map((i) => (Array.isArray(direction[i]) ? Float64Array.from(direction[i] as number[]) : (direction[i] as Grad))));
    const [value, tangent] = c.jvp(fresh(point), direction);
    expectClose(value, c.f(...fresh(point)), VALUE_TOL, `${id} jvp value`);
    let expected = 0;
    let scale = 0;
    for (let k = 0; k < g.length; k++) {
      expected += d[k] * g[k];
      scale += Math.abs(d[k] * g[k]);
    }
    expectClose(tangent / Math.max(1, scale), expected / Math.max(1, scale), MODES_TOL, `${id} jvp · direction`);
  });

  it.each(rows)("$id: valueAndGrad returns f's value and grad's gradient", ({ c, point, id }) => {
    const [value, g] = c.valueAndGrad(...fresh(point));
    expectClose(value, c.f(...fresh(point)), VALUE_TOL, `${id} value`);
    expectClose(flatten(checkShapes(c, point, g, "valueAndGrad")), reverseGradient(c, point), MODES_TOL, `${id} gradient`);
  });

  it.each(rows)("$id: vjp's pullback scales the gradient by the cotangent", ({ c, point, id }) => {
    const [value, pullback] = c.vjp(...fresh(point));
    expectClose(value, c.f(...fresh(point)), VALUE_TOL, `${id} value`);
    const g = reverseGradient(c, point);
    for (const cotangent of [1, -2.5, 0]) {
      const pulled = flatten(checkShapes(c, point, pullback(cotangent), `vjp pullback(${cotangent})`));
      expectClose(pulled, g.map((gi) => cotangent * gi), MODES_TOL, `${id} pullback(${cotangent})`);
    }
  });

  const withZeros = rows.filter(({ c }) => c.zeros);
  it.each(withZeros)("$id: elements that cannot influence the result get gradient exactly 0", ({ c, point, id }) => {
    const wrt = wrtOf(c, point);
    const g = checkShapes(c, point, c.grad(...fresh(point)), "grad");
    for (const [param, elements] of Object.entries(c.zeros!)) {
      const gi = g[wrt.indexOf(Number(param))];
      for (const j of elements) {
        // A scalar parameter is listed as element 0 of itself.
        const what = typeof gi === "number" ? `∂f/∂arg${param}` : `∂f/∂arg${param}[${j}]`;
        const reverse = typeof gi === "number" ? gi : gi[j];
        expect(reverse === 0, `${what} by reverse mode is ${reverse}`).toBe(true);
        const forward = c.jvp(fresh(point), unitTangent(point, Number(param), j))[1] as number;
        expect(forward === 0, `${what} by forward mode is ${forward}`).toBe(true);
      }
    }
  });

  const pure = rows.filter(({ c }) => !c.mutates);
  it.each(pure)("$id: derivatives leave the arguments and f's value unchanged", ({ c, point, id }) => {
    const args = fresh(point);
    const before = c.f(...fresh(point));
    c.grad(...args);
    c.valueAndGrad(...args);
    c.vjp(...args)[1](1);
    c.jvp(args, unitTangent(point, wrtOf(c, point)[0], 0));
    args.forEach((a, k) => expect(show(a), `${id}: argument ${k}`).toBe(show(point[k])));
    expect(c.f(...fresh(point)), id).toBe(before);
  });
});

// ── API forms with array parameters ─────────────────────────────────────────────────────────

describe("array gradients in every API form", () => {
  const w = F(0.2, -0.7, 1.3);
  const x = F(0.9, 0.1, -0.6);
  const s = 1.4;
  const fdW = numericPartial(weightedSum, [w, x, s], 0) as Float64Array;
  const fdX = numericPartial(weightedSum, [w, x, s], 1) as Float64Array;
  const fdS = numericPartial(weightedSum, [w, x, s], 2) as number;

  it("grad(f, { wrt: 0 }) returns a single Float64Array; { wrt: 2 } a single number", () => {
    const gw = grad(weightedSum, { wrt: 0 })(w, x, s);
    expect(gw).toBeInstanceOf(Float64Array);
    expect(gw).toHaveLength(3);
    expectClose(gw, fdW, FD_TOL, "grad(weightedSum, { wrt: 0 })");
    const gs = grad(weightedSum, { wrt: 2 })(w, x, s);
    expect(typeof gs).toBe("number");
    expectClose(gs, fdS, FD_TOL, "grad(weightedSum, { wrt: 2 })");
  });

  it("grad(f) returns [Float64Array, Float64Array, number]; a wrt list gives them in the order listed", () => {
    const [gw, gx, gs] = grad(weightedSum)(w, x, s);
    expectClose(gw, fdW, FD_TOL, "gw");
    expectClose(gx, fdX, FD_TOL, "gx");
    expectClose(gs, fdS, FD_TOL, "gs");
    const swapped = grad(weightedSum, { wrt: [2, 0] })(w, x, s);
    expect(swapped).toHaveLength(2);
    expectClose(swapped[0], fdS, FD_TOL, "swapped[0]");
    expectClose(swapped[1], fdW, FD_TOL, "swapped[1]");
  });

  it("valueAndGrad(f, { wrt: 0 }) returns [value, Float64Array]", () => {
    const logits = F(0.3, -1.2, 2.7, 0.8);
    const [value, g] = valueAndGrad(softmaxCrossEntropy, { wrt: 0 })(logits, 1);
    expectClose(value, softmaxCrossEntropy(logits, 1), VALUE_TOL, "value");
    expect(g).toBeInstanceOf(Float64Array);
    expectClose(g, numericPartial(softmaxCrossEntropy, [logits, 1], 0), FD_TOL, "gradient");
  });

  it("jvp takes a Float64Array tangent for an array parameter and a number for a scalar one", () => {
    const tw = F(0.5, -1, 0.25);
    const [value, tangent] = jvp(weightedSum)([w, x, s], [tw, new Float64Array(3), -2]);
    expectClose(value, weightedSum(w, x, s), VALUE_TOL, "value");
    const expected = tw[0] * fdW[0] + tw[1] * fdW[1] + tw[2] * fdW[2] - 2 * fdS;
    expectClose(tangent, expected, FD_TOL, "tangent");
  });

  it("vjp(f, { wrt: [0, 2] }) pulls back to [Float64Array, Float64Array]", () => {
    const p = [MLP.W1, MLP.b1, MLP.W2, MLP.b2, F(0.7, -0.4, 1.2), F(3, 0.2)];
    const [value, pullback] = vjp(mlpHuber, { wrt: [0, 2] })(MLP.W1, MLP.b1, MLP.W2, MLP.b2, F(0.7, -0.4, 1.2), F(3, 0.2));
    expectClose(value, mlpHuber(...(p as Parameters<typeof mlpHuber>)), VALUE_TOL, "value");
    const [gW1, gW2] = pullback(0.5);
    expect(gW1).toBeInstanceOf(Float64Array);
    expect(gW2).toBeInstanceOf(Float64Array);
    const fd = (i: number) => (numericPartial(mlpHuber, p, i) as Float64Array).map((d) => 0.5 * d);
    expectClose(gW1, fd(0), FD_TOL, "pullback(0.5)[0]");
    expectClose(gW2, fd(2), FD_TOL, "pullback(0.5)[1]");
  });

  it("integer parameters left in wrt (labels, sizes) get gradient 0", () => {
    const logits = F(0.3, -1.2, 2.7, 0.8);
    expect(grad(softmaxCrossEntropy)(logits, 2)[1]).toBe(0);
    const g = grad(matVecTanhSized)(W34, X4, 3, 4);
    expect(g[2]).toBe(0);
    expect(g[3]).toBe(0);
    expectClose(g[0], numericPartial(matVecTanhSized, [W34, X4, 3, 4], 0), FD_TOL, "∂/∂W");
  });

  it("the same array passed for two parameters gets both gradients", () => {
    const a = F(0.3, -1.2, 0.7);
    const [g0, g1] = grad(dot)(a, a);
    expect(g0).not.toBe(g1);
    expect(Array.from(g0)).toEqual(Array.from(a));
    expect(Array.from(g1)).toEqual(Array.from(a));
    const [value, tangent] = jvp(dot)([a, a], [F(1, 0, 0), F(1, 0, 0)]);
    expect(value).toBe(dot(a, a));
    expectClose(tangent, 2 * a[0], MODES_TOL, "jvp(dot)([a, a], [e0, e0])");
  });

  it("gradients from successive calls are distinct arrays", () => {
    const a = F(0.3, -1.2, 0.7);
    const b = F(1.1, 0.4, -0.9);
    const [ga] = grad(dot)(a, b);
    const copy = Float64Array.from(ga);
    const [ga2] = grad(dot)(F(5, 6, 7), F(-1, -2, -3));
    expect(ga2).not.toBe(ga);
    expect(Array.from(ga)).toEqual(Array.from(copy));
    expect(Array.from(ga)).toEqual(Array.from(b));
  });

  it("a vjp pullback differentiates at the arguments vjp was given, even if the caller changes them later", () => {
    const x0 = F(0.3, -1.2, 0.7);
    const [, pullback] = vjp(sumOfSquares)(x0);
    x0[0] = 100;
    expectClose(pullback(1)[0], F(0.6, -2.4, 1.4), FD_TOL, "pullback(1)");
    expectClose(pullback(2)[0], F(1.2, -4.8, 2.8), FD_TOL, "pullback(2), called a second time");
  });
});
