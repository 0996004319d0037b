/**
 * gradc/rl: Gymnasium-exact environments and a DQN trainer whose gradients gradc generates. No
 * module here uses a Node API, so it all runs in a browser too (test/rl-browser-safe.test.ts
 * keeps it so); files, checkpoint files and `gradc train` are gradc/rl/node's.
 */
export * from "./envs/index.js";
export { GreedyPolicy, POLICY_FORMAT, PolicyError, loadPolicy, runEpisodes, type EvaluationResult, type PolicyFile } from "./policy.js";
export { DQN, DivergenceError, checkpointConfig, type DQNOptions, type Progress, type ResumePoint, type StopReason } from "./dqn.js";
export { animatedSvg, sceneOf, textFrame, type Role, type Scene, type Shape } from "./render/index.js";
export { STEP_PHASES, type StepPhase, type StepTimes } from "./step-times.js";
export { EVALUATION_COLUMNS, METRICS_COLUMNS, type EpisodeRow, type EvaluationRow, type RunOutput, type Summary } from "./run-output.js";
export { BASE_CONFIG, ConfigError, learningRateAt, mergeConfig, type DQNConfig } from "./config.js";
export { defaultConfig } from "./configs.js";
export { ReplayBuffer, createBatch, type Batch, type ReplayBufferOptions } from "./replay/index.js";
export { mlpQNetwork, duelingQNetwork, type QNetwork } from "./qnetwork.js";
export { createOptimizer, clipGradientNorm, type Optimizer, type OptimizerName } from "./optimizers.js";
export { Random } from "./random.js";
export { CheckpointError, decodeCheckpoint, encodeCheckpoint, type DecodedCheckpoint, type StoredArray } from "./checkpoint.js";
