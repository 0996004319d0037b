/**
 * Q-networks for the DQN trainer. A network is a parameter count, an initialisation, a forward
 * pass for acting and for TD targets, and the gradient of the training loss — the last generated
 * by gradc from a differentiable TypeScript function (runtime/rl/networks/mlp.ts by default). To train
 * your own network, implement `QNetwork` with your loss function and gradc's
 * `valueAndGradInto(yourLoss, { wrt: [0] })`, as `mlpQNetwork` below does.
 */
import { jit, valueAndGradInto } from "gradc";
import { forwardInto, parameterCount, qValuesInto, unitCount, weightedTdLoss } from "./networks/mlp.js";
import { duelingForwardInto, duelingParameterCount, duelingQValuesInto, duelingTdLoss } from "./networks/dueling.js";
import type { Random } from "./random.js";

export type Engine = "compiled" | "wasm" | "tape";
export type Dtype = "float64" | "float32";
export type LossKind = "huber" | "mse";

/** How a network's loss gradient runs: the engine, and for "wasm" the precision. */
export interface GradientOptions {
  loss: LossKind;
  engine: Engine;
  dtype?: Dtype;
}

export interface QNetwork {
  readonly description: string;
  readonly parameterCount: number;
  readonly observationSize: number;
  readonly actionCount: number;
  initialize(theta: Float64Array, rng: Random): void;
  /** Q-values of `batch` observations (batch × observationSize) into `out` (batch × actionCount). */
  qValues(theta: Float64Array, obs: Float64Array, batch: number, out: Float64Array): void;
  /** The weighted TD loss of a batch; its gradient with respect to theta is written into `grad`. */
  lossAndGradient(grad: Float64Array, theta: Float64Array, obs: Float64Array, actions: Float64Array, targets: Float64Array, weights: Float64Array, batch: number): number;
}

// The generated gradients, one per engine: the same source, compiled, recorded on the tape, or
// compiled to WebAssembly in float64 or float32 (which takes the float64 weights and returns a
// float32 gradient into the float64 buffer).
type LossGradient = (grads: Float64Array[], theta: Float64Array, sizes: Float64Array, obs: Float64Array, actions: Float64Array, targets: Float64Array, weights: Float64Array, batch: number, huber: boolean) => number;
const MLP_GRADIENTS: Record<Engine | "wasm32", LossGradient> = {
  compiled: valueAndGradInto(weightedTdLoss, { wrt: [0] }),
  wasm: valueAndGradInto(weightedTdLoss, { wrt: [0], engine: "wasm" }),
  wasm32: valueAndGradInto(weightedTdLoss, { wrt: [0], engine: "wasm", dtype: "float32" }),
  tape: valueAndGradInto(weightedTdLoss, { wrt: [0], engine: "tape" }),
};
const DUELING_GRADIENTS: Record<Engine | "wasm32", LossGradient> = {
  compiled: valueAndGradInto(duelingTdLoss, { wrt: [0] }),
  wasm: valueAndGradInto(duelingTdLoss, { wrt: [0], engine: "wasm" }),
  wasm32: valueAndGradInto(duelingTdLoss, { wrt: [0], engine: "wasm", dtype: "float32" }),
  tape: valueAndGradInto(duelingTdLoss, { wrt: [0], engine: "tape" }),
};

/** The gradient for these options, and how the network's description names it. */
function chooseGradient(table: Record<Engine | "wasm32", LossGradient>, options: GradientOptions): [LossGradient, string] {
  if (options.dtype === "float32" && options.engine !== "wasm") throw new Error(`dtype "float32" needs engine "wasm", not "${options.engine}"`);
  return options.dtype === "float32" ? [table.wasm32, "wasm float32"] : [table[options.engine], options.engine];
}

// Batched forward passes (TD targets) on the wasm engine, in the gradient's precision.
type BatchForward = (theta: Float64Array, sizes: Float64Array, obs: Float64Array, batch: number, out: Float64Array) => number;
// float32: the weights and observations, and the activations and Q-values computed from them
const MLP_FORWARD = { wasm: jit(qValuesInto, { engine: "wasm" }), wasm32: jit(qValuesInto, { wrt: [0, 2], engine: "wasm", dtype: "float32" }) as BatchForward };
const DUELING_FORWARD = { wasm: jit(duelingQValuesInto, { engine: "wasm" }), wasm32: jit(duelingQValuesInto, { wrt: [0, 2], engine: "wasm", dtype: "float32" }) as BatchForward };

/**
 * The wasm engine's batched forward pass, or undefined on the other engines. A batch of one (acting)
 * stays in JavaScript: moving the weights into the module would cost more than the pass.
 */
