/**
 * Training throughput and time to solve: DQN on CartPole-v1 with gradc's tuned default config
 * (configs/CartPole-v1.json: Double DQN, 3-step returns, Polyak targets, 64-64 MLP, batch 128, a
 * gradient step every 2 environment steps after 1,000 learning-start steps, linearly decaying
 * learning rate), the same algorithm on six engines:
 *
 * - "compiled", "wasm" and "tape": gradc's trainer itself (runtime/rl/dqn.ts `DQN`) with the
 *   compiled gradient in JavaScript, the same generated code as WebAssembly (`engine: "wasm"`;
 *   "wasm32": with `dtype: "float32"`), and the tape engine on the same loss;
 * - "tfjs-cpu (f32)", "tfjs-wasm (f32)", "jax-js jit (f32)": the same loop (peer-training/loop.ts,
 *   gradc's environment, replay buffer, generator and schedules) with the network, targets, loss,
 *   gradient, clipping and Adam step in TensorFlow.js or jax-js (peer-training/tfjs.ts, jax.ts).
 *
 * Every hyperparameter comes from one place, `trainingConfig` (gradc's config object). Every
 * engine starts from the same initial weights (gradc's initialisation from the run's seed) and
 * draws the same random numbers, so until float32 rounding first flips a greedy action the peers
 * replay gradc's episodes exactly (checked: the first ~280 episodes, over 3,000 steps).
 *
 * Throughput runs a fixed number of steps with evaluations off (gradc's final greedy evaluation is
 * not timed); the clock starts at step 1, so setup — library loading, network creation — is not
 * timed, while jax-js's tracing and compiling on first use is (a few hundred ms). Time to solve
 * runs the config's full schedule until the mean return of the last solve_window episodes reaches
 * reward_threshold (gradc's criterion).
 */
import { CartPole, DQN, type DQNConfig, defaultConfig, mergeConfig } from "gradc/rl";
import type { LearnerFactory } from "./peer-training/common.js";
import { trainPeer } from "./peer-training/loop.js";

/** Engines by their command-line ids; the values are the names results carry. */
export const TRAINING_ENGINES = {
  compiled: "compiled",
  wasm: "wasm",
  wasm32: "wasm (f32)",
  tape: "tape",
  "tfjs-cpu": "tfjs-cpu (f32)",
  "tfjs-wasm": "tfjs-wasm (f32)",
  jax: "jax-js jit (f32)",
} as const;
export type TrainingEngineId = keyof typeof TRAINING_ENGINES;
export type TrainingEngine = (typeof TRAINING_ENGINES)[TrainingEngineId];

export function isTrainingEngineId(id: string): id is TrainingEngineId {
  return Object.hasOwn(TRAINING_ENGINES, id);
}

/** gradc's own trainer, or a peer library under the same loop. */
export function isGradcEngine(id: TrainingEngineId): id is "compiled" | "wasm" | "wasm32" | "tape" {
  return id === "compiled" || id === "wasm" || id === "wasm32" || id === "tape";
}

export interface TrainingThroughput {
  engine: TrainingEngine;
  steps: number;
  learningStarts: number;
  updates: number;
  /** Seconds from the first step to the last (the final evaluation excluded). */
  seconds: number;
  /** Seconds after learning_starts, when every other step also makes a gradient update. */
  trainingSeconds: number;
  stepsPerSecond: number;
  /** Environment steps per second after learning_starts. */
  trainingStepsPerSecond: number;
  updatesPerSecond: number;
  episodes: number;
  /** Mean return of the last 10 episodes: evidence that the run learns (random play gets ~20). */
  meanReturnLast10: number;
}

/** A run that could not be made or did not finish (a peer library that failed to load, a divergence). */
export interface TrainingFailure {
  engine: TrainingEngine;
  /** The steps the run was to make. */
  steps: number;
  error: string;
}

export type TrainingResult = TrainingThroughput | TrainingFailure;
export type SolveResult = TimeToSolve | TrainingFailure;

export interface TimeToSolve {
  engine: TrainingEngine;
  seed: number;
  solved: boolean;
  /** The environment step, and the seconds since the first step, at which the criterion first held. */
  solvedAtStep: number | null;
  solvedAtSeconds: number | null;
  /** Episodes finished when the criterion first held (or in the whole run if it never did). */
  episodes: number;
  /** The run's own length: gradc's trainer goes on past the solve until a greedy evaluation agrees (stop_on_solve). */
  steps: number;
  seconds: number;
  /** The criterion: mean return ≥ rewardThreshold over the last solveWindow episodes, within maxSteps. */
  rewardThreshold: number;
  solveWindow: number;
  maxSteps: number;
}

/** The one source of the hyperparameters: CartPole-v1's tuned config, evaluations off. */
export function trainingConfig(overrides: Partial<DQNConfig> = {}): DQNConfig {
  return mergeConfig(defaultConfig("CartPole-v1"), { eval_freq: 0, n_final_eval_episodes: 1, ...overrides }, "bench/training.ts");
}

