/**
 * gradc's DQN on TensorFlow.js ("tfjs-cpu (f32)", "tfjs-wasm (f32)"), written as a TensorFlow.js
 * user would: the online and target networks are `tf.variable`s, a gradient step is one
 * `tf.tidy` around `tf.variableGrads` of the loss followed by `optimizer.applyGradients`, in
 * float32 (TensorFlow.js has no float64).
 *
 * - Layers are kernels K = Wᵀ (n_in × n_out, `tf.layers.dense`'s layout) and biases, so the
 *   forward pass is a plain `matMul` (a transposed matMul is ~8× slower on the wasm backend,
 *   see bench/peers/tfjs.ts).
 * - Optimizer: `tf.train.adam` with gradc's β1, β2 and ε (tf's ε default is 1e-7, gradc's 1e-8);
 *   its update m̂ / (√v̂ + ε) is gradc's and PyTorch's. The linear learning-rate schedule sets
 *   the optimizer's learning rate before every step, through a subclass (the field is protected:
 *   tfjs has no schedule object).
 * - Gradient clipping: tfjs optimizers have no clipnorm, so the global norm is computed with tf
 *   ops between `variableGrads` and `applyGradients`, with gradc's rule.
 * - The TD targets (Double DQN: the online network picks a', the target network values it) are
 *   computed with tf ops outside `variableGrads`, so no gradient flows through them.
 * - The loss is `tf.losses.huberLoss` (δ = 1) or `meanSquaredError`, mean over the batch: gradc's
 *   loss with its uniform-replay weights of 1.
 *
 * The backend is made current once, when the learner is made; a run stays on it.
 */
import type * as TfModule from "@tensorflow/tfjs";
import { type Batch, type DQNConfig, learningRateAt } from "gradc/rl";
import { loadTf } from "../peers/tfjs.js";
import { ADAM, CLIP_GUARD, type LearnerFactory, type NetworkShape, type PeerLearner, batchF32, kernelOf } from "./common.js";

type Tf = typeof TfModule;
type Tensor = TfModule.Tensor;
type Variable = TfModule.Variable;

export function tfjsLearner(backend: "cpu" | "wasm"): LearnerFactory {
  return async (config, shape, theta) => {
    const tf = await loadTf();
    if (!(await tf.setBackend(backend)) || tf.getBackend() !== backend) throw new Error(`tfjs: could not switch to the ${backend} backend`);
    return new TfLearner(tf, `tfjs-${backend} (f32)`, config, shape, theta);
  };
}

/** The optimizer's learning rate is a protected field of tf's Adam: a subclass may set it. */
function scheduledAdam(tf: Tf, learningRate: number) {
  class ScheduledAdam extends tf.AdamOptimizer {
    setLearningRate(rate: number): void {
      this.learningRate = rate;
    }
  }
  return new ScheduledAdam(learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon);
}

/**
 * One-hot rows in float32, through an int32 `tf.oneHot` and a cast: `tf.oneHot(…, "float32")` is
 * wrong on the wasm backend of tfjs 4.22 (its kernel writes the int32 bit patterns of 0 and 1,
 * so "1" reads as 1.4e-45 and every gathered Q-value is ~0).
 */
function oneHot(tf: Tf, indices: Tensor, depth: number): Tensor {
  return tf.cast(tf.oneHot(indices, depth), "float32");
}

class TfLearner implements PeerLearner {
  private readonly online: Variable[] = [];
  private readonly target: Variable[] = [];
  private readonly optimizer: ReturnType<typeof scheduledAdam>;

