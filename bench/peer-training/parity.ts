/**
 * Checks that each peer learner makes gradc's update: from the same initial weights, on the
 * same sequence of replay batches, gradc's own pieces (its Q-network's forward pass and compiled
 * gradient, `clipGradientNorm`, its Adam, the Polyak average, in float64, as dqn.ts's `trainStep`
 * and `updateTarget` chain them) and each peer (float32) report their loss and gradient norm step
 * by step. Rewards are scaled up so that TD errors are large and clipping is exercised.
 *
 * A peer that matches differs from gradc by float32 rounding only: a relative difference of
 * ~1e-6 at first, drifting to ~1e-3 over hundreds of steps as the parameters drift apart.
 *
 *   node bin/gradc.js run bench/peer-training/parity.ts [-- STEPS [REWARD_SCALE]]
 */
import { type Batch, Random, ReplayBuffer, clipGradientNorm, createBatch, createOptimizer, learningRateAt, mlpQNetwork } from "gradc/rl";
import { trainingConfig } from "../training.js";
import { type LearnerFactory, initialParameters, networkShape } from "./common.js";
import { jaxLearner } from "./jax.js";
import { tfjsLearner } from "./tfjs.js";

const steps = Number(process.argv[2] ?? 400);
const rewardScale = Number(process.argv[3] ?? 30);
const c = trainingConfig();
const D = 4;
const A = 2;
const shape = networkShape(c, D, A);
const rng = new Random(7);
const theta0 = initialParameters(c, shape, rng);

// Random transitions with CartPole's shapes; n-step sums, truncations and terminations come from gradc's buffer.
const buffer = new ReplayBuffer({ capacity: 5000, obsSize: D, gamma: c.gamma, nStep: c.n_steps });
const observation = () => Array.from({ length: D }, () => rng.uniform(-2, 2));
for (let i = 0; i < 3000; i++) buffer.add(observation(), rng.nextInt(A), rng.uniform(0, rewardScale), observation(), rng.nextFloat() < 0.05, rng.nextFloat() < 0.02);
const batches: Batch[] = Array.from({ length: steps }, () => {
  const b = createBatch(c.batch_size, D);
  buffer.sample(b, rng);
  return b;
});
const learningRate = (k: number) => learningRateAt(c.learning_rate, k / steps);

/** gradc's update sequence in float64: [loss, gradient norm before clipping] per step. */
function gradcReference(): [number, number][] {
  const network = mlpQNetwork(D, A, c.net_arch, { loss: c.loss, engine: "compiled" });
  const theta = theta0.slice();
  const target = theta0.slice();
  const grad = new Float64Array(theta.length);
  const optimizer = createOptimizer(c.optimizer, theta.length, learningRate(0));
  const B = c.batch_size;
  const nextQ = new Float64Array(B * A);
  const nextQOnline = new Float64Array(B * A);
  const targets = new Float64Array(B);
  return batches.map((batch, k) => {
    network.qValues(target, batch.nextObs, B, nextQ);
    network.qValues(theta, batch.nextObs, B, nextQOnline);
    const chooser = c.double_dqn ? nextQOnline : nextQ;
    for (let b = 0; b < B; b++) {
      let best = 0;
      for (let a = 1; a < A; a++) if (chooser[b * A + a]! > chooser[b * A + best]!) best = a;
      targets[b] = batch.rewards[b]! + batch.discounts[b]! * (1 - batch.dones[b]!) * nextQ[b * A + best]!;
    }
    const loss = network.lossAndGradient(grad, theta, batch.obs, batch.actions, targets, batch.weights, B);
    const norm = clipGradientNorm(grad, c.max_grad_norm);
    optimizer.learningRate = learningRate(k);
    optimizer.step(theta, grad);
    for (let i = 0; i < theta.length; i++) target[i] = c.tau * theta[i]! + (1 - c.tau) * target[i]!;
    return [loss, norm];
  });
}

async function check(name: string, factory: LearnerFactory, reference: [number, number][]): Promise<number> {
  const learner = await factory(c, shape, theta0);
  let worst = 0;
  try {
    batches.forEach((batch, k) => {
      const { loss, gradientNorm } = learner.trainStep(batch, learningRate(k));
      learner.updateTarget();
      const [refLoss, refNorm] = reference[k]!;
      worst = Math.max(worst, Math.abs(loss - refLoss) / Math.abs(refLoss), Math.abs(gradientNorm - refNorm) / refNorm);
    });
  } finally {
    learner.dispose();
  }
  process.stdout.write(`${name}: worst relative difference from gradc over ${steps} steps ${worst.toExponential(2)}\n`);
  return worst;
}

const reference = gradcReference();
const clipped = reference.filter(([, norm]) => norm > c.max_grad_norm).length;
process.stdout.write(`gradc: ${steps} steps, ${clipped} of them clipped (norm > ${c.max_grad_norm})\n`);
let failed = false;
for (const [name, factory] of [
  ["tfjs-cpu (f32)", tfjsLearner("cpu")],
  ["tfjs-wasm (f32)", tfjsLearner("wasm")],
  ["jax-js jit (f32)", jaxLearner()],
] as const) {
  // Float32 drift stays well under 1e-2 over a few hundred steps; a wrong rule shows at once.
  if ((await check(name, factory, reference)) > 1e-2) failed = true;
}
process.exitCode = failed ? 1 : 0;