/** Loads a peer library's learner only when it is asked for (bench/peers/ may be absent). */
async function peerLearner(id: Exclude<TrainingEngineId, "compiled" | "wasm" | "wasm32" | "tape">): Promise<LearnerFactory> {
  if (id === "jax") return (await import("./peer-training/jax.js")).jaxLearner();
  return (await import("./peer-training/tfjs.js")).tfjsLearner(id === "tfjs-cpu" ? "cpu" : "wasm");
}

/** A finished episode: the step it ended at and its return. */
interface Episode {
  step: number;
  return: number;
}

interface RunRecord {
  steps: number;
  seconds: number;
  episodes: Episode[];
  solvedAtStep: number | null;
  solvedAtSeconds: number | null;
}

/** One run of `config` on an engine; `onStep` sees every environment step and the episodes so far. */
async function runEngine(id: TrainingEngineId, config: DQNConfig, onStep: (step: number, episodes: readonly Episode[]) => void, stopWhenSolved: boolean): Promise<RunRecord> {
  const episodes: Episode[] = [];
  if (isGradcEngine(id)) {
    const dqn = new DQN({
      config: { ...config, ...(id === "wasm32" ? { engine: "wasm", dtype: "float32" } : { engine: id }) },
      makeEnv: () => new CartPole(),
      onProgress: (p) => onStep(p.step, episodes),
      output: { episode: (row) => void episodes.push({ step: row.step, return: row.return }) },
    });
    const s = await dqn.train();
    return { steps: s.totalSteps, seconds: s.wallSeconds, episodes, solvedAtStep: s.solvedAtStep, solvedAtSeconds: s.solvedAtSeconds };
  }
  const s = await trainPeer({
    config,
    makeLearner: await peerLearner(id),
    stopWhenSolved,
    onStep: (step) => onStep(step, episodes),
    onEpisode: (step, r) => void episodes.push({ step, return: r }),
  });
  if (s.diverged !== null) throw new Error(`${s.engine} diverged: ${s.diverged}`);
  return { steps: s.steps, seconds: s.seconds, episodes, solvedAtStep: s.solvedAtStep, solvedAtSeconds: s.solvedAtSeconds };
}

export async function trainingThroughput(steps: number, id: TrainingEngineId): Promise<TrainingThroughput> {
  const config = trainingConfig({ total_timesteps: steps });
  let started = NaN;
  let learningStarted = NaN;
  let ended = NaN;
  const run = await runEngine(
    id,
    config,
    (step) => {
      if (step === 1) started = performance.now();
      if (step === config.learning_starts) learningStarted = performance.now();
      if (step === steps) ended = performance.now();
    },
    false,
  );
  let updates = 0;
  for (let s = config.learning_starts + 1; s <= steps; s++) if (s % config.train_freq === 0) updates += config.gradient_steps;
  const seconds = (ended - started) / 1000;
  const trainingSeconds = (ended - learningStarted) / 1000;
  const last = run.episodes.slice(-10);
  return {
    engine: TRAINING_ENGINES[id],
    steps,
    learningStarts: config.learning_starts,
    updates,
    seconds,
    trainingSeconds,
    stepsPerSecond: (steps - 1) / seconds,
    trainingStepsPerSecond: (steps - config.learning_starts) / trainingSeconds,
    updatesPerSecond: updates / trainingSeconds,
    episodes: run.episodes.length,
    meanReturnLast10: last.reduce((s, e) => s + e.return, 0) / last.length,
  };
}

/**
 * Trains with the config's full schedule (total_timesteps is the limit) until solved, on `seed`
 * (the config's by default). `progress` hears a line every 10,000 steps.
 */
export async function timeToSolve(id: TrainingEngineId, seed?: number, progress?: (line: string) => void): Promise<TimeToSolve> {
  const config = trainingConfig(seed === undefined ? {} : { seed });
  const started = performance.now();
  const onStep = (step: number, episodes: readonly Episode[]) => {
    if (step % 10_000 !== 0 || !progress) return;
    const recent = episodes.slice(-config.solve_window);
    const mean = recent.reduce((s, e) => s + e.return, 0) / recent.length;
    progress(`step ${step}: mean return of the last ${recent.length} episodes ${mean.toFixed(1)} [${((performance.now() - started) / 1000).toFixed(0)} s]`);
  };
  const run = await runEngine(id, config, onStep, true);
  const solvedAtStep = run.solvedAtStep;
  return {
    engine: TRAINING_ENGINES[id],
    seed: config.seed,
    solved: solvedAtStep !== null,
    solvedAtStep,
    solvedAtSeconds: run.solvedAtSeconds,
    episodes: solvedAtStep === null ? run.episodes.length : run.episodes.filter((e) => e.step <= solvedAtStep).length,
    steps: run.steps,
    seconds: run.seconds,
    rewardThreshold: config.reward_threshold,
    solveWindow: config.solve_window,
    maxSteps: config.total_timesteps,
  };
}
