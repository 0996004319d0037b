/**
 * One seed's run folder, as a sweep reads it: its summary.json (validated, since a sweep may
 * aggregate folders produced elsewhere: another machine, a cluster job), whether the run
 * finished or can be resumed from its checkpoint, its episode log, and the tail of stderr the
 * sweep saved beside them.
 */
import fs from "node:fs";
import path from "node:path";
import { METRICS_COLUMNS, type EpisodeRow } from "../../run-output.js";
import { CsvLog } from "../csv-log.js";

/** What a sweep relies on in summary.json. */
export interface SeedSummary {
  env: string;
  seed: number;
  /** Why training ended ("interrupted": resumable). Absent in summaries written before gradc said. */
  stopReason?: string;
  solved: boolean;
  solvedAtStep: number | null;
  /** Null in the summary of an interrupted run that could not evaluate. */
  finalEval: { mean: number; std: number; episodes: number } | null;
  stepsPerSecond: number;
  totalSteps: number;
  wallSeconds: number;
  diverged: boolean;
  config: { total_timesteps: number; reward_threshold: number; solve_window: number; stop_on_solve: boolean };
}

export type SeedFolderState =
  /** summary.json of a run that ran to its end: solved and stopped, out of steps, or diverged. */
  | { kind: "finished"; summary: SeedSummary }
  /** checkpoint.bin of a run that has not finished: `gradc train --resume` continues it. */
  | { kind: "resumable"; summary: SeedSummary | null }
  /** Some files but nothing to continue from (a run that failed or was killed before its first checkpoint). */
  | { kind: "unusable"; summary: SeedSummary | null }
  | { kind: "absent" };

const STDERR_LOG = "stderr.log";

type Check = (v: unknown) => boolean;
const isNumber: Check = (v) => typeof v === "number" && Number.isFinite(v);
const isBoolean: Check = (v) => typeof v === "boolean";
const isString: Check = (v) => typeof v === "string";
const orNull = (check: Check): Check => (v) => v === null || check(v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const shape =
  (fields: Record<string, Check>): Check =>
  (v) =>
    isObject(v) && Object.entries(fields).every(([key, check]) => check(v[key]));

const SUMMARY_FIELDS: Record<keyof SeedSummary, Check> = {
  env: isString,
  seed: isNumber,
  stopReason: (v) => v === undefined || isString(v),
  solved: isBoolean,
  solvedAtStep: orNull(isNumber),
  finalEval: orNull(shape({ mean: isNumber, std: isNumber, episodes: isNumber })),
  stepsPerSecond: isNumber,
  totalSteps: isNumber,
  wallSeconds: isNumber,
  diverged: isBoolean,
  config: shape({ total_timesteps: isNumber, reward_threshold: isNumber, solve_window: isNumber, stop_on_solve: isBoolean }),
};

/** The run's summary.json, or null when there is none; a malformed one is an error naming the file. */
export function readSeedSummary(dir: string): SeedSummary | null {
  const file = path.join(dir, "summary.json");
  if (!fs.existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(raw)) throw new Error(`${file}: not a run summary`);
  for (const [key, check] of Object.entries(SUMMARY_FIELDS)) {
    if (!check(raw[key])) throw new Error(`${file}: '${key}' is missing or has the wrong type`);
  }
  return raw as unknown as SeedSummary;
}

/**
 * Whether a summary is that of a run that ran to its end. `stepBudget` is the run's step count
 * if a resume asks for more steps than the run was started with (as `gradc train --resume
 * --steps` allows).
 */
export function isFinished(summary: SeedSummary, stepBudget = summary.config.total_timesteps): boolean {
  if (summary.finalEval === null || summary.stopReason === "interrupted") return false;
  if (summary.diverged || summary.totalSteps >= stepBudget) return true;
  // Ended before its own budget, not interrupted: stop_on_solve stopped it.
  return summary.solved && summary.config.stop_on_solve && summary.totalSteps < summary.config.total_timesteps;
}

export function seedFolderState(dir: string, stepBudget?: number): SeedFolderState {
  if (!fs.existsSync(dir)) return { kind: "absent" };
  const summary = readSeedSummary(dir);
  if (summary !== null && isFinished(summary, stepBudget)) return { kind: "finished", summary };
  if (fs.existsSync(path.join(dir, "checkpoint.bin"))) return { kind: "resumable", summary };
  return { kind: "unusable", summary };
}

/** The episodes metrics.csv logged so far (none if it is absent); a row cut short by a kill is dropped. */
export function readEpisodes(dir: string): EpisodeRow[] {
  const file = path.join(dir, "metrics.csv");
  if (!fs.existsSync(file)) return [];
  return new CsvLog<EpisodeRow>(file, METRICS_COLUMNS).read().filter((row) => Number.isFinite(row.step) && Number.isFinite(row.return));
}

export function writeStderrTail(dir: string, text: string): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, STDERR_LOG), text);
}

export function readStderrTail(dir: string): string | null {
  const file = path.join(dir, STDERR_LOG);
  return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : null;
}
