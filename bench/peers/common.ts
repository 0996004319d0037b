/**
 * What the peer engines (TensorFlow.js, jax-js) share: the families they implement, the DQN
 * parameter layout of runtime/rl/networks/mlp.ts (so that per-layer tensors can be cut out of
 * `theta` and their gradients put back in its order), the GMM's constant selector matrices and
 * parameter-free terms, and the LSTM's parameter layout.
 *
 * The peers implement the families a tensor library expresses as batched array operations: the
 * lecture example, Rosenbrock, the DQN batch loss, ADBench's GMM (batched over the n points and
 * the k components) and the LSTM (its time loop unrolled, a few tensor operations per step).
 *
 * The scalar loop (bench/scalar-loop.ts: x ← a·x + 0.01·sin x, 10⁵ iterations) is not written for
 * them (`supports()` is false): every iteration is a scalar operation on the previous one's
 * result, so there is nothing to batch. In TensorFlow.js each iteration is ~4 kernel dispatches
 * on 0-d tensors — about 4·10⁵ dispatches and as many taped nodes per pass, where a dispatch
 * alone costs microseconds. jax-js 0.1.25 has no loop primitive (no `fori_loop`, `scan` or
 * `while_loop` in its `lax`), so `jit` would trace the JavaScript loop into a 4·10⁵-operation
 * program (and its transpose for the gradient) to compile — and without `jit`, each operation is
 * a dispatch, as in TensorFlow.js.
 */
import { logGamma } from "../../dsl-examples/gmm.js";
import type { DqnWorkload, GmmWorkload, LstmWorkload, Workload } from "../engines/types.js";

/** Families every peer engine computes. */
export const PEER_FAMILIES: ReadonlySet<Workload["family"]> = new Set(["lecture", "rosenbrock", "dqn", "gmm", "lstm"]);

export function peerSupports(w: Workload): boolean {
  if (w.family === "rosenbrock") return w.x.length >= 2;
  // d = 1 has no off-diagonal icf entries: a zero-width selector the peers' code does not special-case.
  if (w.family === "gmm") return w.d >= 2;
  return PEER_FAMILIES.has(w.family);
}

/** One layer of the MLP: n_out × n_in weights (row-major) at `wOffset`, n_out biases at `bOffset`. */
export interface DqnLayer {
  nIn: number;
  nOut: number;
  wOffset: number;
  bOffset: number;
  hidden: boolean;
}

/** The layers of `sizes` in theta's layout: per layer W (n_out × n_in, row-major), then b. */
export function dqnLayers(sizes: readonly number[]): DqnLayer[] {
  const layers: DqnLayer[] = [];
  let p = 0;
  for (let l = 1; l < sizes.length; l++) {
    const nIn = sizes[l - 1]!;
    const nOut = sizes[l]!;
    layers.push({ nIn, nOut, wOffset: p, bOffset: p + nOut * nIn, hidden: l + 1 < sizes.length });
    p += nOut * (nIn + 1);
  }
  return layers;
}

/**
 * The chosen action of every sample as a one-hot row (batch × n_actions), so that Q(s, a) is
 * sum(Q ⊙ mask, axis 1): a gather written as a multiply, whose gradient is the mask again.
 */
export function actionMask(w: DqnWorkload): Float64Array {
  const nA = w.sizes[w.sizes.length - 1]!;
  const mask = new Float64Array(w.batch * nA);
  for (let b = 0; b < w.batch; b++) {
    const a = w.actions[b]!;
    if (!Number.isInteger(a) || a < 0 || a >= nA) throw new Error(`action ${a} of sample ${b} is not one of 0…${nA - 1}`);
    mask[b * nA + a] = 1;
  }
  return mask;
}

/** Checks the array lengths of a DQN workload against its sizes and batch. */
export function checkDqn(w: DqnWorkload): void {
  const n0 = w.sizes[0]!;
  const expectParams = dqnLayers(w.sizes).reduce((n, l) => n + l.nOut * (l.nIn + 1), 0);
  const bad = (what: string, got: number, want: number) => {
    if (got !== want) throw new Error(`${w.family} workload: ${what} has ${got} numbers, expected ${want}`);
  };
  bad("theta", w.theta.length, expectParams);
  bad("obs", w.obs.length, w.batch * n0);
  bad("actions", w.actions.length, w.batch);
  bad("targets", w.targets.length, w.batch);
  bad("weights", w.weights.length, w.batch);
}

