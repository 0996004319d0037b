/**
 * Q-networks for the DQN trainer. A network is a parameter count, an initialisation, a forward
 * pass for acting and for TD targets, and the gradient of the training loss — the last generated
 * by gradc from a differentiable TypeScript function (runtime/rl/networks/mlp.ts by default). To train
 * your own network, implement `QNetwork` with your loss function and gradc's
 * `valueAndGradInto(yourLoss, { wrt: [0] })`, as `mlpQNetwork` below does.
 */
import { valueAndGradInto } from "gradc";
import { forwardInto, parameterCount, unitCount, weightedTdLoss } from "./networks/mlp.js";
import { duelingForwardInto, duelingParameterCount, duelingTdLoss } from "./networks/dueling.js";
import type { Random } from "./random.js";

export type Engine = "compiled" | "wasm" | "tape";
export type LossKind = "huber" | "mse";

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

// The generated gradients, one per engine: the same source, compiled or recorded on the tape.
const mlpCompiled = valueAndGradInto(weightedTdLoss, { wrt: [0] });
const mlpTape = valueAndGradInto(weightedTdLoss, { wrt: [0], engine: "tape" });
const mlpWasm = valueAndGradInto(weightedTdLoss, { wrt: [0], engine: "wasm" });
const duelingCompiled = valueAndGradInto(duelingTdLoss, { wrt: [0] });
const duelingTape = valueAndGradInto(duelingTdLoss, { wrt: [0], engine: "tape" });
const duelingWasm = valueAndGradInto(duelingTdLoss, { wrt: [0], engine: "wasm" });
const MLP_GRADIENTS = { compiled: mlpCompiled, wasm: mlpWasm, tape: mlpTape };
const DUELING_GRADIENTS = { compiled: duelingCompiled, wasm: duelingWasm, tape: duelingTape };

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
export function mlpQNetwork(observationSize: number, actionCount: number, hidden: number[], options: { loss: LossKind; engine: Engine }): QNetwork {
  // Small integers in a plain array: V8 keeps the index arithmetic in integer registers.
  const sizes = [observationSize, ...hidden, actionCount] as unknown as Float64Array;
  const act = new Float64Array(unitCount(sizes));
  const grads: Float64Array[] = [new Float64Array(0)];
  const huber = options.loss === "huber";
  const gradient = MLP_GRADIENTS[options.engine];
  const layers = hidden.map((h, i): [number, number] => [i === 0 ? observationSize : hidden[i - 1], h]);
  layers.push([hidden.length > 0 ? hidden[hidden.length - 1] : observationSize, actionCount]);
  return {
    description: `MLP ${[observationSize, ...hidden, actionCount].join("-")} (${options.loss} loss, ${options.engine} gradients)`,
    parameterCount: parameterCount(sizes),
    observationSize,
    actionCount,
    initialize: (theta, rng) => initializeLayers(theta, layers, rng),
    qValues(theta, obs, batch, out) {
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
export function duelingQNetwork(observationSize: number, actionCount: number, hidden: number[], options: { loss: LossKind; engine: Engine }): QNetwork {
  if (hidden.length === 0) throw new Error("a dueling network needs at least one hidden layer");
  const sizes = [observationSize, ...hidden, actionCount] as unknown as Float64Array;
  const act = new Float64Array(unitCount(sizes));
  const q = new Float64Array(actionCount);
  const grads: Float64Array[] = [new Float64Array(0)];
  const huber = options.loss === "huber";
  const gradient = DUELING_GRADIENTS[options.engine];
  const h = hidden[hidden.length - 1];
  const layers = hidden.map((width, i): [number, number] => [i === 0 ? observationSize : hidden[i - 1], width]);
  layers.push([h, 1], [h, actionCount]);
  return {
    description: `dueling MLP ${[observationSize, ...hidden].join("-")} → V + A(${actionCount}) (${options.loss} loss, ${options.engine} gradients)`,
    parameterCount: duelingParameterCount(sizes),
    observationSize,
    actionCount,
    initialize: (theta, rng) => initializeLayers(theta, layers, rng),
    qValues(theta, obs, batch, out) {
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
