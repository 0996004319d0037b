/**
 * Hand-written backpropagation of the DQN loss of runtime/rl/networks/mlp.ts (same network, same
 * parameter layout, same Huber loss): the baseline gradc's generated gradient is measured
 * against, and an independent check of it in the tests. Written the way one writes backprop by
 * hand: a forward pass that keeps every layer's activations for the batch, then a backward pass
 * layer by layer.
 */
export class HandwrittenQNet {
  private readonly layers: { nIn: number; nOut: number; w: number; b: number; act: number }[] = [];
  private readonly act: Float64Array;
  private readonly delta: Float64Array;
  private readonly units: number;

  constructor(
    readonly sizes: number[],
    readonly batch: number,
  ) {
    let p = 0;
    let a = sizes[0];
    for (let l = 1; l < sizes.length; l++) {
      const nIn = sizes[l - 1];
      const nOut = sizes[l];
      this.layers.push({ nIn, nOut, w: p, b: p + nOut * nIn, act: a });
      p += nOut * (nIn + 1);
      a += nOut;
    }
    this.units = a;
    this.act = new Float64Array(batch * a);
    this.delta = new Float64Array(batch * a);
  }

  /** Mean Huber loss over the batch; its gradient with respect to theta goes into `grad`. */
  lossAndGrad(theta: Float64Array, obs: Float64Array, actions: Float64Array, targets: Float64Array, grad: Float64Array): number {
    const { act, delta, units, layers, batch } = this;
    const loss = this.loss(theta, obs, actions, targets);
    grad.fill(0);
    for (let s = 0; s < batch; s++) {
      const base = s * units;
      const last = layers[layers.length - 1];
      const d = act[base + last.act + actions[s]] - targets[s];
      // Output delta: ∂loss/∂q for the chosen action only.
      for (let j = 0; j < last.nOut; j++) delta[base + last.act + j] = 0;
      delta[base + last.act + actions[s]] = (Math.abs(d) <= 1 ? d : Math.sign(d)) / batch;
      for (let l = layers.length - 1; l >= 0; l--) {
        const { nIn, nOut, w, b, act: outRel } = layers[l];
        const outOff = base + outRel;
        const inOff = base + (l === 0 ? 0 : layers[l - 1].act);
        for (let i = 0; i < nIn; i++) delta[inOff + i] = 0;
        for (let j = 0; j < nOut; j++) {
          const dz = delta[outOff + j];
          if (dz === 0) continue;
          grad[b + j] += dz;
          const row = w + j * nIn;
          for (let i = 0; i < nIn; i++) {
            grad[row + i] += dz * act[inOff + i];
            delta[inOff + i] += dz * theta[row + i];
          }
        }
        if (l > 0) {
          // ReLU of the layer below: no gradient where it was inactive.
          for (let i = 0; i < nIn; i++) if (act[inOff + i] <= 0) delta[inOff + i] = 0;
        }
      }
    }
    return loss;
  }

  /** The loss alone: the forward pass, keeping every sample's activations for lossAndGrad. */
  loss(theta: Float64Array, obs: Float64Array, actions: Float64Array, targets: Float64Array): number {
    const { act, units, layers, batch } = this;
    const n0 = this.sizes[0];
    let total = 0;
    for (let s = 0; s < batch; s++) {
      const base = s * units;
      for (let i = 0; i < n0; i++) act[base + i] = obs[s * n0 + i];
      let inOff = base;
      for (let l = 0; l < layers.length; l++) {
        const { nIn, nOut, w, b, act: outRel } = layers[l];
        const outOff = base + outRel;
        const hidden = l + 1 < layers.length;
        for (let j = 0; j < nOut; j++) {
          let z = theta[b + j];
          const row = w + j * nIn;
          for (let i = 0; i < nIn; i++) z += theta[row + i] * act[inOff + i];
          act[outOff + j] = hidden && z < 0 ? 0 : z;
        }
        inOff = outOff;
      }
      const d = act[inOff + actions[s]] - targets[s];
      const a = Math.abs(d);
      total += a <= 1 ? 0.5 * d * d : a - 0.5;
    }
    return total / batch;
  }
}
