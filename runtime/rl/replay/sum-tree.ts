/**
 * A binary tree over `capacity` non-negative priorities whose inner nodes hold both the sum and
 * the minimum of their subtree: the root gives the total (for proportional sampling) and the
 * smallest priority (for normalising importance weights) in O(1); `set` and `find` are O(log N).
 *
 * Leaves sit at `leafBase + i` in heap order (node 1 is the root, node k's children are 2k and
 * 2k+1), with `leafBase` the power of two ≥ capacity. Every `set` recomputes its ancestors as
 * left + right from the children, never by adding a delta, so the sums cannot drift however
 * many updates happen — and a tree rebuilt from its leaves (`load`) is bit-for-bit the tree the
 * updates produced. Leaves never set hold sum 0 and min +∞, so they are neither sampled nor
 * counted as the minimum.
 */
export class SumTree {
  readonly capacity: number;
  private readonly leafBase: number;
  private readonly sums: Float64Array;
  private readonly mins: Float64Array;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`SumTree: capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    let leafBase = 1;
    while (leafBase < capacity) leafBase *= 2;
    this.leafBase = leafBase;
    this.sums = new Float64Array(2 * leafBase);
    this.mins = new Float64Array(2 * leafBase).fill(Infinity);
  }

  /** The sum of all priorities. */
  get total(): number {
    return this.sums[1];
  }

  /** The smallest priority set so far (+∞ while nothing is set). */
  get min(): number {
    return this.mins[1];
  }

  get(index: number): number {
    return this.sums[this.leafBase + index];
  }

  set(index: number, priority: number): void {
    if (!(index >= 0 && index < this.capacity && Number.isInteger(index))) throw new RangeError(`SumTree.set: index ${index} outside [0, ${this.capacity})`);
    if (!(priority >= 0 && priority < Infinity)) throw new RangeError(`SumTree.set: priority must be finite and ≥ 0, got ${priority}`);
    const sums = this.sums;
    const mins = this.mins;
    let node = this.leafBase + index;
    sums[node] = priority;
    mins[node] = priority;
    node >>= 1;
    while (node >= 1) {
      const left = 2 * node;
      sums[node] = sums[left] + sums[left + 1];
      mins[node] = Math.min(mins[left], mins[left + 1]);
      node >>= 1;
    }
  }

  /**
   * The leaf i whose cumulative interval [p_0 + … + p_{i−1}, p_0 + … + p_i) contains `prefix`,
   * for 0 ≤ prefix < total. Rounding can push a prefix just past a subtree's sum; the descent
   * then prefers the side with positive mass, so the answer is always a leaf with priority > 0
   * (given total > 0) and never an unset slot.
   */
  find(prefix: number): number {
    const sums = this.sums;
    let value = prefix;
    let node = 1;
    while (node < this.leafBase) {
      const left = 2 * node;
      const leftSum = sums[left];
      if (value < leftSum || sums[left + 1] === 0) {
        node = left;
      } else {
        value -= leftSum;
        node = left + 1;
      }
    }
    return node - this.leafBase;
  }

  /** The first `count` leaves, copied (for snapshots). */
  leaves(count: number = this.capacity): Float64Array {
    return this.sums.slice(this.leafBase, this.leafBase + count);
  }

  /** Sets leaves 0…priorities.length−1 and rebuilds every inner node from them. */
  load(priorities: ArrayLike<number>): void {
    if (priorities.length > this.capacity) throw new RangeError(`SumTree.load: ${priorities.length} priorities for capacity ${this.capacity}`);
    this.sums.fill(0);
    this.mins.fill(Infinity);
    for (let i = 0; i < priorities.length; i++) {
      const p = priorities[i];
      if (!(p >= 0 && p < Infinity)) throw new RangeError(`SumTree.load: priority ${i} must be finite and ≥ 0, got ${p}`);
      this.sums[this.leafBase + i] = p;
      this.mins[this.leafBase + i] = p;
    }
    for (let node = this.leafBase - 1; node >= 1; node--) {
      this.sums[node] = this.sums[2 * node] + this.sums[2 * node + 1];
      this.mins[node] = Math.min(this.mins[2 * node], this.mins[2 * node + 1]);
    }
  }
}
