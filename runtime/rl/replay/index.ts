/** Experience replay for the DQN trainer: uniform or prioritized, one-step or n-step. */
export { ReplayBuffer, type ReplayBufferOptions } from "./replay-buffer.js";
export { createBatch, type Batch } from "./batch.js";
export { SumTree } from "./sum-tree.js";
export { annealedBeta, type PrioritizedOptions } from "./prioritized.js";
export { ReplaySnapshotError, type ReplaySnapshot, type ReplaySnapshotMeta, type SnapshotArray } from "./snapshot.js";
export type { Transition } from "./storage.js";
