/**
 * The shape every `gradc/rl` environment shares: Gymnasium's `reset`/`step` contract with
 * `terminated` and `truncated` reported separately, plus direct access to the physical state
 * (Gymnasium's `env.unwrapped.state`) so tests and planners can step from a chosen state.
 */

/** What one `step(action)` returns, as Gymnasium's `(obs, reward, terminated, truncated, info)`. */
export interface StepResult {
  /** The observation after the step (a fresh array the caller may keep). */
  obs: Float64Array;
  reward: number;
  /** The task itself ended: the pole fell, the car reached the flag, the goal was reached. */
  terminated: boolean;
  /** The time limit (`maxEpisodeSteps`) ended the episode; never the task's own ending. */
  truncated: boolean;
}

export interface Environment {
  /** The Gymnasium id, e.g. "CartPole-v1". */
  readonly name: string;
  /** Length of every observation. */
  readonly observationSize: number;
  /** Actions are the integers 0 … actionCount − 1. */
  readonly actionCount: number;
  /** The time limit: the step that reaches it reports `truncated: true`. */
  readonly maxEpisodeSteps: number;
  /**
   * Start a new episode and return its first observation. A seed reseeds the environment's
   * generator (same seed, same start); without one the generator continues where it was.
   */
  reset(seed?: number): Float64Array;
  step(action: number): StepResult;
  /**
   * `step` without allocating: writes the observation into `into.obs` (observationSize long,
   * owned by the caller) and sets the other fields of `into`. The trainer steps this way when an
   * environment has it (every built-in one does), so a training step allocates nothing. Make
   * `into` once, with `reward: NaN`: a field that starts as a double stays one, so V8 writes
   * rewards such as 0.5 in place (one that starts as 0 boxes every non-integer reward).
   */
  stepInto?(action: number, into: StepResult): void;
  /** A copy of the physical state, in float64, laid out as Gymnasium's `env.unwrapped.state`. */
  getState(): Float64Array;
  /** Put the system in `state`. The episode's step counter is kept (see each environment). */
  setState(state: ArrayLike<number>): void;
  /**
   * Everything the running episode depends on — state, the episode's step count, the generator of
   * later episode starts — so that a checkpoint taken mid-episode resumes it exactly. The DQN
   * trainer needs this pair to keep checkpoints (every built-in environment has it; a custom one
   * can extend `EpisodicEnvironment` to get it).
   */
  saveEpisode?(): EpisodeSnapshot;
  /** Continues the episode `saveEpisode` captured. */
  restoreEpisode?(snapshot: EpisodeSnapshot): void;
}

/** A running episode as plain JSON: what `saveEpisode` returns. */
export interface EpisodeSnapshot {
  state: number[];
  /** Steps since the last reset (the time limit counts from there). */
  elapsedSteps: number;
  /** The episode-start generator's state; null while the environment has never drawn a number. */
  generator: number[] | null;
  /** Whether `reset` has been called. */
  started: boolean;
  /** Flags an environment keeps besides its physical state (CartPole: the episode already terminated). */
  flags: number[];
}
