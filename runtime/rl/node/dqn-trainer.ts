/**
 * The DQN trainer as `gradc train` runs it: the core trainer (runtime/rl/dqn.ts) with its run
 * kept in a folder (`RunFolder`), and resumable from the checkpoint in a folder.
 */
import { DQN, type DQNOptions, type ResumePoint } from "../dqn.js";
import type { Summary } from "../run-output.js";
import { readCheckpointFile } from "./checkpoint-file.js";
import { RunFolder } from "./run-folder.js";

export interface TrainerOptions extends Omit<DQNOptions, "output"> {
  /** Output folder for metrics.csv, evaluations.csv, summary.json, learning-curve.svg and checkpoint.bin. */
  outDir: string;
  /** Continue the run whose checkpoint is in this folder. */
  resumeFrom?: string;
}

export class DQNTrainer extends DQN {
  private readonly folder: RunFolder;
  /** Where a resumed run stands (undefined: a new run). */
  private readonly resumePoint: ResumePoint | undefined;

  /** Restores a resumed run's checkpoint here, before any file is touched: a damaged one throws and changes nothing. */
  constructor(options: TrainerOptions) {
    const folder = new RunFolder(options.outDir);
    super({ ...options, output: folder });
    this.folder = folder;
    if (options.resumeFrom !== undefined) {
      const file = new RunFolder(options.resumeFrom).checkpointFile;
      this.resumePoint = this.restore(readCheckpointFile(file), file);
    }
  }

  override async train(): Promise<Summary> {
    if (this.resumePoint === undefined) this.folder.start();
    else this.folder.resume(this.resumePoint);
    return super.train();
  }
}
