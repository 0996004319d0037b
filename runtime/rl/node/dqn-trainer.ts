/**
 * The DQN trainer as `gradc train` runs it: the core trainer (runtime/rl/dqn.ts) with its run
 * kept in a folder (`RunFolder`), and resumable from the checkpoint in a folder.
 */
import { DQN, type DQNOptions } from "../dqn.js";
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
  private readonly resumeFrom: string | undefined;

  constructor(options: TrainerOptions) {
    const folder = new RunFolder(options.outDir);
    super({ ...options, output: folder });
    this.folder = folder;
    this.resumeFrom = options.resumeFrom;
  }

  override async train(): Promise<Summary> {
    if (this.resumeFrom === undefined) {
      this.folder.start();
    } else {
      // Restore first: a missing or damaged checkpoint must leave the logs untouched.
      const file = new RunFolder(this.resumeFrom).checkpointFile;
      this.folder.resume(this.restore(readCheckpointFile(file), file));
    }
    return super.train();
  }
}
