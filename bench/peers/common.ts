/**
 * What the peer engines (TensorFlow.js, jax-js) share: the families they implement and the DQN
 * parameter layout of runtime/rl/networks/mlp.ts, so that per-layer tensors can be cut out of
 * `theta` and their gradients put back in its order.
 *
 * The peers implement the vectorised families only: the lecture example, Rosenbrock and the DQN
 * batch loss. GMM, LSTM and the scalar loop are not written for them (`supports()` is false).
 */
import type { DqnWorkload, Workload } from "../engines/types.js";

/** Families every peer engine computes. */
export const PEER_FAMILIES: ReadonlySet<Workload["family"]> = new Set(["lecture", "rosenbrock", "dqn"]);

export function peerSupports(w: Workload): boolean {
  if (w.family === "rosenbrock") return w.x.length >= 2;
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
