/**
 * gradc's DQN on jax-js ("jax-js jit (f32)"), written as a JAX user would: parameters are a list
 * of arrays (flax's Dense layout, kernel n_in × n_out, then bias), and a gradient step is ONE
 * jitted function — TD targets, `valueAndGrad` of the loss, norm clipping and the Adam update —
 * that returns the new parameters and optimizer state with the loss and the gradient norm;
 * the Polyak target update and greedy action selection are jitted too. float32 on the wasm
 * backend (loaded by bench/peers/jax.ts's `loadJax`).
 *
 * - Adam is written in jax ops with gradc's rule and constants: m ← β1·m + (1 − β1)·g,
 *   v ← β2·v + (1 − β2)·g², θ ← θ − (lr / c1)·m / (√v / √c2 + ε), c_i = 1 − β_i^t. The
 *   step-dependent factors lr/c1 and √c2 are computed in JavaScript and passed as one array, so
 *   the learning-rate schedule and the step count never retrace the function.
 * - Clipping is gradc's rule with `np.where` on the global norm.
 * - Reference counting (jax-js moves arrays into every call): parameters, moments and target are
 *   handed to a jitted call and replaced by its results; an array used more than once inside a
 *   traced function is `.ref`'d for each further use.
 */
import type * as JaxModule from "@jax-js/jax";
import type { Batch, DQNConfig } from "gradc/rl";
import { loadJax } from "../peers/jax.js";
import { ADAM, CLIP_GUARD, type LearnerFactory, type NetworkShape, type PeerLearner, batchF32, kernelOf } from "./common.js";

type Jax = typeof JaxModule;
type JArray = JaxModule.Array;

export function jaxLearner(): LearnerFactory {
  return async (config, shape, theta) => new JaxLearner(await loadJax(), config, shape, theta);
}

/** The jitted step's signature (jax-js's generic `jit` types are narrowed to it). */
type TrainFn = (params: JArray[], target: JArray[], m: JArray[], v: JArray[], data: JArray[], factors: JArray) => [JArray[], JArray[], JArray[], JArray];
type Owned<F> = F & { dispose(): void };

class JaxLearner implements PeerLearner {
  readonly name = "jax-js jit (f32)";
  private params: JArray[] = [];
  private target: JArray[] = [];
  private m: JArray[] = [];
  private v: JArray[] = [];
  private t = 0;
  private readonly act: Owned<(params: JArray[], obs: JArray) => JArray>;
  private readonly polyak: Owned<(params: JArray[], target: JArray[]) => JArray[]>;
  private readonly step: Owned<TrainFn>;

