/**
 * A training run kept in a folder: the `RunOutput` that `gradc train` and gradc/rl/node's
 * `DQNTrainer` use. metrics.csv (one row per episode) and evaluations.csv grow as the run goes,
 * so a killed run keeps what it logged; checkpoint.bin is replaced atomically; summary.json and
 * learning-curve.svg are written at the end.
 */
import fs from "node:fs";
import path from "node:path";
import type { ResumePoint } from "../dqn.js";
import { EVALUATION_COLUMNS, METRICS_COLUMNS, type EpisodeRow, type EvaluationRow, type RunOutput, type Summary } from "../run-output.js";
import { writeFileAtomically } from "./atomic-write.js";
import { CsvLog } from "./csv-log.js";
import { learningCurveSvg } from "./learning-curve.js";

/** The files a run writes into its folder: a folder holding any of them holds a run. */
export const RUN_FILES = ["checkpoint.bin", "metrics.csv", "evaluations.csv", "summary.json", "learning-curve.svg"] as const;

export class RunFolder implements RunOutput {
  readonly checkpointFile: string;
  private readonly metrics: CsvLog<EpisodeRow>;
  private readonly evaluations: CsvLog<EvaluationRow>;

  constructor(readonly dir: string) {
    this.checkpointFile = path.join(dir, "checkpoint.bin");
    this.metrics = new CsvLog<EpisodeRow>(path.join(dir, "metrics.csv"), METRICS_COLUMNS);
    this.evaluations = new CsvLog<EvaluationRow>(path.join(dir, "evaluations.csv"), EVALUATION_COLUMNS);
  }

  /** A new run: the logs start empty. */
  start(): void {
    this.removeStaleTemporaries();
    this.metrics.open();
    this.evaluations.open();
  }

  /** A resumed run: the logs keep the rows its checkpoint had seen; later rows will be logged again, identically. */
  resume(at: ResumePoint): void {
    this.removeStaleTemporaries();
    this.metrics.open(at.episodes);
    this.evaluations.open(at.evaluations);
  }

  /**
   * A process killed outright (SIGKILL, power loss) in the middle of an atomic write leaves its
   * temporary file (`<file>.tmp-<pid>`) beside the intact old file: a run taking the folder over
   * removes those of the run's own files.
   */
  private removeStaleTemporaries(): void {
    if (!fs.existsSync(this.dir)) return;
    for (const name of fs.readdirSync(this.dir)) {
      if (RUN_FILES.some((f) => name.startsWith(`${f}.tmp-`))) fs.rmSync(path.join(this.dir, name), { force: true });
    }
  }

  episode(row: EpisodeRow): void {
    this.metrics.append(row);
  }

  evaluation(row: EvaluationRow): void {
    this.evaluations.append(row);
  }

  checkpoint(bytes: Uint8Array): void {
    writeFileAtomically(this.checkpointFile, bytes);
  }

  /** Said on stderr: the folder itself shows it as `diverged: true` in summary.json. */
  diverged(reason: string, checkpointStep: number | null): void {
    const kept =
      checkpointStep === null
        ? "no checkpoint had been written yet; metrics.csv and evaluations.csv keep every episode and evaluation up to here"
        : `${this.checkpointFile} (step ${checkpointStep}) is kept unchanged; metrics.csv and evaluations.csv keep every episode and evaluation up to here`;
    process.stderr.write(`\ngradc train: training diverged: ${reason}. Stopping: ${kept}\n`);
  }

  async summary(summary: Summary): Promise<void> {
    writeFileAtomically(path.join(this.dir, "summary.json"), JSON.stringify(summary, null, 2) + "\n");
    const title = `DQN on ${summary.env} (seed ${summary.seed}, ${summary.engine}${summary.dtype === "float32" ? " float32" : ""} gradients)`;
    const svg = await learningCurveSvg(title, this.metrics.read(), this.evaluations.read(), summary.config.reward_threshold, summary.config.solve_window);
    writeFileAtomically(path.join(this.dir, "learning-curve.svg"), svg);
  }
}
