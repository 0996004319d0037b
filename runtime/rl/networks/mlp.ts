/**
 * The Q-network of gradc's DQN trainer, written as plain differentiable TypeScript.
 *
 * An MLP maps an observation to one Q-value per action: ReLU hidden layers, a linear output.
 * `sizes` lists the layer widths, e.g. [4, 64, 64, 2] (observation, hidden…, actions).
 *
 * Parameter layout — all parameters live in one Float64Array `theta`. For each layer
 * l = 1 … L (from n_{l-1} inputs to n_l outputs), in order:
 *   W_l: n_l × n_{l-1} weights, row-major (W_l[j][i] = theta[offset + j·n_{l-1} + i])
 *   b_l: n_l biases
 * so layer l occupies n_l·(n_{l-1} + 1) numbers; `parameterCount(sizes)` gives the total.
 *
 * Batches are flat arrays: `obs` holds `batch` observations of n_0 numbers each, `actions`
 * the chosen action per sample, `targets` the TD targets r + γ·max_a' Q_target(s', a') computed
 * outside the loss (so they are constants for the gradient, as in DQN), `weights` the
 * importance weights of prioritized replay (all 1 for uniform replay).
 */

/** Total number of parameters of an MLP with these layer widths. */
export function parameterCount(sizes: ArrayLike<number>): number {
  let count = 0;
  for (let l = 1; l < sizes.length; l++) count += sizes[l] * (sizes[l - 1] + 1);
  return count;
}

/** Number of units of all layers together (the scratch size of one forward pass). */
export function unitCount(sizes: ArrayLike<number>): number {
  let count = 0;
  for (let l = 0; l < sizes.length; l++) count += sizes[l];
  return count;
}

/**
 * Forward pass of sample `b` of `obs`: every layer's activations go into `act` (length
 * unitCount(sizes)), layer after layer, the Q-values last. Returns the offset of the Q-values.
 */
export function forwardInto(theta: Float64Array, sizes: Float64Array, obs: Float64Array, b: number, act: Float64Array): number {
  const n0 = sizes[0];
  for (let i = 0; i < n0; i++) act[i] = obs[b * n0 + i];
  let inOff = 0;
  let outOff = n0;
  let p = 0;
  for (let l = 1; l < sizes.length; l++) {
    const nIn = sizes[l - 1];
    const nOut = sizes[l];
    const hidden = l + 1 < sizes.length;
    for (let j = 0; j < nOut; j++) {
      let z = theta[p + nOut * nIn + j];
      for (let i = 0; i < nIn; i++) z += theta[p + j * nIn + i] * act[inOff + i];
      act[outOff + j] = hidden ? Math.max(0, z) : z;
    }
    p += nOut * (nIn + 1);
    inOff = outOff;
    outOff += nOut;
  }
  return inOff;
}

/**
 * The DQN batch loss: Σ_b w_b·ℓ(Q(s_b, a_b) − y_b) / batch — the Q-value gathered by the action
 * taken, ℓ the Huber loss (`huberLoss`) or the squared error. With all weights 1 it is the mean
 * Huber loss of Stable-Baselines3 and CleanRL. Differentiated with respect to `theta` (wrt: [0]).
 */
export function weightedTdLoss(
  theta: Float64Array,
  sizes: Float64Array,
  obs: Float64Array,
  actions: Float64Array,
  targets: Float64Array,
  weights: Float64Array,
  batch: number,
  huberLoss: boolean,
): number {
  let units = 0;
  for (let l = 0; l < sizes.length; l++) units += sizes[l];
  const act = new Float64Array(units);
  let total = 0;
  for (let b = 0; b < batch; b++) {
    const qOff = forwardInto(theta, sizes, obs, b, act);
    const d = act[qOff + actions[b]] - targets[b];
    // Huber loss with threshold 1 (smooth L1), as Stable-Baselines3 and CleanRL use, written out
    // rather than called: V8 boxes the doubles a non-inlined call passes and returns, and the
    // trainer allocates nothing per step.
    const a = Math.abs(d);
    total += weights[b] * (huberLoss ? (a <= 1 ? 0.5 * d * d : a - 0.5) : d * d);
  }
  return total / batch;
}

/**
 * Q-values of `batch` observations into `out` (batch × actions): the forward passes of a batch —
 * TD targets from the target network — in one call, which the wasm engine runs as WebAssembly
 * (`jit`). Returns the number of Q-values written.
 */
export function qValuesInto(theta: Float64Array, sizes: Float64Array, obs: Float64Array, batch: number, out: Float64Array): number {
  let units = 0;
  for (let l = 0; l < sizes.length; l++) units += sizes[l];
  const act = new Float64Array(units);
  const actions = sizes[sizes.length - 1];
  for (let b = 0; b < batch; b++) {
    const q = forwardInto(theta, sizes, obs, b, act);
    for (let a = 0; a < actions; a++) out[b * actions + a] = act[q + a];
  }
  return batch * actions;
}
