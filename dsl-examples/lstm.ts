/**
 * A loop-heavy recurrent example: an LSTM cell with hidden size `hidden`, unrolled over a scalar
 * input sequence, its state arrays `h` and `c` overwritten in place at every step — the pattern
 * where reverse mode must restore exactly the values each step overwrote.
 *
 * Parameter layout in `w` (H = hidden): for each gate g in (input, forget, output, candidate):
 *   H input weights, H×H recurrent weights (row-major), H biases — 4·H·(H + 2) numbers —
 * followed by H readout weights and 1 readout bias.
 * The loss is the mean squared error of the readout against `targets`, one per step.
 */

/** Number of parameters of the cell with this hidden size. */
export function lstmParameterCount(hidden: number): number {
  return 4 * hidden * (hidden + 2) + hidden + 1;
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

export function lstmLoss(w: Float64Array, xs: Float64Array, targets: Float64Array, hidden: number): number {
  const h = new Float64Array(hidden);
  const c = new Float64Array(hidden);
  const gates = new Float64Array(4 * hidden);
  const gateSize = hidden * (hidden + 2);
  const readout = 4 * gateSize;
  let loss = 0;
  for (let t = 0; t < xs.length; t++) {
    // Pre-activations of the four gates from the input and the previous hidden state.
    for (let g = 0; g < 4; g++) {
      for (let j = 0; j < hidden; j++) {
        const base = g * gateSize;
        let z = w[base + hidden * (hidden + 1) + j] + w[base + j] * xs[t];
        for (let i = 0; i < hidden; i++) z += w[base + hidden + j * hidden + i] * h[i];
        gates[g * hidden + j] = z;
      }
    }
    // New cell and hidden state, written over the old ones.
    for (let j = 0; j < hidden; j++) {
      const input = sigmoid(gates[j]);
      const forget = sigmoid(gates[hidden + j]);
      const output = sigmoid(gates[2 * hidden + j]);
      const candidate = Math.tanh(gates[3 * hidden + j]);
      c[j] = forget * c[j] + input * candidate;
      h[j] = output * Math.tanh(c[j]);
    }
    let y = w[readout + hidden];
    for (let j = 0; j < hidden; j++) y += w[readout + j] * h[j];
    const e = y - targets[t];
    loss += e * e;
  }
  return loss / xs.length;
}