/** Splits `[value, g_0, g_1, …]` (one readback) into the value and a float64 gradient. */
export function splitValueAndGradient(out: Float32Array | Float64Array, n: number): { value: number; gradient: Float64Array } {
  if (out.length !== n + 1) throw new Error(`expected ${n + 1} numbers (value and gradient), got ${out.length}`);
  const gradient = new Float64Array(n);
  gradient.set(out.subarray(1)); // converts float32 exactly
  return { value: out[0]!, gradient };
}

/** Checks the array lengths of a GMM workload against d, k and n. */
export function checkGmm(w: GmmWorkload): void {
  const icfSize = (w.d * (w.d + 1)) / 2;
  const bad = (what: string, got: number, want: number) => {
    if (got !== want) throw new Error(`gmm workload: ${what} has ${got} numbers, expected ${want}`);
  };
  bad("alphas", w.alphas.length, w.k);
  bad("means", w.means.length, w.k * w.d);
  bad("icf", w.icf.length, w.k * icfSize);
  bad("x", w.x.length, w.n * w.d);
}

/**
 * Constant 0/1 matrices that assemble every component's Qᵀ (d × d, flattened row-major to d²)
 * from its icf row with two matrix products: Qᵀ = exp(logdiag)·`diagonal` + lower·`upper`.
 *
 * Q is diag(exp(icf[0…d))) plus a strictly lower triangle whose entries icf[d…] fill it column by
 * column (dsl-examples/gmm.ts) — which is Qᵀ's strictly upper triangle filled row by row, so
 * `upper` maps entry l to the l-th upper position in row-major order. A product with a constant
 * selector is how a scatter into a triangle is written with differentiable dense ops in both
 * libraries (its gradient is the product with the transpose: a gather back); at d = 20 it is a
 * (k × 190)·(190 × 400) product per call.
 */
export function gmmSelectors(d: number): { diagonal: Float64Array; upper: Float64Array; lowerCount: number } {
  const lowerCount = (d * (d - 1)) / 2;
  const diagonal = new Float64Array(d * d * d);
  for (let j = 0; j < d; j++) diagonal[j * d * d + j * d + j] = 1;
  const upper = new Float64Array(lowerCount * d * d);
  let l = 0;
  for (let i = 0; i < d; i++) {
    for (let j = i + 1; j < d; j++) upper[l++ * d * d + i * d + j] = 1;
  }
  return { diagonal, upper, lowerCount };
}

/**
 * The terms of the GMM objective that do not depend on the parameters, in float64:
 * −n·d/2·log 2π − k·C, C = n_w·d·(log γ − ½ log 2) − log Γ_d(n_w/2), n_w = d + m + 1
 * (gmmObjective's `constant` and its prior's `k * c`). The peers add it to their result as one
 * scalar.
 */
export function gmmConstant(w: GmmWorkload): number {
  const nw = w.d + w.m + 1;
  let logMultiGamma = 0.25 * w.d * (w.d - 1) * Math.log(Math.PI);
  for (let j = 1; j <= w.d; j++) logMultiGamma += logGamma(0.5 * nw + 0.5 * (1 - j));
  const c = nw * w.d * (Math.log(w.gamma) - 0.5 * Math.log(2)) - logMultiGamma;
  return -w.n * w.d * 0.5 * Math.log(2 * Math.PI) - w.k * c;
}

/**
 * Where the LSTM's parameters sit in `w` (dsl-examples/lstm.ts, H = hidden): the four gates
 * (input, forget, output, candidate) one after another, each H input weights, H × H recurrent
 * weights (row j: unit j's weights over h) and H biases — so `gates` numbers that read as a
 * 4 × (H + 2) × H array whose row 0 is W_x, rows 1…H are W_h and row H + 1 is b — then H readout
 * weights at `readout` and the readout bias after them.
 */
export function lstmLayout(hidden: number): { gates: number; readout: number; bias: number; total: number } {
  const gates = 4 * hidden * (hidden + 2);
  return { gates, readout: gates, bias: gates + hidden, total: gates + hidden + 1 };
}

/** Checks the array lengths of an LSTM workload against its hidden size and steps. */
export function checkLstm(w: LstmWorkload): void {
  const bad = (what: string, got: number, want: number) => {
    if (got !== want) throw new Error(`lstm workload: ${what} has ${got} numbers, expected ${want}`);
  };
  bad("w", w.w.length, lstmLayout(w.hidden).total);
  bad("xs", w.xs.length, w.steps);
  bad("targets", w.targets.length, w.steps);
  if (w.steps < 1) throw new Error("lstm workload: no steps");
}
