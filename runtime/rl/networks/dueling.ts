/**
 * A dueling Q-network (Wang et al., 2016) as differentiable TypeScript: a shared ReLU trunk,
 * then a value stream V(s) and an advantage stream A(s, a), combined as
 * Q(s, a) = V(s) + A(s, a) − mean_a' A(s, a').
 *
 * `sizes` = [observation, trunk widths…, actions]. Parameter layout in `theta`: the trunk layers
 * as in qnet.ts (W row-major, then b, layer by layer), then the value head (W: 1 × h, b: 1), then
 * the advantage head (W: actions × h, b: actions), h being the last trunk width.
 */
export function duelingParameterCount(sizes: ArrayLike<number>): number {
  let count = 0;
  for (let l = 1; l + 1 < sizes.length; l++) count += sizes[l] * (sizes[l - 1] + 1);
  const h = sizes[sizes.length - 2];
  const actions = sizes[sizes.length - 1];
  return count + (h + 1) + actions * (h + 1);
}

/** Q-values of sample `b` into `q` (length = actions), using `act` as scratch for the trunk. */
export function duelingForwardInto(theta: Float64Array, sizes: Float64Array, obs: Float64Array, b: number, act: Float64Array, q: Float64Array): void {
  const n0 = sizes[0];
  for (let i = 0; i < n0; i++) act[i] = obs[b * n0 + i];
  let inOff = 0;
  let outOff = n0;
  let p = 0;
  const trunkLayers = sizes.length - 1;
  for (let l = 1; l < trunkLayers; l++) {
    const nIn = sizes[l - 1];
    const nOut = sizes[l];
    for (let j = 0; j < nOut; j++) {
      let z = theta[p + nOut * nIn + j];
      for (let i = 0; i < nIn; i++) z += theta[p + j * nIn + i] * act[inOff + i];
      act[outOff + j] = Math.max(0, z);
    }
    p += nOut * (nIn + 1);
    inOff = outOff;
    outOff += nOut;
  }
  const h = sizes[trunkLayers - 1];
  const actions = sizes[trunkLayers];
  let value = theta[p + h];
  for (let i = 0; i < h; i++) value += theta[p + i] * act[inOff + i];
  p += h + 1;
  let meanAdvantage = 0;
  for (let a = 0; a < actions; a++) {
    let z = theta[p + actions * h + a];
    for (let i = 0; i < h; i++) z += theta[p + a * h + i] * act[inOff + i];
    q[a] = z;
    meanAdvantage += z;
  }
  meanAdvantage = meanAdvantage / actions;
  for (let a = 0; a < actions; a++) q[a] = value + q[a] - meanAdvantage;
}

/** The trainer's loss for the dueling network (see weightedTdLoss in mlp.ts). */
export function duelingTdLoss(
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
  const q = new Float64Array(sizes[sizes.length - 1]);
  let total = 0;
  for (let b = 0; b < batch; b++) {
    duelingForwardInto(theta, sizes, obs, b, act, q);
    const d = q[actions[b]] - targets[b];
    // Huber written out, as in mlp.ts's weightedTdLoss (no call: no boxed doubles).
    const a = Math.abs(d);
    total += weights[b] * (huberLoss ? (a <= 1 ? 0.5 * d * d : a - 0.5) : d * d);
  }
  return total / batch;
}

/** Q-values of `batch` observations into `out` (batch × actions) in one call (see qValuesInto in mlp.ts). */
export function duelingQValuesInto(theta: Float64Array, sizes: Float64Array, obs: Float64Array, batch: number, out: Float64Array): number {
  let units = 0;
  for (let l = 0; l < sizes.length; l++) units += sizes[l];
  const act = new Float64Array(units);
  const actions = sizes[sizes.length - 1];
  const q = new Float64Array(actions);
  for (let b = 0; b < batch; b++) {
    duelingForwardInto(theta, sizes, obs, b, act, q);
    for (let a = 0; a < actions; a++) out[b * actions + a] = q[a];
  }
  return batch * actions;
}
