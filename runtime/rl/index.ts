/**
 * gradc/rl: Gymnasium-exact environments and a DQN trainer whose gradients gradc generates.
 */
export * from "./envs/index.js";
export { DQNTrainer, DivergenceError, type Progress, type Summary, type TrainerOptions } from "./dqn.js";
export { BASE_CONFIG, ConfigError, learningRateAt, mergeConfig, type DQNConfig } from "./config.js";
export { defaultConfig, loadRunConfig } from "./configs.js";
export { ReplayBuffer, createBatch, type Batch, type ReplayBufferOptions } from "./replay/index.js";
export { mlpQNetwork, duelingQNetwork, type QNetwork } from "./qnetwork.js";
export { createOptimizer, clipGradientNorm, type Optimizer, type OptimizerName } from "./optimizers.js";
export { Random } from "./random.js";
export { CheckpointError, loadCheckpoint, saveCheckpoint } from "./checkpoint.js";
