/**
 * Proportional prioritized replay (Schaul et al., 2016, "Prioritized Experience Replay").
 * Transition i is sampled with probability P(i) = p_i / Σ_j p_j, where p_i = (|δ_i| + ε)^α is
 * set from its last TD error δ_i; a new transition gets the largest priority seen so far, so it
 * is replayed at least once soon. The bias this introduces is corrected by importance weights
 *
 *   w_i = (N · P(i))^−β / max_j (N · P(j))^−β  =  (p_min / p_i)^β,
 *
 * computed in the second form, which needs neither N nor the total and is exactly 1 for the
 * smallest priority. `normalizeWeights` says over what the max runs: "buffer" (default, as in
 * OpenAI Baselines and the paper's stability argument: weights only ever scale updates down, by
 * the same reference for every batch) uses the smallest priority in the whole buffer, which the
 * tree tracks; "batch" (as in Dopamine) uses the smallest in the batch, so each batch's largest
 * weight is exactly 1. β anneals linearly from beta0 to 1 over betaSteps calls-worth of progress
 * (`setProgress(step)`), since the correction matters most at the end of training.
 *
 * Sampling is stratified: the total mass is cut into B equal segments and one prefix is drawn
 * uniformly in each, which keeps a batch spread over the priority range.
 */
import type { Batch } from "./batch.js";
import type { Random } from "../random.js";
import { SumTree } from "./sum-tree.js";

export interface PrioritizedOptions {
  /** How strongly priorities shape sampling: 0 is uniform, 1 fully proportional. Typical 0.6. */
  alpha: number;
  /** β at step 0; it rises linearly to 1. Typical 0.4. */
  beta0: number;
  /** Steps over which β reaches 1 (0: β is 1 from the start). Typically the training length. */
  betaSteps: number;
  /** Added to |δ| so no transition's priority is 0 (must be > 0). Typical 1e-6. */
  epsilon: number;
  /** Normalise weights by the buffer's largest weight ("buffer", default) or the batch's ("batch"). */
  normalizeWeights?: "buffer" | "batch";
}

/** β after `step` steps: linear from beta0 at step 0 to 1 at betaSteps, then 1. */
export function annealedBeta(beta0: number, betaSteps: number, step: number): number {
  if (betaSteps <= 0 || step >= betaSteps) return 1;
  return beta0 + (1 - beta0) * (Math.max(0, step) / betaSteps);
}

/** Throws a RangeError naming the first bad option. */
export function checkPrioritizedOptions(o: PrioritizedOptions): void {
  const where = "ReplayBuffer: prioritized.";
  if (typeof o.alpha !== "number" || !(o.alpha >= 0 && o.alpha < Infinity)) throw new RangeError(`${where}alpha must be a finite number ≥ 0, got ${o.alpha}`);
  if (typeof o.beta0 !== "number" || !(o.beta0 >= 0 && o.beta0 <= 1)) throw new RangeError(`${where}beta0 must be in [0, 1], got ${o.beta0}`);
  if (typeof o.betaSteps !== "number" || !(o.betaSteps >= 0 && o.betaSteps < Infinity)) throw new RangeError(`${where}betaSteps must be a finite number ≥ 0, got ${o.betaSteps}`);
  if (typeof o.epsilon !== "number" || !(o.epsilon > 0 && o.epsilon < Infinity)) throw new RangeError(`${where}epsilon must be a finite number > 0, got ${o.epsilon}`);
  if (o.normalizeWeights !== undefined && o.normalizeWeights !== "buffer" && o.normalizeWeights !== "batch") {
    throw new RangeError(`${where}normalizeWeights must be "buffer" or "batch", got ${JSON.stringify(o.normalizeWeights)}`);
  }
}

export class PrioritySampler {
  readonly options: Readonly<Required<PrioritizedOptions>>;
  readonly tree: SumTree;
  /** The largest priority p (after ε and α) ever set; new transitions get it. Never decreases. */
  maxPriority = 1;
  /** Training progress that sets β. */
  progress = 0;

  constructor(capacity: number, options: PrioritizedOptions) {
    checkPrioritizedOptions(options);
    this.options = { normalizeWeights: "buffer", ...options };
    this.tree = new SumTree(capacity);
  }

  get beta(): number {
    return annealedBeta(this.options.beta0, this.options.betaSteps, this.progress);
  }

  /** A freshly written slot gets the largest priority so far. */
  onWrite(slot: number): void {
    this.tree.set(slot, this.maxPriority);
  }

  /** Sets p = (|δ| + ε)^α for each slot; slots must hold transitions (slot < size). */
  update(indices: ArrayLike<number>, tdErrors: ArrayLike<number>, size: number): void {
    if (indices.length !== tdErrors.length) {
      throw new RangeError(`updatePriorities: ${indices.length} indices but ${tdErrors.length} TD errors`);
    }
    const { alpha, epsilon } = this.options;
    for (let i = 0; i < indices.length; i++) {
      const slot = indices[i];
      const delta = tdErrors[i];
      if (!(Number.isInteger(slot) && slot >= 0 && slot < size)) throw new RangeError(`updatePriorities: index ${slot} is not a filled slot (size ${size})`);
      if (!Number.isFinite(delta)) throw new RangeError(`updatePriorities: TD error ${delta} for slot ${slot} is not finite`);
      const p = Math.pow(Math.abs(delta) + epsilon, alpha);
      this.tree.set(slot, p);
      if (p > this.maxPriority) this.maxPriority = p;
    }
  }

  /** Fills `batch.indices` and `batch.weights` with a stratified proportional draw. */
  sampleSlots(batch: Batch, rng: Random): void {
    const tree = this.tree;
    const b = batch.size;
    const segment = tree.total / b;
    let batchMin = Infinity;
    for (let i = 0; i < b; i++) {
      const slot = tree.find((i + rng.nextFloat()) * segment);
      batch.indices[i] = slot;
      const p = tree.get(slot);
      if (p < batchMin) batchMin = p;
    }
    const beta = this.beta;
    const reference = this.options.normalizeWeights === "batch" ? batchMin : tree.min;
    for (let i = 0; i < b; i++) {
      batch.weights[i] = Math.pow(reference / tree.get(batch.indices[i]), beta);
    }
  }
}
