/**
 * The DQN replay buffer: a fixed-size ring of transitions (storage.ts), fed through an n-step
 * queue (n-step.ts), sampled uniformly or by priority (prioritized.ts) into a preallocated
 * `Batch` (batch.ts). `add`, `sample` and `updatePriorities` allocate nothing.
 *
 *   const buffer = new ReplayBuffer({ capacity: 100_000, obsSize: 4, gamma: 0.99, nStep: 3 });
 *   buffer.add(obs, action, reward, nextObs, terminated, truncated);   // every env step
 *   const batch = createBatch(64, 4);                                   // once
 *   buffer.sample(batch, rng);                                          // every gradient step
 *
 * The buffer holds no random generator: the caller's `Random` is saved with the checkpoint, so
 * snapshot + RNG state reproduce every later sample exactly.
 */
import type { Random } from "../random.js";
import type { Batch } from "./batch.js";
import { NStepQueue, type TransitionSink } from "./n-step.js";
import { PrioritySampler, annealedBeta, type PrioritizedOptions } from "./prioritized.js";
import {
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  ReplaySnapshotError,
  checkMeta,
  requireArray,
  type ReplaySnapshot,
  type SnapshotArray,
} from "./snapshot.js";
import { TransitionStorage, type Transition } from "./storage.js";

export interface ReplayBufferOptions {
  /** Transitions kept; the oldest is overwritten first once full. */
  capacity: number;
  /** Observation length D. */
  obsSize: number;
  /** Discount factor: n-step sums and the stored bootstrap factor γ^k use it. */
  gamma: number;
  /** Rewards summed per stored transition (default 1). */
  nStep?: number;
  /** Prioritized replay; omitted or null for uniform sampling. */
  prioritized?: PrioritizedOptions | null;
  /**
   * Episode streams feeding the buffer side by side (vectorized environments: one per copy), each
   * with its own n-step queue, so that steps of different environments never share a window.
   * Default 1.
   */
  streams?: number;
}

export class ReplayBuffer {
  readonly gamma: number;
  private readonly storage: TransitionStorage;
  private readonly queues: NStepQueue[];
  private readonly sampler: PrioritySampler | null;
  /** Created once: the queue hands finished transitions to storage (and the priority tree) through it. */
  private readonly store: TransitionSink;

