/**
 * A sweep's aggregate: one row per seed and, over the seeds whose run finished, the solve rate
 * and the median and interquartile mean (IQM) of steps-to-solve and of the final greedy
 * evaluation, each with a 95% percentile bootstrap confidence interval over seeds. With a single
 * environment, rliable's stratified bootstrap (resampling runs within each task) is this plain
 * bootstrap over seeds.
 *
 * A run that did not solve has no steps-to-solve: it is right-censored at its step budget
 * (`total_timesteps`; a diverged run counts as not solving within its budget). The statistics
 * count it at the budget, which makes them lower bounds whenever they depend on it; such a value
 * is marked `atLeast` (printed "≥"). The test: recompute the statistic with the censored runs at
 * +∞; a value that changes depends on them. Every statistic here is nondecreasing in each
 * value, so the reported value is then a true lower bound.
 */
import { bootstrapInterval, type BootstrapOptions, interquartileMean, median } from "./statistics.js";
import type { SeedSummary } from "./seed-folder.js";

export type SeedStatus =
  /** Ran to its end (exit 0), or had done so before this sweep (resumed sweeps, --aggregate-only). */
  | "done"
  /** Stopped on a non-finite loss or gradient (exit 3, or summary.json's `diverged`). */
  | "diverged"
  /** Stopped by Ctrl-C or SIGTERM (exit 130 or 143, or killed by the signal): resumable. */
  | "interrupted"
  /** Any other exit: the seed's stderr.log says why. */
  | "failed"
  /** Started but not finished, found in the folder by a sweep that did not run it. */
  | "incomplete"
  /** No folder for this seed. */
  | "missing";

export interface SeedRecord {
  seed: number;
  status: SeedStatus;
  /** The training process's exit code; null if this sweep did not run it or a signal ended it. */
  exitCode: number | null;
  summary: SeedSummary | null;
  /** The end of the process's stderr, kept for seeds that did not finish cleanly. */
  stderrTail: string | null;
}

/** A statistic's value; `atLeast`: a lower bound, because it depends on runs that did not solve. */
export interface Bound {
  value: number;
  atLeast: boolean;
}

export interface Estimate {
  point: Bound;
  /** The 95% confidence interval. */
  low: Bound;
  high: Bound;
}

export interface Statistics {
  /** Runs the statistics are computed over. */
  n: number;
  median: Estimate;
  iqm: Estimate;
}

export interface SeedRow {
  seed: number;
  status: SeedStatus;
  exitCode: number | null;
  solved: boolean | null;
  /** Steps to solve, or the step budget with `atLeast` for a run that did not solve. */
  stepsToSolve: Bound | null;
  /** Wall-clock seconds of training. */
  seconds: number | null;
  finalEval: { mean: number; std: number; episodes: number } | null;
  stepsPerSecond: number | null;
  totalSteps: number | null;
  stderrTail: string | null;
}

export interface Aggregate {
  env: string;
  seeds: number[];
  rewardThreshold: number;
  solveWindow: number;
  /** Seeds whose run finished (done or diverged): the statistics below are over these. */
  finished: number;
  solved: number;
  /** solved / finished (null when none finished). */
  solveRate: number | null;
  stepsToSolve: Statistics | null;
  finalEval: Statistics | null;
  method: { iqm: string; censoring: string; bootstrap: BootstrapOptions & { interval: string } };
  runs: SeedRow[];
}

/** Deterministic: the same seeds' results give the same intervals on every machine. */
export const BOOTSTRAP: BootstrapOptions = { resamples: 2000, confidence: 0.95, seed: 0 };

interface Observation {
  value: number;
  censored: boolean;
}

function estimate(observations: readonly Observation[], statistic: (values: readonly number[]) => number): Estimate {
  const counted = observations.map((o) => o.value);
  const unbounded = observations.map((o) => (o.censored ? Infinity : o.value));
  const bound = (value: number, ifNeverSolved: number): Bound => ({ value, atLeast: ifNeverSolved !== value });
  // Same n and bootstrap seed: both intervals come from the same resampled positions.
  const [low, high] = bootstrapInterval(counted, statistic, BOOTSTRAP);
  const [lowUnbounded, highUnbounded] = bootstrapInterval(unbounded, statistic, BOOTSTRAP);
  return { point: bound(statistic(counted), statistic(unbounded)), low: bound(low, lowUnbounded), high: bound(high, highUnbounded) };
}

function statistics(observations: readonly Observation[]): Statistics | null {
  if (observations.length === 0) return null;
  return { n: observations.length, median: estimate(observations, median), iqm: estimate(observations, interquartileMean) };
}

function stepsToSolve(summary: SeedSummary): Observation {
  return summary.solved && summary.solvedAtStep !== null ? { value: summary.solvedAtStep, censored: false } : { value: summary.config.total_timesteps, censored: true };
}

const finishedSummary = (r: SeedRecord): SeedSummary | null => ((r.status === "done" || r.status === "diverged") && r.summary !== null ? r.summary : null);

/**
 * The aggregate of `records` (one per seed, in seed order). `defaults` gives the threshold and
 * window when no seed has a summary to take them from.
 */
export function aggregateSeeds(env: string, records: readonly SeedRecord[], defaults: { reward_threshold: number; solve_window: number }): Aggregate {
  const finished = records.map(finishedSummary).filter((s): s is SeedSummary => s !== null);
  const config = records.find((r) => r.summary !== null)?.summary?.config ?? defaults;
  const solved = finished.filter((s) => s.solved).length;
  return {
    env,
    seeds: records.map((r) => r.seed),
    rewardThreshold: config.reward_threshold,
    solveWindow: config.solve_window,
    finished: finished.length,
    solved,
    solveRate: finished.length > 0 ? solved / finished.length : null,
    stepsToSolve: statistics(finished.map(stepsToSolve)),
    finalEval: statistics(finished.flatMap((s) => (s.finalEval === null ? [] : [{ value: s.finalEval.mean, censored: false }]))),
    method: {
      iqm: "rliable's: scipy.stats.trim_mean(x, 0.25), floor(n/4) runs dropped at each end",
      censoring: "a run that did not solve counts at its step budget (total_timesteps); values that depend on such runs are lower bounds (atLeast)",
      bootstrap: { ...BOOTSTRAP, interval: "percentile, resampling seeds with replacement" },
    },
    runs: records.map((r) => seedRow(r, finishedSummary(r))),
  };
}

/** Results from a finished run only; time and speed from any summary (an interrupted run's so far). */
function seedRow(record: SeedRecord, finished: SeedSummary | null): SeedRow {
  const s = record.summary;
  const steps = finished === null ? null : stepsToSolve(finished);
  return {
    seed: record.seed,
    status: record.status,
    exitCode: record.exitCode,
    solved: finished?.solved ?? null,
    stepsToSolve: steps === null ? null : { value: steps.value, atLeast: steps.censored },
    seconds: s?.wallSeconds ?? null,
    finalEval: finished?.finalEval ?? null,
    stepsPerSecond: s?.stepsPerSecond ?? null,
    totalSteps: s?.totalSteps ?? null,
    stderrTail: record.stderrTail,
  };
}