function chooseBatchForward(table: { wasm: BatchForward; wasm32: BatchForward }, options: GradientOptions): BatchForward | undefined {
  if (options.engine !== "wasm") return undefined;
  return options.dtype === "float32" ? table.wasm32 : table.wasm;
}

/** Batches at least this large run on the wasm engine's forward pass, when there is one. */
const WASM_FORWARD_MIN_BATCH = 8;

/** PyTorch's nn.Linear initialisation: weights and biases uniform in ±1/√fan_in, layer by layer. */
function initializeLayers(theta: Float64Array, layers: [nIn: number, nOut: number][], rng: Random): void {
  let p = 0;
  for (const [nIn, nOut] of layers) {
    const bound = 1 / Math.sqrt(nIn);
    for (let k = 0; k < nOut * (nIn + 1); k++) theta[p + k] = rng.uniform(-bound, bound);
    p += nOut * (nIn + 1);
  }
}

/** The MLP of runtime/rl/networks/mlp.ts: ReLU hidden layers, one Q-value per action. */
export function mlpQNetwork(observationSize: number, actionCount: number, hidden: number[], options: GradientOptions): QNetwork {
  // Small integers in a plain array: V8 keeps the index arithmetic in integer registers.
  const sizes = [observationSize, ...hidden, actionCount] as unknown as Float64Array;
  const act = new Float64Array(unitCount(sizes));
  const grads: Float64Array[] = [new Float64Array(0)];
  const huber = options.loss === "huber";
  const [gradient, engineName] = chooseGradient(MLP_GRADIENTS, options);
  const batchForward = chooseBatchForward(MLP_FORWARD, options);
  const layers = hidden.map((h, i): [number, number] => [i === 0 ? observationSize : hidden[i - 1], h]);
  layers.push([hidden.length > 0 ? hidden[hidden.length - 1] : observationSize, actionCount]);
  return {
    description: `MLP ${[observationSize, ...hidden, actionCount].join("-")} (${options.loss} loss, ${engineName} gradients)`,
    parameterCount: parameterCount(sizes),
    observationSize,
    actionCount,
    initialize: (theta, rng) => initializeLayers(theta, layers, rng),
    qValues(theta, obs, batch, out) {
      if (batchForward && batch >= WASM_FORWARD_MIN_BATCH) {
        batchForward(theta, sizes, obs, batch, out);
        return;
      }
      for (let b = 0; b < batch; b++) {
        const q = forwardInto(theta, sizes, obs, b, act);
        for (let a = 0; a < actionCount; a++) out[b * actionCount + a] = act[q + a];
      }
    },
    lossAndGradient(grad, theta, obs, actions, targets, weights, batch) {
      grads[0] = grad;
      return gradient(grads, theta, sizes, obs, actions, targets, weights, batch, huber);
    },
  };
}

/** The dueling network of runtime/rl/networks/dueling.ts. */
export function duelingQNetwork(observationSize: number, actionCount: number, hidden: number[], options: GradientOptions): QNetwork {
  if (hidden.length === 0) throw new Error("a dueling network needs at least one hidden layer");
  const sizes = [observationSize, ...hidden, actionCount] as unknown as Float64Array;
  const act = new Float64Array(unitCount(sizes));
  const q = new Float64Array(actionCount);
  const grads: Float64Array[] = [new Float64Array(0)];
  const huber = options.loss === "huber";
  const [gradient, engineName] = chooseGradient(DUELING_GRADIENTS, options);
  const batchForward = chooseBatchForward(DUELING_FORWARD, options);
  const h = hidden[hidden.length - 1];
  const layers = hidden.map((width, i): [number, number] => [i === 0 ? observationSize : hidden[i - 1], width]);
  layers.push([h, 1], [h, actionCount]);
  return {
    description: `dueling MLP ${[observationSize, ...hidden].join("-")} → V + A(${actionCount}) (${options.loss} loss, ${engineName} gradients)`,
    parameterCount: duelingParameterCount(sizes),
    observationSize,
    actionCount,
    initialize: (theta, rng) => initializeLayers(theta, layers, rng),
    qValues(theta, obs, batch, out) {
      if (batchForward && batch >= WASM_FORWARD_MIN_BATCH) {
        batchForward(theta, sizes, obs, batch, out);
        return;
      }
      for (let b = 0; b < batch; b++) {
        duelingForwardInto(theta, sizes, obs, b, act, q);
        for (let a = 0; a < actionCount; a++) out[b * actionCount + a] = q[a];
      }
    },
    lossAndGradient(grad, theta, obs, actions, targets, weights, batch) {
      grads[0] = grad;
      return gradient(grads, theta, sizes, obs, actions, targets, weights, batch, huber);
    },
  };
}