  constructor(
    private readonly jax: Jax,
    config: DQNConfig,
    private readonly shape: NetworkShape,
    theta: Float64Array,
  ) {
    const { numpy: np, nn } = jax;
    for (const l of shape.layers) {
      const bias = Float32Array.from(theta.subarray(l.bOffset, l.bOffset + l.nOut));
      for (const [values, dims] of [
        [kernelOf(theta, l), [l.nIn, l.nOut]],
        [bias, [l.nOut]],
      ] as const) {
        this.params.push(np.array(values).reshape([...dims]));
        this.target.push(np.array(values).reshape([...dims]));
        this.m.push(np.zeros([...dims], { dtype: np.float32 }));
        this.v.push(np.zeros([...dims], { dtype: np.float32 }));
      }
    }
    const A = shape.actionCount;
    const c = config;
    const refs = (xs: JArray[]) => xs.map((x) => x.ref);

    // Q-values of a batch of observations; consumes params and x.
    const forward = (params: JArray[], x: JArray): JArray => {
      let h = x;
      shape.layers.forEach((l, i) => {
        const z = np.matmul(h, params[2 * i]!).add(params[2 * i + 1]!);
        h = l.hidden ? nn.relu(z) : z;
      });
      return h;
    };
    const loss = (params: JArray[], obs: JArray, taken: JArray, y: JArray): JArray => {
      const d = forward(params, obs).mul(taken).sum(1).sub(y);
      if (c.loss === "mse") return d.ref.mul(d).mean();
      // Huber, δ = 1: ½d² where |d| ≤ 1, |d| − ½ beyond.
      const a = np.absolute(d.ref);
      return np.where(a.ref.lessEqual(1), d.ref.mul(d).mul(0.5), a.sub(0.5)).mean();
    };
    const valueAndGrad = jax.valueAndGrad(loss) as (params: JArray[], obs: JArray, taken: JArray, y: JArray) => [JArray, JArray[]];

    this.act = jax.jit((params: JArray[], obs: JArray) => np.argmax(forward(params, obs), 1)) as unknown as JaxLearner["act"];
    this.polyak = jax.jit((params: JArray[], target: JArray[]) =>
      target.map((t, i) => (c.tau >= 1 ? (t.dispose(), params[i]!) : params[i]!.mul(c.tau).add(t.mul(1 - c.tau)))),
    ) as unknown as JaxLearner["polyak"];

    const train: TrainFn = (params, target, m, v, [obs, nextObs, actions, rewards, bootstrapDiscounts], factors) => {
      // TD targets y = r + γ^k·(1 − done)·Q_target(s', a'), a' = argmax of the online (Double DQN) or target network.
      const nextQ = forward(target, nextObs!.ref);
      let chooser: JArray;
      if (c.double_dqn) chooser = forward(refs(params), nextObs!);
      else {
        nextObs!.dispose();
        chooser = nextQ.ref;
      }
      const y = rewards!.add(bootstrapDiscounts!.mul(nextQ.mul(nn.oneHot(np.argmax(chooser, 1), A)).sum(1)));
      const [value, grads] = valueAndGrad(refs(params), obs!, nn.oneHot(actions!, A), y);
      // gradc's clipGradientNorm: scale by max / (norm + 1e-6) only when the norm exceeds max.
      const norm = np.sqrt(np.stack(grads.map((g) => np.square(g.ref).sum())).sum());
      const scale = np.where(norm.ref.greater(c.max_grad_norm), np.reciprocal(norm.ref.add(CLIP_GUARD)).mul(c.max_grad_norm), 1);
      const stepSize = factors.ref.slice(0);
      const root2 = factors.slice(1);
      const newM: JArray[] = [];
      const newV: JArray[] = [];
      const newParams = params.map((p, i) => {
        const g = grads[i]!.mul(scale.ref);
        const mi = m[i]!.mul(ADAM.beta1).add(g.ref.mul(1 - ADAM.beta1));
        const vi = v[i]!.mul(ADAM.beta2).add(np.square(g).mul(1 - ADAM.beta2));
        newM.push(mi.ref);
        newV.push(vi.ref);
        return p.sub(mi.mul(stepSize.ref).div(np.sqrt(vi).div(root2.ref).add(ADAM.epsilon)));
      });
      scale.dispose();
      stepSize.dispose();
      root2.dispose();
      return [newParams, newM, newV, np.stack([value, norm])];
    };
    this.step = jax.jit(train) as unknown as Owned<TrainFn>;
  }

  greedyAction(obs: Float64Array): number {
    const np = this.jax.numpy;
    const x = np.array(Float32Array.from(obs)).reshape([1, this.shape.observationSize]);
    return this.act(this.params.map((p) => p.ref), x).dataSync()[0]!;
  }

  trainStep(batch: Batch, learningRate: number): { loss: number; gradientNorm: number } {
    const np = this.jax.numpy;
    const B = batch.size;
    const D = this.shape.observationSize;
    const data = batchF32(batch);
    this.t++;
    const factors = np.array(new Float32Array([learningRate / (1 - ADAM.beta1 ** this.t), Math.sqrt(1 - ADAM.beta2 ** this.t)]));
    const arrays = [
      np.array(data.obs).reshape([B, D]),
      np.array(data.nextObs).reshape([B, D]),
      np.array(data.actions),
      np.array(data.rewards),
      np.array(data.bootstrapDiscounts),
    ];
    const [params, m, v, stats] = this.step(this.params, this.target.map((t) => t.ref), this.m, this.v, arrays, factors);
    this.params = params;
    this.m = m;
    this.v = v;
    const [loss, gradientNorm] = stats.dataSync();
    return { loss: loss!, gradientNorm: gradientNorm! };
  }

  updateTarget(): void {
    this.target = this.polyak(this.params.map((p) => p.ref), this.target);
    // jax-js is lazy: a jitted call only queues its kernel, and every later call copies the
    // queue of its inputs. Until learning starts nothing reads the target, so a thousand queued
    // updates would make each further one slower (quadratic). Reading one number back (the
    // smallest output: the last bias) runs the queued update now, as JAX's block_until_ready would.
    this.target[this.target.length - 1]!.ref.dataSync();
  }

  dispose(): void {
    this.act.dispose();
    this.polyak.dispose();
    this.step.dispose();
    for (const x of [...this.params, ...this.target, ...this.m, ...this.v]) x.dispose();
  }
}