  constructor(options: ReplayBufferOptions) {
    const { capacity, obsSize, gamma, nStep = 1, prioritized = null, streams = 1 } = options;
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ReplayBuffer: capacity must be a positive integer, got ${capacity}`);
    if (!Number.isInteger(obsSize) || obsSize < 1) throw new RangeError(`ReplayBuffer: obsSize must be a positive integer, got ${obsSize}`);
    if (typeof gamma !== "number" || !(gamma >= 0 && gamma <= 1)) throw new RangeError(`ReplayBuffer: gamma must be in [0, 1], got ${gamma}`);
    if (!Number.isInteger(nStep) || nStep < 1) throw new RangeError(`ReplayBuffer: nStep must be a positive integer, got ${nStep}`);
    if (!Number.isInteger(streams) || streams < 1) throw new RangeError(`ReplayBuffer: streams must be a positive integer, got ${streams}`);
    this.gamma = gamma;
    this.storage = new TransitionStorage(capacity, obsSize);
    this.queues = Array.from({ length: streams }, () => new NStepQueue(nStep, gamma, obsSize));
    const sampler = prioritized ? new PrioritySampler(capacity, prioritized) : null;
    this.sampler = sampler;
    const storage = this.storage;
    this.store = (obs, obsOffset, action, reward, nextObs, discount, terminated, truncated) => {
      const slot = storage.write(obs, obsOffset, action, reward, nextObs, discount, terminated, truncated);
      if (sampler) sampler.onWrite(slot);
    };
  }

  get capacity(): number {
    return this.storage.capacity;
  }
  get obsSize(): number {
    return this.storage.obsSize;
  }
  get nStep(): number {
    return this.queues[0].n;
  }
  get streams(): number {
    return this.queues.length;
  }
  /** Stored (sampleable) transitions: min(transitions emitted, capacity). */
  get size(): number {
    return this.storage.size;
  }
  /** The slot the next stored transition goes to. */
  get position(): number {
    return this.storage.position;
  }
  /** Steps of the current episodes still waiting in the n-step queues (not yet sampleable). */
  get pendingCount(): number {
    return this.queues.reduce((sum, q) => sum + q.pending, 0);
  }
  get isPrioritized(): boolean {
    return this.sampler !== null;
  }

  /**
   * Records one environment step. `terminated`: the MDP ended (no bootstrap). `truncated`: the
   * episode was cut (time limit), the learner still bootstraps from `nextObs`. Either ends the
   * episode for the n-step queue; the next `add` starts a new one. `stream`: which environment
   * (0 … streams − 1) the step came from.
   */
  add(obs: ArrayLike<number>, action: number, reward: number, nextObs: ArrayLike<number>, terminated: boolean, truncated: boolean, stream = 0): void {
    const d = this.storage.obsSize;
    if (obs.length !== d) throw new RangeError(`ReplayBuffer.add: obs has length ${obs.length}, expected ${d}`);
    if (nextObs.length !== d) throw new RangeError(`ReplayBuffer.add: nextObs has length ${nextObs.length}, expected ${d}`);
    if (!Number.isInteger(action) || action < -2147483648 || action > 2147483647) throw new RangeError(`ReplayBuffer.add: action must be a 32-bit integer, got ${action}`);
    const queue = this.queues[stream];
    if (queue === undefined) throw new RangeError(`ReplayBuffer.add: stream ${stream} is not one of 0…${this.queues.length - 1}`);
    queue.push(obs, action, reward, nextObs, terminated, truncated, this.store);
  }

  /**
   * Fills every row of `batch` with a transition drawn with replacement: uniformly, or in
   * proportion to priority with importance weights (then `batch.weights` ≤ 1).
   */
  sample(batch: Batch, rng: Random): void {
    const storage = this.storage;
    if (storage.size === 0) throw new RangeError("ReplayBuffer.sample: the buffer is empty");
    if (batch.obsSize !== storage.obsSize) throw new RangeError(`ReplayBuffer.sample: batch obsSize ${batch.obsSize} ≠ buffer obsSize ${storage.obsSize}`);
    const b = batch.size;
    if (this.sampler) {
      this.sampler.sampleSlots(batch, rng);
      for (let i = 0; i < b; i++) storage.copyInto(batch, i, batch.indices[i]);
    } else {
      for (let i = 0; i < b; i++) {
        storage.copyInto(batch, i, rng.nextInt(storage.size));
        batch.weights[i] = 1;
      }
    }
  }

  /**
   * Prioritized replay: sets slot `indices[i]`'s priority to (|tdErrors[i]| + ε)^α. Pass the
   * batch's `indices` and the TD errors computed for it, before adding more transitions (a slot
   * overwritten in between would inherit the old transition's priority).
   */
  updatePriorities(indices: ArrayLike<number>, tdErrors: ArrayLike<number>): void {
    if (!this.sampler) throw new Error("ReplayBuffer.updatePriorities: this buffer is not prioritized");
    this.sampler.update(indices, tdErrors, this.storage.size);
  }

  /** Prioritized replay: sets the training step that anneals β (no effect on uniform buffers). */
  setProgress(step: number): void {
    if (!(step >= 0 && step < Infinity)) throw new RangeError(`ReplayBuffer.setProgress: step must be finite and ≥ 0, got ${step}`);
    if (this.sampler) this.sampler.progress = step;
  }

  /** β at `step` (default: the current progress); 1 for uniform buffers, which need no correction. */
  beta(step?: number): number {
    if (!this.sampler) return 1;
    const { beta0, betaSteps } = this.sampler.options;
    return annealedBeta(beta0, betaSteps, step ?? this.sampler.progress);
  }

  /** Prioritized replay: slot `slot`'s priority p (0 for an empty slot). */
  priorityAt(slot: number): number {
    if (!this.sampler) throw new Error("ReplayBuffer.priorityAt: this buffer is not prioritized");
    return this.sampler.tree.get(slot);
  }

  /** Prioritized replay: the largest priority so far, given to new transitions. */
  get maxPriority(): number {
    if (!this.sampler) throw new Error("ReplayBuffer.maxPriority: this buffer is not prioritized");
    return this.sampler.maxPriority;
  }

  /** The transition in `slot` (0 ≤ slot < size), copied. For inspection; allocates. */
  at(slot: number): Transition {
    if (!(Number.isInteger(slot) && slot >= 0 && slot < this.storage.size)) throw new RangeError(`ReplayBuffer.at: slot ${slot} outside [0, ${this.storage.size})`);
    return this.storage.at(slot);
  }

  /** Everything needed to continue exactly where this buffer is, copied. */
  snapshot(): ReplaySnapshot {
    const sampler = this.sampler;
    const arrays: Record<string, SnapshotArray> = { ...this.storage.exportArrays() };
    this.queues.forEach((queue, stream) => {
      for (const [name, array] of Object.entries(queue.exportArrays())) arrays[pendingArrayName(name, stream)] = array;
    });
    if (sampler) arrays.priorities = sampler.tree.leaves(this.storage.size);
    return {
      meta: {
        format: SNAPSHOT_FORMAT,
        version: SNAPSHOT_VERSION,
        capacity: this.storage.capacity,
        obsSize: this.storage.obsSize,
        gamma: this.gamma,
        nStep: this.nStep,
        prioritized: sampler ? { ...sampler.options } : null,
        position: this.storage.position,
        size: this.storage.size,
        pendingCounts: this.queues.map((q) => q.pending),
        maxPriority: sampler ? sampler.maxPriority : null,
        progress: sampler ? sampler.progress : 0,
      },
      arrays,
    };
  }

  /** A buffer equal to the one `snapshot` was taken from; throws ReplaySnapshotError naming any bad field. */
  static restore(snapshot: ReplaySnapshot): ReplayBuffer {
    if (typeof snapshot !== "object" || snapshot === null) throw new ReplaySnapshotError("not an object");
    const meta = checkMeta(snapshot.meta);
    const arrays = snapshot.arrays;
    if (typeof arrays !== "object" || arrays === null) throw new ReplaySnapshotError("arrays are missing");
    let buffer: ReplayBuffer;
    try {
      buffer = new ReplayBuffer({ capacity: meta.capacity, obsSize: meta.obsSize, gamma: meta.gamma, nStep: meta.nStep, prioritized: meta.prioritized, streams: meta.pendingCounts.length });
    } catch (e) {
      throw new ReplaySnapshotError(`meta describes an invalid buffer: ${(e as Error).message}`);
    }
    const { size, obsSize: d } = meta;
    requireArray(arrays, "obs", Float64Array, size * d);
    requireArray(arrays, "nextObs", Float64Array, size * d);
    requireArray(arrays, "actions", Int32Array, size);
    requireArray(arrays, "rewards", Float64Array, size);
    requireArray(arrays, "discounts", Float64Array, size);
    requireArray(arrays, "terminated", Uint8Array, size);
    requireArray(arrays, "truncated", Uint8Array, size);
    buffer.storage.importArrays(arrays, size, meta.position);
    meta.pendingCounts.forEach((pending, stream) => {
      const name = (array: string) => pendingArrayName(array, stream);
      buffer.queues[stream].importArrays(
        requireArray(arrays, name("pendingObs"), Float64Array, pending * d),
        requireArray(arrays, name("pendingActions"), Int32Array, pending),
        requireArray(arrays, name("pendingRewards"), Float64Array, pending),
        requireArray(arrays, name("pendingNextObs"), Float64Array, d),
      );
    });
    const sampler = buffer.sampler;
    if (sampler) {
      const priorities = requireArray(arrays, "priorities", Float64Array, size);
      for (let i = 0; i < size; i++) {
        const p = priorities[i];
        if (!(p > 0 && p <= meta.maxPriority!)) throw new ReplaySnapshotError(`priorities[${i}] = ${p} is not in (0, maxPriority = ${meta.maxPriority}]`);
      }
      sampler.tree.load(priorities);
      sampler.maxPriority = meta.maxPriority!;
      sampler.progress = meta.progress;
    }
    return buffer;
  }
}

/** Stream 0's queue keeps the names of single-stream snapshots; stream k's arrays end in ".k". */
function pendingArrayName(array: string, stream: number): string {
  return stream === 0 ? array : `${array}.${stream}`;
}
