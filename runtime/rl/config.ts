/**
 * Every hyperparameter of the DQN trainer, in one place, with Stable-Baselines3's names. Tuned
 * defaults per environment live in configs/*.json (files you can read and copy); a config file
 * or the command line overrides them. A bad value is an error naming the key.
 */
import { OPTIMIZER_NAMES, type OptimizerName } from "./optimizers.js";

export interface DQNConfig {
  /** Environment steps to train for, counted over all environment copies (SB3's num_timesteps). */
  total_timesteps: number;
  /**
   * Environment copies stepped together (SB3/CleanRL's num_envs). Each vectorized step takes one
   * step in every copy; schedules (train_freq, target_update_interval, eval_freq,
   * checkpoint_freq) count single environment steps, so updates per transition stay the same
   * whatever num_envs is.
   */
  num_envs: number;
  seed: number;
  /** A constant, or "lin_<value>" (RL Zoo's notation): linear decay from value to 0 over the run. */
  learning_rate: number | string;
  /** Replay buffer capacity (transitions). */
  buffer_size: number;
  /** Steps of random-free exploration before learning starts. */
  learning_starts: number;
  batch_size: number;
  /** Target network update: 1 = hard copy, < 1 = Polyak averaging, every target_update_interval steps. */
  tau: number;
  gamma: number;
  /** Train every train_freq environment steps… */
  train_freq: number;
  /** …with this many gradient steps. */
  gradient_steps: number;
  target_update_interval: number;
  /** Fraction of total_timesteps over which ε decays linearly from initial to final. */
  exploration_fraction: number;
  exploration_initial_eps: number;
  exploration_final_eps: number;
  /** Gradient-norm clipping (SB3's default 10). */
  max_grad_norm: number;
  /** Hidden layer widths of the Q-network. */
  net_arch: number[];
  /** "mlp" (runtime/rl/networks/mlp.ts) or "dueling" (runtime/rl/networks/dueling.ts). */
  network: "mlp" | "dueling";
  loss: "huber" | "mse";
  optimizer: OptimizerName;
  /** Double DQN: the online network picks the next action, the target network values it. */
  double_dqn: boolean;
  /** n-step returns. */
  n_steps: number;
  prioritized_replay: boolean;
  prioritized_replay_alpha: number;
  prioritized_replay_beta0: number;
  prioritized_replay_eps: number;
  /** Greedy evaluation every eval_freq steps, over n_eval_episodes episodes (0 disables). */
  eval_freq: number;
  n_eval_episodes: number;
  /** Episodes of the final greedy evaluation written to summary.json. */
  n_final_eval_episodes: number;
  /** Checkpoint every checkpoint_freq steps (0: only at the end). */
  checkpoint_freq: number;
  /** Solved when the mean return of the last solve_window episodes reaches reward_threshold. */
  reward_threshold: number;
  solve_window: number;
  /**
   * Stop training once solved and a greedy evaluation of n_eval_episodes episodes (checked at each
   * episode end after solving) also reaches reward_threshold; then run the final evaluation.
   */
  stop_on_solve: boolean;
  /**
   * The loss gradient's engine, all from the same source: "compiled" (gradc's generated
   * JavaScript), "wasm" (the same code as WebAssembly) or "tape" (the tape-based engine).
   */
  engine: "compiled" | "wasm" | "tape";
  /**
   * The loss gradient's precision: "float64", or "float32" (engine "wasm" only): the network's
   * forward and backward pass for the gradient in float32, as SB3 and CleanRL (PyTorch) compute;
   * the weights, the optimizer's state and acting stay float64.
   */
  dtype: "float64" | "float32";
}

type Kind = "schedule" | "positiveInt" | "nonNegativeInt" | "positive" | "fraction" | "probability" | "boolean" | "int" | "number" | "intList" | { oneOf: readonly string[] };

const SCHEMA: Record<keyof DQNConfig, Kind> = {
  total_timesteps: "positiveInt",
  num_envs: "positiveInt",
  seed: "int",
  learning_rate: "schedule",
  buffer_size: "positiveInt",
  learning_starts: "nonNegativeInt",
  batch_size: "positiveInt",
  tau: "fraction",
  gamma: "probability",
  train_freq: "positiveInt",
  gradient_steps: "positiveInt",
  target_update_interval: "positiveInt",
  exploration_fraction: "probability",
  exploration_initial_eps: "probability",
  exploration_final_eps: "probability",
  max_grad_norm: "positive",
  net_arch: "intList",
  network: { oneOf: ["mlp", "dueling"] },
  loss: { oneOf: ["huber", "mse"] },
  optimizer: { oneOf: OPTIMIZER_NAMES },
  double_dqn: "boolean",
  n_steps: "positiveInt",
  prioritized_replay: "boolean",
  prioritized_replay_alpha: "probability",
  prioritized_replay_beta0: "probability",
  prioritized_replay_eps: "positive",
  eval_freq: "nonNegativeInt",
  n_eval_episodes: "positiveInt",
  n_final_eval_episodes: "positiveInt",
  checkpoint_freq: "nonNegativeInt",
  reward_threshold: "number",
  solve_window: "positiveInt",
  stop_on_solve: "boolean",
  engine: { oneOf: ["compiled", "wasm", "tape"] },
  dtype: { oneOf: ["float64", "float32"] },
};

