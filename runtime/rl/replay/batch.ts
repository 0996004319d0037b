/**
 * A minibatch of transitions, allocated once and refilled by every `sample` call so the training
 * loop allocates nothing per step. Rows are laid out flat: transition `i`'s observation is
 * `obs[i * obsSize .. (i + 1) * obsSize)`, the shape the Q-network's DSL functions take.
 *
 * The TD target a learner forms from a row is
 *   rewards[i] + discounts[i] · (1 − dones[i]) · max_a Q_target(nextObs[i], a)
 * and each row's loss is scaled by weights[i].
 */
export interface Batch {
  /** Rows per batch (B). */
  readonly size: number;
  /** Observation length (D). */
  readonly obsSize: number;
  /** B·D observations the actions were taken in. */
  readonly obs: Float64Array;
  /** B actions, as floats because the loss functions are DSL functions over Float64Array. */
  readonly actions: Float64Array;
  /** B (n-step) discounted reward sums. */
  readonly rewards: Float64Array;
  /** B·D observations to bootstrap from (n steps later, or where the episode ended). */
  readonly nextObs: Float64Array;
  /** B flags: 1 where the episode terminated within the window, so there is nothing to bootstrap. */
  readonly dones: Float64Array;
  /** B factors γ^k multiplying the bootstrap term: k is the number of rewards summed (n, or fewer at an episode end). */
  readonly discounts: Float64Array;
  /** B importance-sampling weights: all 1 for uniform replay, ≤ 1 for prioritized replay. */
  readonly weights: Float64Array;
  /** B buffer slots the rows came from: pass them back to `updatePriorities`. */
  readonly indices: Int32Array;
}

export function createBatch(batchSize: number, obsSize: number): Batch {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`createBatch: batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(obsSize) || obsSize < 1) throw new RangeError(`createBatch: obsSize must be a positive integer, got ${obsSize}`);
  return {
    size: batchSize,
    obsSize,
    obs: new Float64Array(batchSize * obsSize),
    actions: new Float64Array(batchSize),
    rewards: new Float64Array(batchSize),
    nextObs: new Float64Array(batchSize * obsSize),
    dones: new Float64Array(batchSize),
    discounts: new Float64Array(batchSize),
    weights: new Float64Array(batchSize),
    indices: new Int32Array(batchSize),
  };
}
