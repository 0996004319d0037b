/**
 * gradc/rl/node: the Node side of the DQN trainer — a run kept in a folder (CSV logs,
 * summary.json, a Vega-Lite learning curve, atomically written checkpoints), configs read from
 * files, and the trainer `gradc train` runs — beside everything of gradc/rl, which runs anywhere.
 * Under Node, `gradc/rl` itself resolves here (package.json's "node" condition), so
 * `import { DQNTrainer } from "gradc/rl"` works there; browsers get the core alone.
 */
export * from "../index.js";
export { DQNTrainer, type TrainerOptions } from "./dqn-trainer.js";
export { RUN_FILES, RunFolder } from "./run-folder.js";
export { loadPolicy, savePolicy } from "./policy-file.js";
export { loadRunConfig } from "./run-config.js";
export { loadCheckpoint, readCheckpointFile, saveCheckpoint } from "./checkpoint-file.js";
export { learningCurveSvg } from "./learning-curve.js";
