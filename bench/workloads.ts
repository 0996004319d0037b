/**
 * The benchmark's workloads: one problem instance each, with seeded data, so every engine (and
 * every run) differentiates the same numbers. `npm run bench -- --quick` takes the smaller list.
 *
 * Besides the data (bench/engines/types.ts), this module gives each workload a plain evaluation
 * over one flat input vector (`flatFunction`: what finite differences perturb) and a rough count
 * of the arithmetic one evaluation does (`estimatedWork`), from which engines decide what they
 * can afford (forward mode and finite differences cost inputs × forward, the tape a node per
 * operation).
 */
import { gmmObjective } from "../dsl-examples/gmm.js";
import { f as lecture } from "../dsl-examples/lecture.js";
import { lstmLoss, lstmParameterCount } from "../dsl-examples/lstm.js";
import { rosenbrock } from "../dsl-examples/rosenbrock.js";
import { parameterCount, weightedTdLoss } from "../runtime/rl/networks/mlp.js";
import type { Workload } from "./engines/types.js";
import { scalarLoop } from "./scalar-loop.js";

/** Park–Miller generator in [-1, 1): the same sequence on every machine. */
export function lcg(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
}

export function lectureWorkload(): Workload {
  return { family: "lecture", name: "lecture f(x1, x2)", size: 2, x: Float64Array.of(1.5, 0.5) };
}

export function rosenbrockWorkload(n: number): Workload {
  const rnd = lcg(1000 + n);
  return { family: "rosenbrock", name: `rosenbrock n=${n}`, size: n, x: Float64Array.from({ length: n }, () => 1.2 * rnd()) };
}

export function dqnWorkload(sizes: number[], batch: number): Workload {
  const rnd = lcg(7 + sizes[1] + 31 * batch + 1009 * sizes[0]);
  const n = parameterCount(sizes);
  const fanIn = (l: number) => sizes[l - 1];
  // He-style initialisation layer by layer (weights row-major n_out × n_in, then biases).
  const theta = new Float64Array(n);
  let p = 0;
  for (let l = 1; l < sizes.length; l++) {
    const scale = Math.sqrt(2 / fanIn(l));
    for (let k = 0; k < sizes[l] * sizes[l - 1]; k++) theta[p++] = scale * rnd();
    for (let k = 0; k < sizes[l]; k++) theta[p++] = 0.1 * rnd();
  }
  const actionsCount = sizes[sizes.length - 1];
  return {
    family: "dqn",
    name: `dqn ${sizes.join("-")} batch ${batch}`,
    size: n,
    sizes,
    batch,
    theta,
    obs: Float64Array.from({ length: batch * sizes[0] }, rnd),
    actions: Float64Array.from({ length: batch }, (_, i) => i % actionsCount),
    // Spread so that both branches of the Huber loss occur.
    targets: Float64Array.from({ length: batch }, (_, i) => (i % 3 === 0 ? 4 : 1) * rnd()),
    // Uniform replay (the default CartPole config): every importance weight is 1. The
    // hand-written backprop (bench/handwritten-qnet.ts) assumes it.
    weights: new Float64Array(batch).fill(1),
  };
}

export function gmmWorkload(d: number, k: number, n: number): Workload {
  const rnd = lcg(5 + d * 7 + k * 131 + n * 17);
  const icfSize = (d * (d + 1)) / 2;
  return {
    family: "gmm",
    name: `gmm d=${d} k=${k} n=${n}`,
    size: k + k * d + k * icfSize,
    d,
    k,
    n,
    alphas: Float64Array.from({ length: k }, rnd),
    means: Float64Array.from({ length: k * d }, rnd),
    icf: Float64Array.from({ length: k * icfSize }, () => 0.5 * rnd()),
    x: Float64Array.from({ length: n * d }, rnd),
    gamma: 1,
    m: 0,
  };
}

export function lstmWorkload(hidden: number, steps: number): Workload {
  const rnd = lcg(3 + hidden * 13 + steps);
  const n = lstmParameterCount(hidden);
  const scale = 1 / Math.sqrt(hidden + 1);
  return {
    family: "lstm",
    name: `lstm hidden=${hidden} steps=${steps}`,
    size: n,
    hidden,
    steps,
    w: Float64Array.from({ length: n }, () => scale * rnd()),
    xs: Float64Array.from({ length: steps }, rnd),
    targets: Float64Array.from({ length: steps }, () => 0.5 * rnd()),
  };
}

export function scalarLoopWorkload(iterations: number): Workload {
  return { family: "scalar-loop", name: `scalar loop ${iterations} iterations`, size: 2, iterations, x: Float64Array.of(1, 0.999) };
}