/** The learning rate after `progress` (0 → 1) of the run, under the config's schedule. */
export function learningRateAt(rate: number | string, progress: number): number {
  if (typeof rate === "number") return rate;
  return Number(rate.slice("lin_".length)) * Math.max(0, 1 - progress);
}

/** Defaults shared by every environment (SB3's DQN defaults where they exist). */
export const BASE_CONFIG: DQNConfig = {
  total_timesteps: 100_000,
  num_envs: 1,
  seed: 0,
  learning_rate: 1e-4,
  buffer_size: 100_000,
  learning_starts: 1000,
  batch_size: 32,
  tau: 1,
  gamma: 0.99,
  train_freq: 4,
  gradient_steps: 1,
  target_update_interval: 10_000,
  exploration_fraction: 0.1,
  exploration_initial_eps: 1,
  exploration_final_eps: 0.05,
  max_grad_norm: 10,
  net_arch: [64, 64],
  network: "mlp",
  loss: "huber",
  optimizer: "adam",
  double_dqn: false,
  n_steps: 1,
  prioritized_replay: false,
  prioritized_replay_alpha: 0.6,
  prioritized_replay_beta0: 0.4,
  prioritized_replay_eps: 1e-6,
  eval_freq: 10_000,
  n_eval_episodes: 10,
  n_final_eval_episodes: 20,
  checkpoint_freq: 10_000,
  reward_threshold: 0,
  solve_window: 100,
  stop_on_solve: true,
  engine: "compiled",
  dtype: "float64",
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

/**
 * Checks `raw` (parsed JSON, or command-line overrides) against the schema and merges it over
 * `base`. `source` names where the values came from, for error messages.
 */
export function mergeConfig(base: DQNConfig, raw: unknown, source: string): DQNConfig {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ConfigError(`${source}: a config is a JSON object of hyperparameters, e.g. { "learning_rate": 0.001 }`);
  }
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith("//") || key === "$comment") continue; // comments in config files
    if (!(key in SCHEMA)) {
      const suggestion = closest(key, Object.keys(SCHEMA));
      throw new ConfigError(`${source}: unknown key '${key}'${suggestion ? ` (did you mean '${suggestion}'?)` : ""}`);
    }
    const problem = check(SCHEMA[key as keyof DQNConfig], value);
    if (problem) throw new ConfigError(`${source}: '${key}' ${problem}, got ${JSON.stringify(value)}`);
    merged[key] = value;
  }
  const config = merged as unknown as DQNConfig;
  if (config.exploration_final_eps > config.exploration_initial_eps) {
    throw new ConfigError(`${source}: 'exploration_final_eps' (${config.exploration_final_eps}) exceeds 'exploration_initial_eps' (${config.exploration_initial_eps})`);
  }
  if (config.dtype === "float32" && config.engine !== "wasm") {
    throw new ConfigError(`${source}: 'dtype' "float32" needs 'engine' "wasm" (the ${config.engine} engine computes in float64)`);
  }
  if (config.batch_size > config.buffer_size) {
    throw new ConfigError(`${source}: 'batch_size' (${config.batch_size}) exceeds 'buffer_size' (${config.buffer_size})`);
  }
  return config;
}

function check(kind: Kind, v: unknown): string | undefined {
  if (typeof kind === "object") return typeof v === "string" && kind.oneOf.includes(v) ? undefined : `must be one of ${kind.oneOf.map((o) => `"${o}"`).join(", ")}`;
  switch (kind) {
    case "schedule":
      return (typeof v === "number" && Number.isFinite(v) && v > 0) || (typeof v === "string" && /^lin_\d*\.?\d+(e-?\d+)?$/.test(v) && Number(v.slice(4)) > 0)
        ? undefined
        : 'must be a positive number or "lin_<number>"';
    case "boolean":
      return typeof v === "boolean" ? undefined : "must be true or false";
    case "int":
      return Number.isInteger(v) ? undefined : "must be an integer";
    case "number":
      return typeof v === "number" && Number.isFinite(v) ? undefined : "must be a finite number";
    case "positiveInt":
      return Number.isInteger(v) && (v as number) > 0 ? undefined : "must be a positive integer";
    case "nonNegativeInt":
      return Number.isInteger(v) && (v as number) >= 0 ? undefined : "must be an integer ≥ 0";
    case "positive":
      return typeof v === "number" && Number.isFinite(v) && v > 0 ? undefined : "must be a positive number";
    case "fraction":
      return typeof v === "number" && v > 0 && v <= 1 ? undefined : "must be a number in (0, 1]";
    case "probability":
      return typeof v === "number" && v >= 0 && v <= 1 ? undefined : "must be a number in [0, 1]";
    case "intList":
      return Array.isArray(v) && v.every((x) => Number.isInteger(x) && x > 0) ? undefined : "must be a list of positive integers";
  }
}

/** The known key nearest to a misspelt one (edit distance ≤ 3). */
function closest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 4;
  for (const k of known) {
    const d = editDistance(key, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}
