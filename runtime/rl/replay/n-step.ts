/**
 * n-step returns. Steps of an episode wait in a small preallocated queue until n rewards are
 * known; then the oldest leaves as one transition. For an episode of steps t = 0 … T−1
 * (s_t, a_t, r_t, s_{t+1}), with m = min(n, T − t), the transition stored for step t is
 *
 *   obs      = s_t,   action = a_t
 *   reward   = r_t + γ r_{t+1} + … + γ^{m−1} r_{t+m−1}
 *   nextObs  = s_{t+m}
 *   discount = γ^m
 *   terminated = the episode terminated at step T−1 and t + m = T
 *   truncated  = the episode was truncated at step T−1 and t + m = T
 *
 * so the learner's target r + discount · (1 − terminated) · max_a Q(nextObs, a) is the n-step
 * target. While an episode runs (m = n) nothing ends. When it ends, every waiting step leaves at
 * once with its shorter window: after a termination, with terminated set (no bootstrap); after a
 * truncation, bootstrapping from the final observation s_T with γ^m. A step reported both
 * terminated and truncated counts as terminated for the target, as in Gymnasium; both flags are
 * kept. With n = 1 this is the ordinary one-step transition with discount γ.
 *
 * The queue assumes consecutive `push` calls form one episode until one of them ends it: the
 * next push after an end starts a new episode.
 */

/** Where finished transitions go: `obs` is read from `obs[obsOffset .. obsOffset + D)`. */
export type TransitionSink = (
  obs: Float64Array,
  obsOffset: number,
  action: number,
  reward: number,
  nextObs: Float64Array,
  discount: number,
  terminated: boolean,
  truncated: boolean,
) => void;

export class NStepQueue {
  readonly n: number;
  readonly gamma: number;
  readonly obsSize: number;
  private readonly obs: Float64Array;
  private readonly actions: Int32Array;
  private readonly rewards: Float64Array;
  /** Only the newest s_{t+1} is ever needed: every waiting step bootstraps from it. */
  private readonly lastNextObs: Float64Array;
  private head = 0;
  private count = 0;

  constructor(n: number, gamma: number, obsSize: number) {
    this.n = n;
    this.gamma = gamma;
    this.obsSize = obsSize;
    this.obs = new Float64Array(n * obsSize);
    this.actions = new Int32Array(n);
    this.rewards = new Float64Array(n);
    this.lastNextObs = new Float64Array(obsSize);
  }

  /** Steps waiting for their n-step window to complete. */
  get pending(): number {
    return this.count;
  }

  push(
    obs: ArrayLike<number>,
    action: number,
    reward: number,
    nextObs: ArrayLike<number>,
    terminated: boolean,
    truncated: boolean,
    sink: TransitionSink,
  ): void {
    const d = this.obsSize;
    let slot = this.head + this.count;
    if (slot >= this.n) slot -= this.n;
    const base = slot * d;
    for (let j = 0; j < d; j++) {
      this.obs[base + j] = obs[j];
      this.lastNextObs[j] = nextObs[j];
    }
    this.actions[slot] = action;
    this.rewards[slot] = reward;
    this.count++;
    if (terminated || truncated) {
      while (this.count > 0) this.emitOldest(terminated, truncated, sink);
    } else if (this.count === this.n) {
      this.emitOldest(false, false, sink);
    }
  }

  /** Sends the oldest waiting step out with the rewards of every step queued after it. */
  private emitOldest(terminated: boolean, truncated: boolean, sink: TransitionSink): void {
    const n = this.n;
    let ret = 0;
    let discount = 1;
    let slot = this.head;
    for (let k = 0; k < this.count; k++) {
      ret += discount * this.rewards[slot];
      discount *= this.gamma;
      slot = slot + 1 === n ? 0 : slot + 1;
    }
    sink(this.obs, this.head * this.obsSize, this.actions[this.head], ret, this.lastNextObs, discount, terminated, truncated);
    this.head = this.head + 1 === n ? 0 : this.head + 1;
    this.count--;
  }

  /** The waiting steps in order, oldest first, copied (for snapshots). */
  exportArrays(): { pendingObs: Float64Array; pendingActions: Int32Array; pendingRewards: Float64Array; pendingNextObs: Float64Array } {
    const d = this.obsSize;
    const pendingObs = new Float64Array(this.count * d);
    const pendingActions = new Int32Array(this.count);
    const pendingRewards = new Float64Array(this.count);
    for (let k = 0; k < this.count; k++) {
      const slot = (this.head + k) % this.n;
      pendingObs.set(this.obs.subarray(slot * d, (slot + 1) * d), k * d);
      pendingActions[k] = this.actions[slot];
      pendingRewards[k] = this.rewards[slot];
    }
    return { pendingObs, pendingActions, pendingRewards, pendingNextObs: this.lastNextObs.slice() };
  }

  /** Inverse of `exportArrays` (arrays already checked for length): the oldest step lands in slot 0. */
  importArrays(pendingObs: Float64Array, pendingActions: Int32Array, pendingRewards: Float64Array, pendingNextObs: Float64Array): void {
    this.obs.fill(0);
    this.actions.fill(0);
    this.rewards.fill(0);
    this.obs.set(pendingObs);
    this.actions.set(pendingActions);
    this.rewards.set(pendingRewards);
    this.lastNextObs.set(pendingNextObs);
    this.head = 0;
    this.count = pendingActions.length;
  }
}