/** The workloads of a run, smallest first within each family. */
export function workloads(quick: boolean): Workload[] {
  const list: Workload[] = [lectureWorkload()];
  for (const n of quick ? [10, 100, 1000, 10_000] : [10, 100, 1000, 10_000, 100_000]) list.push(rosenbrockWorkload(n));
  const dqn: [number[], number][] = quick
    ? [
        [[4, 64, 64, 2], 128],
        [[4, 256, 256, 2], 128],
      ]
    : [
        [[4, 64, 64, 2], 64],
        [[4, 64, 64, 2], 128],
        [[4, 256, 256, 2], 64],
        [[4, 256, 256, 2], 128],
        [[64, 256, 10], 128],
      ];
  for (const [sizes, batch] of dqn) list.push(dqnWorkload(sizes, batch));
  const gmm: [number, number, number][] = quick
    ? [
        [2, 3, 1],
        [10, 5, 100],
      ]
    : [
        [2, 3, 1],
        [2, 5, 100],
        [10, 5, 100],
        [20, 10, 1000],
      ];
  for (const [d, k, n] of gmm) list.push(gmmWorkload(d, k, n));
  for (const [hidden, steps] of quick ? [[8, 20]] : [[8, 20], [32, 50]]) list.push(lstmWorkload(hidden, steps));
  list.push(scalarLoopWorkload(100_000));
  return list;
}

/**
 * A plain evaluation of the workload's function over one flat vector of its differentiated inputs
 * (in the workload's input order). `inputs` is a fresh copy; `evaluate` reads it, so changing an
 * entry and calling `evaluate` again evaluates at the perturbed point.
 */
export function flatFunction(w: Workload): { inputs: Float64Array; evaluate: () => number } {
  switch (w.family) {
    case "lecture": {
      const inputs = Float64Array.from(w.x);
      return { inputs, evaluate: () => lecture(inputs[0], inputs[1]) };
    }
    case "rosenbrock": {
      const inputs = Float64Array.from(w.x);
      return { inputs, evaluate: () => rosenbrock(inputs) };
    }
    case "dqn": {
      const inputs = Float64Array.from(w.theta);
      const sizes = w.sizes as unknown as Float64Array; // small integers: V8 keeps index arithmetic integral
      return { inputs, evaluate: () => weightedTdLoss(inputs, sizes, w.obs, w.actions, w.targets, w.weights, w.batch, true) };
    }
    case "gmm": {
      const inputs = new Float64Array(w.size);
      inputs.set(w.alphas, 0);
      inputs.set(w.means, w.k);
      inputs.set(w.icf, w.k + w.k * w.d);
      const alphas = inputs.subarray(0, w.k);
      const means = inputs.subarray(w.k, w.k + w.k * w.d);
      const icf = inputs.subarray(w.k + w.k * w.d);
      return { inputs, evaluate: () => gmmObjective(alphas, means, icf, w.x, w.d, w.k, w.n, w.gamma, w.m) };
    }
    case "lstm": {
      const inputs = Float64Array.from(w.w);
      return { inputs, evaluate: () => lstmLoss(inputs, w.xs, w.targets, w.hidden) };
    }
    case "scalar-loop": {
      const inputs = Float64Array.from(w.x);
      return { inputs, evaluate: () => scalarLoop(inputs[0], inputs[1], w.iterations) };
    }
  }
}

/** Roughly how many arithmetic operations one evaluation does (the tape records about that many nodes). */
export function estimatedWork(w: Workload): number {
  switch (w.family) {
    case "lecture":
      return 7;
    case "rosenbrock":
      return 8 * w.size;
    case "dqn": {
      let perSample = 0;
      for (let l = 1; l < w.sizes.length; l++) perSample += 2 * w.sizes[l] * (w.sizes[l - 1] + 1);
      return w.batch * perSample;
    }
    case "gmm": {
      const perTerm = 4 * w.d + w.d * (w.d - 1) + 8;
      return w.n * w.k * perTerm + 8 * w.k * (w.d * (w.d + 1)) / 2;
    }
    case "lstm":
      return w.steps * (4 * w.hidden * (2 * w.hidden + 4) + 20 * w.hidden);
    case "scalar-loop":
      return 4 * w.iterations;
  }
}

/** The problem family's label in tables and plots. */
export const FAMILY_TITLES: Record<Workload["family"], string> = {
  lecture: "the lecture example",
  rosenbrock: "Rosenbrock",
  dqn: "DQN batch loss (runtime/rl/networks/mlp.ts)",
  gmm: "ADBench GMM",
  lstm: "LSTM (dsl-examples/lstm.ts)",
  "scalar-loop": "long scalar loop",
};
