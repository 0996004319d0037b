/**
 * The ring of stored transitions: one preallocated typed array per field, slot `i` of every
 * array belonging to the same transition. Writing is O(1) and overwrites the oldest transition
 * once the ring is full. `terminated` and `truncated` live in separate arrays because they mean
 * different things to the learner: only termination removes the bootstrap term; a truncation
 * (time limit) ends the episode but the state still has a future worth estimating.
 */
import type { Batch } from "./batch.js";

/** One stored transition, copied out (for inspection and tests, not the hot path). */
export interface Transition {
  obs: Float64Array;
  action: number;
  /** The (n-step) discounted reward sum. */
  reward: number;
  nextObs: Float64Array;
  /** γ^k for the bootstrap term, k the number of rewards summed. */
  discount: number;
  terminated: boolean;
  truncated: boolean;
}

export class TransitionStorage {
  readonly capacity: number;
  readonly obsSize: number;
  readonly obs: Float64Array;
  readonly nextObs: Float64Array;
  readonly actions: Int32Array;
  readonly rewards: Float64Array;
  readonly discounts: Float64Array;
  readonly terminated: Uint8Array;
  readonly truncated: Uint8Array;
  /** The slot the next write goes to. */
  position = 0;
  /** How many slots hold a transition: min(writes, capacity). */
  size = 0;

  constructor(capacity: number, obsSize: number) {
    this.capacity = capacity;
    this.obsSize = obsSize;
    this.obs = new Float64Array(capacity * obsSize);
    this.nextObs = new Float64Array(capacity * obsSize);
    this.actions = new Int32Array(capacity);
    this.rewards = new Float64Array(capacity);
    this.discounts = new Float64Array(capacity);
    this.terminated = new Uint8Array(capacity);
    this.truncated = new Uint8Array(capacity);
  }

  /**
   * Stores a transition whose observation is `obs[obsOffset .. obsOffset + D)` (so a queue can
   * hand over a row of its own array without copying it out first); returns the slot written.
   */
  write(
    obs: ArrayLike<number>,
    obsOffset: number,
    action: number,
    reward: number,
    nextObs: ArrayLike<number>,
    discount: number,
    terminated: boolean,
    truncated: boolean,
  ): number {
    const slot = this.position;
    const d = this.obsSize;
    const base = slot * d;
    for (let j = 0; j < d; j++) {
      this.obs[base + j] = obs[obsOffset + j];
      this.nextObs[base + j] = nextObs[j];
    }
    this.actions[slot] = action;
    this.rewards[slot] = reward;
    this.discounts[slot] = discount;
    this.terminated[slot] = terminated ? 1 : 0;
    this.truncated[slot] = truncated ? 1 : 0;
    this.position = slot + 1 === this.capacity ? 0 : slot + 1;
    if (this.size < this.capacity) this.size++;
    return slot;
  }

  /** Copies slot `slot` into row `row` of `batch` (everything but the weight). */
  copyInto(batch: Batch, row: number, slot: number): void {
    const d = this.obsSize;
    const from = slot * d;
    const to = row * d;
    for (let j = 0; j < d; j++) {
      batch.obs[to + j] = this.obs[from + j];
      batch.nextObs[to + j] = this.nextObs[from + j];
    }
    batch.actions[row] = this.actions[slot];
    batch.rewards[row] = this.rewards[slot];
    batch.dones[row] = this.terminated[slot];
    batch.discounts[row] = this.discounts[slot];
    batch.indices[row] = slot;
  }

  at(slot: number): Transition {
    const d = this.obsSize;
    return {
      obs: this.obs.slice(slot * d, (slot + 1) * d),
      action: this.actions[slot],
      reward: this.rewards[slot],
      nextObs: this.nextObs.slice(slot * d, (slot + 1) * d),
      discount: this.discounts[slot],
      terminated: this.terminated[slot] === 1,
      truncated: this.truncated[slot] === 1,
    };
  }

  /**
   * The filled slots' arrays, copied. Slots fill from 0 upwards before the ring wraps, so the
   * first `size` rows are exactly the stored transitions: a young buffer's snapshot stays small.
   */
  exportArrays(): Record<string, Float64Array | Int32Array | Uint8Array> {
    const n = this.size;
    const d = this.obsSize;
    return {
      obs: this.obs.slice(0, n * d),
      nextObs: this.nextObs.slice(0, n * d),
      actions: this.actions.slice(0, n),
      rewards: this.rewards.slice(0, n),
      discounts: this.discounts.slice(0, n),
      terminated: this.terminated.slice(0, n),
      truncated: this.truncated.slice(0, n),
    };
  }

  /** Inverse of `exportArrays` (arrays already checked for type and length). */
  importArrays(arrays: Record<string, Float64Array | Int32Array | Uint8Array>, size: number, position: number): void {
    this.obs.set(arrays.obs);
    this.nextObs.set(arrays.nextObs);
    this.actions.set(arrays.actions);
    this.rewards.set(arrays.rewards);
    this.discounts.set(arrays.discounts);
    this.terminated.set(arrays.terminated);
    this.truncated.set(arrays.truncated);
    this.size = size;
    this.position = position;
  }
}
