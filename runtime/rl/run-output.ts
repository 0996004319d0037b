/**
 * What a training run reports, and the interface it reports through. The trainer hands each
 * record to a `RunOutput` and never decides where records go: gradc/rl/node's `RunFolder` writes
 * them to files (metrics.csv, evaluations.csv, summary.json, checkpoint.bin), a web page can plot
 * them, a test can keep them in arrays.
 */
import type { DQNConfig } from "./config.js";
import type { StepTimes } from "./step-times.js";

/** The columns of metrics.csv, in order: one row per episode. */
export const METRICS_COLUMNS = ["step", "episode", "return", "length", "epsilon", "loss", "wall_seconds"] as const;

/**
 * The columns of evaluations.csv, in order: one row per periodic greedy evaluation, and a last
 * row (final = 1) for the final evaluation.
 */
export const EVALUATION_COLUMNS = ["step", "mean", "std", "episodes", "final"] as const;

export interface EpisodeRow {
  step: number;
  episode: number;
  return: number;
  length: number;
  epsilon: number;
  /** Mean training loss since the previous episode ended (NaN before learning starts). */
  loss: number;
  wall_seconds: number;
}

export interface EvaluationRow {
  step: number;
  mean: number;
  std: number;
  episodes: number;
  /** 1 for the final evaluation (n_final_eval_episodes, after training), else 0. */
  final: 0 | 1;
}

export interface Summary {
  env: string;
  engine: string;
  /** The loss gradient's precision (config `dtype`). */
  dtype: string;
  network: string;
  seed: number;
  /**
   * Why training ended: total_timesteps reached, "solved" (stop_on_solve), "interrupted"
   * (`requestStop`, Ctrl-C) or "diverged" (a non-finite loss or gradient).
   */
  stopReason: "total_timesteps" | "solved" | "interrupted" | "diverged";
  solved: boolean;
  solvedAtStep: number | null;
  solvedAtSeconds: number | null;
  /** The final greedy evaluation (n_final_eval_episodes), interrupted runs included. */
  finalEval: { mean: number; std: number; episodes: number };
  /** Environment steps per second of this session (a resumed run counts from its resume). */
  stepsPerSecond: number;
  /**
   * Microseconds per environment step by phase over this session: environment, acting, replay,
   * target, gradient, optimizer and other (step-times.ts says what each holds).
   */
  timePerStep: StepTimes;
  totalSteps: number;
  episodes: number;
  wallSeconds: number;
  diverged: boolean;
  /** The step of the last checkpoint written (null: none, e.g. a run that diverged before its first). */
  checkpointStep: number | null;
  /** Mean return over the last solve_window episodes when training stopped. */
  finalMeanReturn: number;
  config: DQNConfig;
}

/**
 * Receives a run's records as they happen. Every method is optional; the trainer awaits each
 * call, so an output may be asynchronous (and a slow one slows training down).
 */
export interface RunOutput {
  /** An episode ended. */
  episode?(row: EpisodeRow): void | Promise<void>;
  /** A greedy evaluation: periodic (every eval_freq steps), or the final one (`final: 1`). */
  evaluation?(row: EvaluationRow): void | Promise<void>;
  /**
   * A checkpoint (every checkpoint_freq steps and at the end): bytes that
   * `DQN.restore` continues from exactly. Without this method no checkpoint is encoded.
   */
  checkpoint?(bytes: Uint8Array): void | Promise<void>;
  /**
   * Training stopped on a non-finite loss or gradient. `checkpointStep`: the step of the last
   * checkpoint, which predates it (null: none was written).
   */
  diverged?(reason: string, checkpointStep: number | null): void | Promise<void>;
  /** The run's summary, after the final evaluation. */
  summary?(summary: Summary): void | Promise<void>;
}
