/**
 * The DQN training loop of gradc's trainer (runtime/rl/dqn.ts `DQN.train`), step for step, with
 * the network, loss, gradient and optimizer handed to a library (`PeerLearner`). Everything that
 * is not the network is gradc's own, library-neutral code, so that only the library differs:
 *
 * - the environment: gradc's CartPole (Gymnasium-exact), reset with seeds drawn from the run's
 *   generator as gradc draws them;
 * - the replay buffer: gradc's exported `ReplayBuffer` (n-step returns, truncation bootstrapping,
 *   uniform sampling with the run's generator) and `createBatch`;
 * - the generator, the ε schedule, the learning-rate schedule (`learningRateAt`), the order of
 *   act / store / train / target update / episode end, and the solve criterion.
 *
 * Not reproduced: periodic and final greedy evaluations, checkpoints and episode logs (the
 * throughput benchmark turns evaluations off for gradc too), and stop_on_solve's confirming
 * greedy evaluation (a solve run here stops when the training returns reach the threshold).
 */
import { type Batch, CartPole, type DQNConfig, type Environment, Random, ReplayBuffer, createBatch, learningRateAt } from "gradc/rl";
import { type LearnerFactory, type PeerLearner, checkSupported, initialParameters, networkShape } from "./common.js";

export interface PeerRunOptions {
  config: DQNConfig;
  makeLearner: LearnerFactory;
  /** Called after every environment step (as `DQN`'s onProgress), for timing. */
  onStep?: (step: number) => void;
  /** Called when an episode ends, with the step it ended at and its return. */
  onEpisode?: (step: number, episodeReturn: number) => void;
  /** Stop as soon as the solve criterion holds (for time-to-solve runs). */
  stopWhenSolved?: boolean;
  makeEnv?: () => Environment;
}

export interface PeerRunSummary {
  engine: string;
  steps: number;
  episodes: number;
  /** Every training episode's return, in order. */
  returns: number[];
  solvedAtStep: number | null;
  solvedAtSeconds: number | null;
  /** Seconds of the whole loop (the learner's setup excluded). */
  seconds: number;
  diverged: string | null;
}

export async function trainPeer(options: PeerRunOptions): Promise<PeerRunSummary> {
  const c = options.config;
  checkSupported(c);
  const env = (options.makeEnv ?? (() => new CartPole()))();
  const shape = networkShape(c, env.observationSize, env.actionCount);
  const rng = new Random(c.seed);
  const learner = await options.makeLearner(c, shape, initialParameters(c, shape, rng));
  try {
    return run(options, env, learner, rng);
  } finally {
    learner.dispose();
  }
}

function run(options: PeerRunOptions, env: Environment, learner: PeerLearner, rng: Random): PeerRunSummary {
  const c = options.config;
  const buffer = new ReplayBuffer({ capacity: c.buffer_size, obsSize: env.observationSize, gamma: c.gamma, nStep: c.n_steps, prioritized: null });
  const batch: Batch = createBatch(c.batch_size, env.observationSize);
  const span = c.exploration_fraction * c.total_timesteps;
  const epsilon = (step: number) =>
    span <= 0 ? c.exploration_final_eps : c.exploration_initial_eps + Math.min(1, step / span) * (c.exploration_final_eps - c.exploration_initial_eps);
  const episodeSeed = () => rng.nextUint32() & 0x7fffffff;

  const returns: number[] = [];
  const recent: number[] = [];
  let recentSum = 0;
  let solvedAtStep: number | null = null;
  let solvedAtSeconds: number | null = null;
  let diverged: string | null = null;
  let episodeReturn = 0;
  let step = 0;
  const started = performance.now();
  let obs = env.reset(episodeSeed());

  while (step < c.total_timesteps) {
    const eps = epsilon(step);
    const action = rng.nextFloat() < eps ? rng.nextInt(env.actionCount) : learner.greedyAction(obs);
    const { obs: nextObs, reward, terminated, truncated } = env.step(action);
    buffer.add(obs, action, reward, nextObs, terminated, truncated);
    obs = nextObs;
    episodeReturn += reward;
    step++;

    if (step > c.learning_starts && step % c.train_freq === 0) {
      for (let g = 0; g < c.gradient_steps && diverged === null; g++) {
        buffer.sample(batch, rng);
        const { loss, gradientNorm } = learner.trainStep(batch, learningRateAt(c.learning_rate, step / c.total_timesteps));
        if (!Number.isFinite(loss)) diverged = `the loss became ${loss} at step ${step}`;
        else if (!Number.isFinite(gradientNorm)) diverged = `the gradient norm became ${gradientNorm} at step ${step}`;
      }
      if (diverged !== null) break;
    }
    if (step % c.target_update_interval === 0) learner.updateTarget();

    if (terminated || truncated) {
      returns.push(episodeReturn);
      options.onEpisode?.(step, episodeReturn);
      recent.push(episodeReturn);
      recentSum += episodeReturn;
      if (recent.length > c.solve_window) recentSum -= recent.shift()!;
      episodeReturn = 0;
      // gradc's isSolved: a full window whose mean reaches the threshold.
      if (solvedAtStep === null && recent.length >= c.solve_window && recentSum / recent.length >= c.reward_threshold) {
        solvedAtStep = step;
        solvedAtSeconds = (performance.now() - started) / 1000;
      }
      obs = env.reset(episodeSeed());
    }
    options.onStep?.(step);
    if (options.stopWhenSolved && solvedAtStep !== null) break;
  }
  return { engine: learner.name, steps: step, episodes: returns.length, returns, solvedAtStep, solvedAtSeconds, seconds: (performance.now() - started) / 1000, diverged };
}
