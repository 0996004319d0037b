/**
 * What the TensorFlow.js and jax-js DQN learners share: the contract between the training loop
 * (loop.ts) and a library, the config features they implement, the starting weights and the
 * float32 view of a replay batch.
 *
 * Every hyperparameter comes from the gradc `DQNConfig` the loop is given. The only numbers
 * here are the ones gradc's trainer fixes in code rather than in its config: Adam's β1, β2 and ε
 * and the clipping guard (runtime/rl/optimizers.ts), and the Huber threshold 1
 * (runtime/rl/networks/mlp.ts).
 */
import { type Batch, type DQNConfig, Random, mlpQNetwork } from "gradc/rl";
import { type DqnLayer, dqnLayers } from "../peers/common.js";

/** gradc's Adam (runtime/rl/optimizers.ts, PyTorch's defaults). tf.train.adam's own ε default is 1e-7: it is passed explicitly. */
export const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 } as const;

/** gradc's `clipGradientNorm`: scale by maxNorm / (norm + 1e-6) when the norm exceeds maxNorm. */
export const CLIP_GUARD = 1e-6;

/**
 * One library's half of a DQN: the online and target networks, the optimizer state and the
 * three operations the loop asks for. Everything numeric happens inside the library.
 */
export interface PeerLearner {
  /** The engine name the benchmark reports, e.g. "tfjs-wasm (f32)". */
  readonly name: string;
  /** argmax_a Q(obs, a) of the online network (one forward pass of one observation). */
  greedyAction(obs: Float64Array): number;
  /**
   * One gradient step on a sampled batch at learning rate `learningRate`: TD targets from the
   * target network (Double DQN if configured), the loss and its gradient, norm clipping, Adam.
   * Returns the loss and the gradient norm before clipping (read back together, once).
   */
  trainStep(batch: Batch, learningRate: number): { loss: number; gradientNorm: number };
  /** θ' ← τθ + (1 − τ)θ' (a hard copy when τ = 1). */
  updateTarget(): void;
  /** Frees the library's tensors and compiled functions. */
  dispose(): void;
}

/** Makes a learner from the config and the starting parameters (theta in gradc's layout). */
export type LearnerFactory = (config: DQNConfig, shape: NetworkShape, theta: Float64Array) => Promise<PeerLearner>;

export interface NetworkShape {
  observationSize: number;
  actionCount: number;
  /** Layer widths: observation, hidden…, actions (gradc's `sizes`). */
  sizes: number[];
  /** Layers in theta's layout: W (n_out × n_in, row-major) then b, layer by layer. */
  layers: DqnLayer[];
}

export function networkShape(config: DQNConfig, observationSize: number, actionCount: number): NetworkShape {
  const sizes = [observationSize, ...config.net_arch, actionCount];
  return { observationSize, actionCount, sizes, layers: dqnLayers(sizes) };
}

/**
 * Throws unless the config asks only for what the peer learners implement: the ReLU MLP, Adam
 * and uniform replay (CartPole-v1's config). Double DQN, n-step returns, Polyak or hard target
 * updates, either loss and every schedule are implemented.
 */
export function checkSupported(config: DQNConfig): void {
  const unsupported: string[] = [];
  if (config.network !== "mlp") unsupported.push(`network "${config.network}"`);
  if (config.optimizer !== "adam") unsupported.push(`optimizer "${config.optimizer}"`);
  if (config.prioritized_replay) unsupported.push("prioritized_replay");
  if (unsupported.length > 0) throw new Error(`peer DQN learners implement the MLP with Adam and uniform replay; this config asks for ${unsupported.join(", ")}`);
}

/**
 * The starting parameters exactly as gradc's trainer draws them (PyTorch's nn.Linear
 * initialisation, U(±1/√fan_in), from the run's seeded generator): the peers start from the
 * same network as gradc, and the generator is left where gradc's is after initialisation, so
 * the ε-greedy draws, episode seeds and replay samples that follow are the same stream.
 */
export function initialParameters(config: DQNConfig, shape: NetworkShape, rng: Random): Float64Array {
  const network = mlpQNetwork(shape.observationSize, shape.actionCount, config.net_arch, { loss: config.loss, engine: "compiled" });
  const theta = new Float64Array(network.parameterCount);
  network.initialize(theta, rng);
  return theta;
}

/** A replay batch as the float32 arrays a library uploads (fresh arrays: a library may keep them). */
export interface BatchF32 {
  obs: Float32Array;
  nextObs: Float32Array;
  actions: Int32Array;
  rewards: Float32Array;
  /** γ^k of the stored n-step transition, times 0 where the episode terminated (no bootstrap). */
  bootstrapDiscounts: Float32Array;
}

/**
 * The batch in float32. The bootstrap factor discount·(1 − done) is folded here, in float64 as
 * gradc folds it, so each library uploads one array for it instead of two.
 */
export function batchF32(batch: Batch): BatchF32 {
  const B = batch.size;
  const bootstrapDiscounts = new Float32Array(B);
  for (let b = 0; b < B; b++) bootstrapDiscounts[b] = batch.discounts[b]! * (1 - batch.dones[b]!);
  return {
    obs: Float32Array.from(batch.obs),
    nextObs: Float32Array.from(batch.nextObs),
    actions: Int32Array.from(batch.actions),
    rewards: Float32Array.from(batch.rewards),
    bootstrapDiscounts,
  };
}

/** theta's layer `l` as a TensorFlow-style kernel K = Wᵀ (n_in × n_out, row-major). */
export function kernelOf(theta: Float64Array, l: DqnLayer): Float32Array {
  const kernel = new Float32Array(l.nIn * l.nOut);
  for (let j = 0; j < l.nOut; j++) for (let i = 0; i < l.nIn; i++) kernel[i * l.nOut + j] = theta[l.wOffset + j * l.nIn + i]!;
  return kernel;
}

/** theta's layer `l` weights as W (n_out × n_in, row-major) and its biases, in float32. */
export function weightsOf(theta: Float64Array, l: DqnLayer): { w: Float32Array; b: Float32Array } {
  return { w: Float32Array.from(theta.subarray(l.wOffset, l.wOffset + l.nOut * l.nIn)), b: Float32Array.from(theta.subarray(l.bOffset, l.bOffset + l.nOut)) };
}
