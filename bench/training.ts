/**
 * Training throughput: the DQN trainer (runtime/rl/dqn.ts) on CartPole-v1 with its tuned default
 * config (configs/CartPole-v1.json: 64-64 MLP, batch 128, a gradient step every 2 environment
 * steps after 1,000 learning-start steps), for a fixed number of steps, once with the compiled
 * gradient and once with the tape engine on the same loss. Evaluations during training are off;
 * the final greedy evaluation the trainer runs after training is not timed. Both runs start from
 * the same seed, so they see (up to rounding) the same episodes.
 */
import { CartPole, DQN, defaultConfig, mergeConfig } from "gradc/rl";

export interface TrainingThroughput {
  engine: "compiled" | "tape";
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
}

export async function trainingThroughput(steps: number, engine: "compiled" | "tape"): Promise<TrainingThroughput> {
  const config = mergeConfig(defaultConfig("CartPole-v1"), { total_timesteps: steps, engine, eval_freq: 0, n_final_eval_episodes: 1 }, "bench/training.ts");
  let started = NaN;
  let learningStarted = NaN;
  let ended = NaN;
  const dqn = new DQN({
    config,
    makeEnv: () => new CartPole(),
    onProgress: (p) => {
      if (p.step === 1) started = performance.now();
      if (p.step === config.learning_starts) learningStarted = performance.now();
      if (p.step === steps) ended = performance.now();
    },
  });
  const summary = await dqn.train();
  let updates = 0;
  for (let s = config.learning_starts + 1; s <= steps; s++) if (s % config.train_freq === 0) updates += config.gradient_steps;
  const seconds = (ended - started) / 1000;
  const trainingSeconds = (ended - learningStarted) / 1000;
  return {
    engine,
    steps,
    learningStarts: config.learning_starts,
    updates,
    seconds,
    trainingSeconds,
    stepsPerSecond: (steps - 1) / seconds,
    trainingStepsPerSecond: (steps - config.learning_starts) / trainingSeconds,
    updatesPerSecond: updates / trainingSeconds,
    episodes: summary.episodes,
  };
}