  constructor(
    private readonly tf: Tf,
    readonly name: string,
    private readonly config: DQNConfig,
    private readonly shape: NetworkShape,
    theta: Float64Array,
  ) {
    for (const l of shape.layers) {
      const kernel = kernelOf(theta, l);
      const bias = Float32Array.from(theta.subarray(l.bOffset, l.bOffset + l.nOut));
      this.online.push(tf.variable(tf.tensor2d(kernel, [l.nIn, l.nOut]), true), tf.variable(tf.tensor1d(bias), true));
      this.target.push(tf.variable(tf.tensor2d(kernel, [l.nIn, l.nOut]), false), tf.variable(tf.tensor1d(bias), false));
    }
    this.optimizer = scheduledAdam(tf, learningRateAt(config.learning_rate, 0)); // as gradc; the schedule resets it every step
  }

  /** Q-values of a batch of observations (B × n_0) under `params`. */
  private forward(params: readonly Tensor[], x: Tensor): Tensor {
    const tf = this.tf;
    let h = x;
    this.shape.layers.forEach((l, i) => {
      const z = tf.add(tf.matMul(h, params[2 * i]!), params[2 * i + 1]!);
      h = l.hidden ? tf.relu(z) : z;
    });
    return h;
  }

  greedyAction(obs: Float64Array): number {
    const tf = this.tf;
    const best = tf.tidy(() => tf.argMax(this.forward(this.online, tf.tensor2d(Float32Array.from(obs), [1, this.shape.observationSize])), 1));
    const action = best.dataSync()[0]!;
    best.dispose();
    return action;
  }

  trainStep(batch: Batch, learningRate: number): { loss: number; gradientNorm: number } {
    const { tf, config: c } = this;
    const B = batch.size;
    const D = this.shape.observationSize;
    const A = this.shape.actionCount;
    const data = batchF32(batch);
    const stats = tf.tidy(() => {
      const obs = tf.tensor2d(data.obs, [B, D]);
      const nextObs = tf.tensor2d(data.nextObs, [B, D]);
      const taken = oneHot(tf, tf.tensor1d(data.actions, "int32"), A);
      // TD targets y = r + γ^k·(1 − done)·Q_target(s', a'), a' = argmax of the online (Double DQN) or target network.
      const nextQ = this.forward(this.target, nextObs);
      const chooser = c.double_dqn ? this.forward(this.online, nextObs) : nextQ;
      const next = oneHot(tf, tf.argMax(chooser, 1), A);
      const y = tf.add(tf.tensor1d(data.rewards), tf.mul(tf.tensor1d(data.bootstrapDiscounts), tf.sum(tf.mul(nextQ, next), 1)));

      const { value, grads } = tf.variableGrads(() => {
        const q = tf.sum(tf.mul(this.forward(this.online, obs), taken), 1);
        return c.loss === "huber" ? tf.losses.huberLoss(y, q, undefined, 1, tf.Reduction.MEAN) : tf.losses.meanSquaredError(y, q, undefined, tf.Reduction.MEAN);
      }, this.online);

      // gradc's clipGradientNorm: scale by max / (norm + 1e-6) only when the norm exceeds max.
      const names = Object.keys(grads);
      const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]!)))));
      const scale = tf.where(tf.greater(norm, c.max_grad_norm), tf.div(c.max_grad_norm, tf.add(norm, CLIP_GUARD)), tf.onesLike(norm));
      const clipped = names.map((name) => ({ name, tensor: tf.mul(grads[name]!, scale) }));
      this.optimizer.setLearningRate(learningRate);
      this.optimizer.applyGradients(clipped);
      return tf.stack([value, norm]);
    });
    const [loss, gradientNorm] = stats.dataSync();
    stats.dispose();
    return { loss: loss!, gradientNorm: gradientNorm! };
  }

  updateTarget(): void {
    const { tf } = this;
    const tau = this.config.tau;
    tf.tidy(() => {
      this.target.forEach((t, i) => {
        const p = this.online[i]!;
        t.assign(tau >= 1 ? tf.clone(p) : tf.add(tf.mul(p, tau), tf.mul(t, 1 - tau)));
      });
    });
  }

  dispose(): void {
    this.tf.dispose([...this.online, ...this.target]);
    this.optimizer.dispose();
  }
}
