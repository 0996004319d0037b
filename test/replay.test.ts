/**
 * Replay buffer, n-step returns, sum tree and prioritized replay. Property tests: each runs over
 * many seeds, generating random capacities, episodes and priorities, and checks the buffer
 * against a brute-force model written here from the definitions (the expected values never come
 * from the implementation's own output).
 */
import { describe, expect, it } from "vitest";
import { Random } from "../runtime/rl/random.js";
import {
  ReplayBuffer,
  ReplaySnapshotError,
  SumTree,
  annealedBeta,
  createBatch,
  type Batch,
  type PrioritizedOptions,
  type ReplaySnapshot,
} from "../runtime/rl/replay/index.js";

const SEEDS = Array.from({ length: 60 }, (_, i) => 7919 * (i + 1));

/** |a − b| within `rel` of the larger magnitude (or of 1 near zero). */
function close(a: number, b: number, rel = 1e-12): boolean {
  return Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b));
}

// ---------------------------------------------------------------------------------------------
// Uniform ring buffer
// ---------------------------------------------------------------------------------------------

/** Transition number k, every field derived from k so a mixed-up row is detectable. */
function encoded(k: number, d: number) {
  return {
    obs: Array.from({ length: d }, (_, j) => k * 10 + j),
    nextObs: Array.from({ length: d }, (_, j) => k * 10 + j + 0.5),
    action: k % 7,
    reward: k * 0.25 - 3,
    terminated: k % 3 === 0,
    truncated: k % 4 === 1,
  };
}

describe("ReplayBuffer ring (uniform, one-step)", () => {
  it("size = min(added, capacity), the oldest is overwritten first, every field stays with its transition", () => {
    for (const seed of SEEDS) {
      const rng = new Random(seed);
      const capacity = 1 + rng.nextInt(12);
      const d = 1 + rng.nextInt(4);
      const adds = rng.nextInt(40);
      const gamma = 0.9;
      const buffer = new ReplayBuffer({ capacity, obsSize: d, gamma });
      for (let k = 0; k < adds; k++) {
        const t = encoded(k, d);
        buffer.add(t.obs, t.action, t.reward, t.nextObs, t.terminated, t.truncated);
        const added = k + 1;
        expect(buffer.size).toBe(Math.min(added, capacity));
        expect(buffer.position).toBe(added % capacity);
        expect(buffer.pendingCount).toBe(0);
      }
      // The stored transitions are exactly the last `size` added, transition k in slot k mod capacity.
      const size = Math.min(adds, capacity);
      const storedIds = new Set<number>();
      for (let slot = 0; slot < size; slot++) {
        const stored = buffer.at(slot);
        const k = stored.obs[0] / 10;
        storedIds.add(k);
        expect(k % capacity).toBe(slot);
        const t = encoded(k, d);
        expect(Array.from(stored.obs)).toEqual(t.obs);
        expect(Array.from(stored.nextObs)).toEqual(t.nextObs);
        expect(stored.action).toBe(t.action);
        expect(stored.reward).toBe(t.reward);
        expect(stored.discount).toBe(gamma);
        expect(stored.terminated).toBe(t.terminated);
        expect(stored.truncated).toBe(t.truncated);
      }
      expect([...storedIds].sort((a, b) => a - b)).toEqual(Array.from({ length: size }, (_, i) => adds - size + i));
    }
  });

  it("sampled rows are transitions that were added and still stored, with consistent fields", () => {
    for (const seed of SEEDS) {
      const rng = new Random(seed);
      const capacity = 1 + rng.nextInt(12);
      const d = 1 + rng.nextInt(4);
      const adds = 1 + rng.nextInt(40);
      const buffer = new ReplayBuffer({ capacity, obsSize: d, gamma: 0.97 });
      for (let k = 0; k < adds; k++) {
        const t = encoded(k, d);
        buffer.add(t.obs, t.action, t.reward, t.nextObs, t.terminated, t.truncated);
      }
      const batch = createBatch(1 + rng.nextInt(8), d);
      for (let draw = 0; draw < 20; draw++) {
        buffer.sample(batch, rng);
        for (let row = 0; row < batch.size; row++) {
          const k = batch.obs[row * d] / 10;
          expect(Number.isInteger(k)).toBe(true);
          expect(k).toBeGreaterThanOrEqual(adds - Math.min(adds, capacity));
          expect(k).toBeLessThan(adds);
          const t = encoded(k, d);
          expect(Array.from(batch.obs.subarray(row * d, (row + 1) * d))).toEqual(t.obs);
          expect(Array.from(batch.nextObs.subarray(row * d, (row + 1) * d))).toEqual(t.nextObs);
          expect(batch.actions[row]).toBe(t.action);
          expect(batch.rewards[row]).toBe(t.reward);
          expect(batch.dones[row]).toBe(t.terminated ? 1 : 0);
          expect(batch.discounts[row]).toBe(0.97);
          expect(batch.weights[row]).toBe(1);
          expect(batch.indices[row]).toBe(k % capacity);
        }
      }
    }
  });

  it("keeps terminated and truncated apart: only termination sets done", () => {
    const buffer = new ReplayBuffer({ capacity: 4, obsSize: 1, gamma: 0.5 });
    buffer.add([0], 0, 1, [1], false, true); // time limit: bootstrap
    buffer.add([1], 1, 1, [2], true, false); // terminal state: no bootstrap
    buffer.add([2], 0, 1, [3], true, true); // both: Gymnasium says terminated wins
    expect([0, 1, 2].map((s) => [buffer.at(s).terminated, buffer.at(s).truncated])).toEqual([
      [false, true],
      [true, false],
      [true, true],
    ]);
    const batch = createBatch(64, 1);
    buffer.sample(batch, new Random(1));
    for (let row = 0; row < batch.size; row++) {
      const expectedDone = batch.obs[row] === 0 ? 0 : 1;
      expect(batch.dones[row]).toBe(expectedDone);
      expect(batch.discounts[row]).toBe(0.5);
    }
  });

  it("samples uniformly: slot frequencies within 5σ of 1/size", () => {
    const capacity = 10;
    const buffer = new ReplayBuffer({ capacity, obsSize: 1, gamma: 0.99 });
    for (let k = 0; k < 25; k++) buffer.add([k], 0, 0, [k], false, false);
    const batch = createBatch(50, 1);
    const counts = new Array(capacity).fill(0);
    const rng = new Random(42);
    const draws = 4000;
    for (let i = 0; i < draws; i++) {
      buffer.sample(batch, rng);
      for (let row = 0; row < batch.size; row++) counts[batch.indices[row]]++;
    }
    const n = draws * batch.size;
    const p = 1 / capacity;
    for (const c of counts) expect(Math.abs(c - n * p)).toBeLessThan(5 * Math.sqrt(n * p * (1 - p)));
  });

  it("sampling allocates nothing: the same Batch arrays are refilled and no typed array is created", () => {
    for (const prioritized of [null, { alpha: 0.6, beta0: 0.4, betaSteps: 100, epsilon: 1e-6 }]) {
      const buffer = new ReplayBuffer({ capacity: 32, obsSize: 3, gamma: 0.99, nStep: 3, prioritized });
      for (let k = 0; k < 50; k++) buffer.add([k, k, k], k % 2, 1, [k + 1, k + 1, k + 1], k % 11 === 10, false);
      const batch = createBatch(16, 3);
      const fields = Object.entries(batch).filter(([, v]) => ArrayBuffer.isView(v));
      const rng = new Random(3);
      const created = countTypedArraysCreated(() => {
        for (let i = 0; i < 200; i++) {
          expect(buffer.sample(batch, rng)).toBeUndefined();
          if (prioritized) buffer.updatePriorities(batch.indices, batch.rewards);
        }
      });
      expect(created).toBe(0);
      expect(countTypedArraysCreated(() => createBatch(2, 3))).toBe(8); // the probe does see allocations
      for (const [name, array] of fields) expect(batch[name as keyof Batch]).toBe(array);
    }
  });

  it("rejects bad options, wrong observation lengths, non-integer actions and an empty sample", () => {
    expect(() => new ReplayBuffer({ capacity: 0, obsSize: 1, gamma: 0.9 })).toThrow(/capacity/);
    expect(() => new ReplayBuffer({ capacity: 4, obsSize: 1.5, gamma: 0.9 })).toThrow(/obsSize/);
    expect(() => new ReplayBuffer({ capacity: 4, obsSize: 1, gamma: 1.5 })).toThrow(/gamma/);
    expect(() => new ReplayBuffer({ capacity: 4, obsSize: 1, gamma: 0.9, nStep: 0 })).toThrow(/nStep/);
    const bad = (o: Partial<PrioritizedOptions>) => ({ alpha: 0.6, beta0: 0.4, betaSteps: 10, epsilon: 1e-6, ...o });
    expect(() => new ReplayBuffer({ capacity: 4, obsSize: 1, gamma: 0.9, prioritized: bad({ alpha: -1 }) })).toThrow(/alpha/);
    expect(() => new ReplayBuffer({ capacity: 4, obsSize: 1, gamma: 0.9, prioritized: bad({ beta0: 2 }) })).toThrow(/beta0/);
    expect(() => new ReplayBuffer({ capacity: 4, obsSize: 1, gamma: 0.9, prioritized: bad({ betaSteps: -5 }) })).toThrow(/betaSteps/);
    expect(() => new ReplayBuffer({ capacity: 4, obsSize: 1, gamma: 0.9, prioritized: bad({ epsilon: 0 }) })).toThrow(/epsilon/);
    const buffer = new ReplayBuffer({ capacity: 4, obsSize: 2, gamma: 0.9 });
    expect(() => buffer.sample(createBatch(2, 2), new Random(0))).toThrow(/empty/);
    expect(() => buffer.add([1], 0, 0, [1, 2], false, false)).toThrow(/obs has length 1/);
    expect(() => buffer.add([1, 2], 0, 0, [1], false, false)).toThrow(/nextObs has length 1/);
    expect(() => buffer.add([1, 2], 0.5, 0, [1, 2], false, false)).toThrow(/action/);
    buffer.add([1, 2], 1, 0, [1, 2], false, false);
    expect(() => buffer.sample(createBatch(2, 3), new Random(0))).toThrow(/obsSize/);
    expect(() => buffer.updatePriorities([0], [1])).toThrow(/not prioritized/);
  });
});

/** How many typed arrays `run` constructs (directly or through slice/subarray-like species construction). */
function countTypedArraysCreated(run: () => void): number {
  const g = globalThis as unknown as Record<string, unknown>;
  const names = ["Float64Array", "Float32Array", "Int32Array", "Uint8Array", "Uint32Array"];
  const originals = names.map((name) => g[name] as new (...args: unknown[]) => unknown);
  let count = 0;
  names.forEach((name, i) => {
    g[name] = new Proxy(originals[i], {
      construct(target, args, newTarget) {
        count++;
        return Reflect.construct(target, args, newTarget);
      },
    });
  });
  try {
    run();
  } finally {
    names.forEach((name, i) => (g[name] = originals[i]));
  }
  return count;
}

// ---------------------------------------------------------------------------------------------
// n-step returns
// ---------------------------------------------------------------------------------------------

type EpisodeEnd = "terminated" | "truncated" | "both" | "running";

interface RawStep {
  obs: number[];
  action: number;
  reward: number;
  nextObs: number[];
}

interface ExpectedTransition {
  obs: number[];
  action: number;
  reward: number;
  nextObs: number[];
  discount: number;
  terminated: boolean;
  truncated: boolean;
}

/** A random episode whose observations name (episode, t) in their first entry. */
function randomEpisode(rng: Random, episode: number, length: number, d: number): RawStep[] {
  const states = Array.from({ length: length + 1 }, (_, t) => [episode * 1000 + t, ...Array.from({ length: d - 1 }, () => rng.normal())]);
  return Array.from({ length }, (_, t) => ({
    obs: states[t],
    action: rng.nextInt(5),
    reward: rng.normal() * 3,
    nextObs: states[t + 1],
  }));
}

/** The n-step transitions of one episode, straight from the definition (a running episode yields only complete windows). */
function bruteForceNStep(steps: RawStep[], end: EpisodeEnd, n: number, gamma: number): ExpectedTransition[] {
  const length = steps.length;
  const out: ExpectedTransition[] = [];
  for (let t = 0; t < length; t++) {
    const m = Math.min(n, length - t);
    if (end === "running" && m < n) break;
    let reward = 0;
    for (let k = 0; k < m; k++) reward += Math.pow(gamma, k) * steps[t + k].reward;
    const reachesEnd = t + m === length && end !== "running";
    out.push({
      obs: steps[t].obs,
      action: steps[t].action,
      reward,
      nextObs: steps[t + m - 1].nextObs,
      discount: Math.pow(gamma, m),
      terminated: reachesEnd && (end === "terminated" || end === "both"),
      truncated: reachesEnd && (end === "truncated" || end === "both"),
    });
  }
  return out;
}

describe("n-step returns", () => {
  it("match a brute-force recomputation for random episodes ending in termination, truncation or still running", () => {
    for (const seed of SEEDS) {
      const rng = new Random(seed);
      const n = 1 + rng.nextInt(5);
      const gamma = 0.5 + 0.5 * rng.nextFloat();
      const d = 1 + rng.nextInt(3);
      const episodes = 1 + rng.nextInt(5);
      const ends: EpisodeEnd[] = ["terminated", "truncated", "both"];
      const expected: ExpectedTransition[] = [];
      const plan: { steps: RawStep[]; end: EpisodeEnd }[] = [];
      for (let e = 0; e < episodes; e++) {
        const end: EpisodeEnd = e === episodes - 1 && rng.nextFloat() < 0.4 ? "running" : ends[rng.nextInt(3)];
        const steps = randomEpisode(rng, e, 1 + rng.nextInt(12), d);
        plan.push({ steps, end });
        expected.push(...bruteForceNStep(steps, end, n, gamma));
      }
      const capacity = 1 + rng.nextInt(expected.length + 5);
      const buffer = new ReplayBuffer({ capacity, obsSize: d, gamma, nStep: n });
      for (const { steps, end } of plan) {
        steps.forEach((s, t) => {
          const last = t === steps.length - 1;
          buffer.add(s.obs, s.action, s.reward, s.nextObs, last && (end === "terminated" || end === "both"), last && (end === "truncated" || end === "both"));
        });
      }
      const final = plan[plan.length - 1];
      expect(buffer.pendingCount).toBe(final.end === "running" ? Math.min(final.steps.length, n - 1) : 0);
      // The ring keeps the last `capacity` transitions, the k-th emitted in slot k mod capacity.
      expect(buffer.size).toBe(Math.min(expected.length, capacity));
      for (let k = Math.max(0, expected.length - capacity); k < expected.length; k++) {
        const want = expected[k];
        const got = buffer.at(k % capacity);
        expect(Array.from(got.obs)).toEqual(want.obs);
        expect(got.action).toBe(want.action);
        expect(close(got.reward, want.reward)).toBe(true);
        expect(Array.from(got.nextObs)).toEqual(want.nextObs);
        expect(close(got.discount, want.discount, 1e-14)).toBe(true);
        expect(got.terminated).toBe(want.terminated);
        expect(got.truncated).toBe(want.truncated);
      }
      // Sampled rows carry the same values (done = terminated only).
      if (buffer.size > 0) {
        const batch = createBatch(8, d);
        buffer.sample(batch, rng);
        const byObs = new Map(expected.map((x) => [x.obs[0], x]));
        for (let row = 0; row < batch.size; row++) {
          const want = byObs.get(batch.obs[row * d])!;
          expect(close(batch.rewards[row], want.reward)).toBe(true);
          expect(close(batch.discounts[row], want.discount, 1e-14)).toBe(true);
          expect(batch.dones[row]).toBe(want.terminated ? 1 : 0);
          expect(batch.nextObs[row * d]).toBe(want.nextObs[0]);
        }
      }
    }
  });

  it("a 3-step example by hand: rewards 1, 2, 4, 8 with γ = 0.5, truncated after 4 steps", () => {
    const buffer = new ReplayBuffer({ capacity: 10, obsSize: 1, gamma: 0.5, nStep: 3 });
    [1, 2, 4, 8].forEach((r, t) => buffer.add([t], 0, r, [t + 1], false, t === 3));
    const rows = [0, 1, 2, 3].map((s) => buffer.at(s));
    expect(rows.map((x) => x.reward)).toEqual([1 + 1 + 1, 2 + 2 + 2, 4 + 4, 8]);
    expect(rows.map((x) => x.nextObs[0])).toEqual([3, 4, 4, 4]);
    expect(rows.map((x) => x.discount)).toEqual([0.125, 0.125, 0.25, 0.5]);
    expect(rows.map((x) => x.truncated)).toEqual([false, true, true, true]);
    expect(rows.map((x) => x.terminated)).toEqual([false, false, false, false]);
  });
});

// ---------------------------------------------------------------------------------------------
// Sum tree
// ---------------------------------------------------------------------------------------------

describe("SumTree", () => {
  it("root = sum of leaves and min = smallest set leaf after arbitrary updates", () => {
    for (const seed of SEEDS) {
      const rng = new Random(seed);
      const capacity = 1 + rng.nextInt(50);
      const tree = new SumTree(capacity);
      const model = new Map<number, number>();
      const fillFirst = rng.nextFloat() < 0.5;
      if (fillFirst) {
        for (let i = 0; i < capacity; i++) {
          tree.set(i, rng.nextFloat());
          model.set(i, tree.get(i));
        }
      }
      const updates = rng.nextInt(300);
      for (let u = 0; u < updates; u++) {
        const i = rng.nextInt(capacity);
        const scale = Math.pow(10, rng.nextInt(7) - 3);
        const p = rng.nextFloat() < 0.05 ? 0 : rng.nextFloat() * scale;
        tree.set(i, p);
        model.set(i, p);
      }
      const values = [...model.values()];
      const sum = values.reduce((a, b) => a + b, 0);
      expect(close(tree.total, sum)).toBe(true);
      expect(tree.min).toBe(values.length ? Math.min(...values) : Infinity);
      for (let i = 0; i < capacity; i++) expect(tree.get(i)).toBe(model.get(i) ?? 0);
      // With every leaf set (as in a replay buffer's filled prefix), rebuilding from the leaves
      // reproduces the incrementally maintained tree exactly.
      if (fillFirst) {
        const rebuilt = new SumTree(capacity);
        rebuilt.load(tree.leaves());
        expect(rebuilt.total).toBe(tree.total);
        expect(rebuilt.min).toBe(tree.min);
        for (let q = 0; q < 50; q++) {
          const u = rng.nextFloat() * tree.total;
          expect(rebuilt.find(u)).toBe(tree.find(u));
        }
      }
    }
  });

  it("find(u) is the leaf whose cumulative interval contains u, and never a zero-priority leaf", () => {
    for (const seed of SEEDS) {
      const rng = new Random(seed);
      const capacity = 1 + rng.nextInt(40);
      const tree = new SumTree(capacity);
      const p = Array.from({ length: capacity }, () => (rng.nextFloat() < 0.3 ? 0 : rng.nextFloat() * 5));
      p[rng.nextInt(capacity)] = 1 + rng.nextFloat(); // at least one positive
      p.forEach((v, i) => tree.set(i, v));
      const prefix = [0];
      for (const v of p) prefix.push(prefix[prefix.length - 1] + v);
      const total = prefix[capacity];
      for (let q = 0; q < 200; q++) {
        const u = rng.nextFloat() * tree.total;
        // Brute force: the first i with prefix[i] ≤ u < prefix[i + 1] and p[i] > 0.
        const i = p.findIndex((v, j) => v > 0 && prefix[j] <= u && u < prefix[j + 1]);
        const nearBoundary = prefix.some((b) => Math.abs(b - u) <= 1e-9 * total);
        if (!nearBoundary) expect(tree.find(u)).toBe(i);
        expect(p[tree.find(u)]).toBeGreaterThan(0);
      }
      const positive = p.map((v, i) => (v > 0 ? i : -1)).filter((i) => i >= 0);
      expect(tree.find(0)).toBe(positive[0]);
      expect(tree.find(tree.total)).toBe(positive[positive.length - 1]); // rounding overshoot lands on real mass
      expect(tree.find(tree.total * (1 + 1e-12))).toBe(positive[positive.length - 1]);
    }
  });

  it("rejects negative, infinite or NaN priorities and out-of-range indices", () => {
    const tree = new SumTree(4);
    expect(() => tree.set(0, -1)).toThrow(RangeError);
    expect(() => tree.set(0, NaN)).toThrow(RangeError);
    expect(() => tree.set(0, Infinity)).toThrow(RangeError);
    expect(() => tree.set(4, 1)).toThrow(RangeError);
  });
});

// ---------------------------------------------------------------------------------------------
// Prioritized replay
// ---------------------------------------------------------------------------------------------

/** The priorities prioritized replay should hold, kept by the definition: new = max so far, updated = (|δ| + ε)^α. */
class PriorityModel {
  p: number[] = [];
  max = 1;
  constructor(
    readonly capacity: number,
    readonly alpha: number,
    readonly epsilon: number,
  ) {}
  added(count: number): void {
    this.p[count % this.capacity] = this.max;
  }
  updated(slot: number, delta: number): void {
    this.p[slot] = Math.pow(Math.abs(delta) + this.epsilon, this.alpha);
    this.max = Math.max(this.max, this.p[slot]);
  }
}

function prioritizedFixture(seed: number, normalizeWeights: "buffer" | "batch") {
  const rng = new Random(seed);
  const capacity = 2 + rng.nextInt(20);
  const options: PrioritizedOptions = { alpha: rng.nextFloat(), beta0: 0.4, betaSteps: 1000, epsilon: 1e-3, normalizeWeights };
  const buffer = new ReplayBuffer({ capacity, obsSize: 1, gamma: 0.9, prioritized: options });
  const model = new PriorityModel(capacity, options.alpha, options.epsilon);
  const adds = 1 + rng.nextInt(3 * capacity);
  for (let k = 0; k < adds; k++) {
    buffer.add([k], 0, 0, [k + 1], false, false);
    model.added(k);
    if (rng.nextFloat() < 0.3) {
      const size = Math.min(k + 1, capacity);
      const slots = Array.from({ length: 1 + rng.nextInt(4) }, () => rng.nextInt(size));
      const deltas = slots.map(() => rng.normal() * Math.pow(10, rng.nextInt(4) - 1));
      buffer.updatePriorities(slots, deltas);
      slots.forEach((s, i) => model.updated(s, deltas[i]));
    }
  }
  return { rng, buffer, model, options, size: Math.min(adds, capacity) };
}

describe("prioritized replay", () => {
  it("stores p = (|δ| + ε)^α, gives new transitions the max priority so far", () => {
    for (const seed of SEEDS) {
      const { buffer, model, size } = prioritizedFixture(seed, "buffer");
      for (let s = 0; s < size; s++) expect(close(buffer.priorityAt(s), model.p[s], 1e-15)).toBe(true);
      expect(close(buffer.maxPriority, model.max, 1e-15)).toBe(true);
    }
  });

  it("importance weights are (N·P(i))^−β / max_j (N·P(j))^−β, ≤ 1, max over the buffer (default) or the batch", () => {
    for (const normalize of ["buffer", "batch"] as const) {
      for (const seed of SEEDS) {
        const { rng, buffer, model, size, options } = prioritizedFixture(seed, normalize);
        const step = rng.nextInt(1500);
        buffer.setProgress(step);
        const beta = Math.min(1, options.beta0 + (1 - options.beta0) * (step / options.betaSteps));
        const ps = model.p.slice(0, size);
        const total = ps.reduce((a, b) => a + b, 0);
        const w = (p: number) => Math.pow(size * (p / total), -beta);
        const batch = createBatch(1 + rng.nextInt(16), 1);
        buffer.sample(batch, rng);
        const rows = Array.from(batch.indices);
        const maxW = normalize === "buffer" ? Math.max(...ps.map(w)) : Math.max(...rows.map((s) => w(ps[s])));
        rows.forEach((slot, row) => {
          expect(close(batch.weights[row], w(ps[slot]) / maxW, 1e-10)).toBe(true);
          expect(batch.weights[row]).toBeLessThanOrEqual(1);
          expect(batch.obs[row] % buffer.capacity).toBe(slot); // the row really is that slot's transition
        });
        if (normalize === "batch") expect(Math.max(...batch.weights)).toBe(1);
        const minSlots = ps.map((p, s) => (p === Math.min(...ps) ? s : -1)).filter((s) => s >= 0);
        rows.forEach((slot, row) => {
          if (normalize === "buffer" && minSlots.includes(slot)) expect(batch.weights[row]).toBe(1);
        });
      }
    }
  });

  it("samples in proportion to priority (frequencies within 5σ over 200k draws)", () => {
    for (const seed of SEEDS.slice(0, 6)) {
      const rng = new Random(seed);
      const capacity = 12;
      const alpha = 0.7;
      const epsilon = 0.01;
      const buffer = new ReplayBuffer({ capacity, obsSize: 1, gamma: 0.99, prioritized: { alpha, beta0: 0.5, betaSteps: 10, epsilon } });
      for (let k = 0; k < capacity; k++) buffer.add([k], 0, 0, [k], false, false);
      const deltas = Array.from({ length: capacity }, () => rng.normal() * 2);
      buffer.updatePriorities(Array.from({ length: capacity }, (_, i) => i), deltas);
      const p = deltas.map((dl) => Math.pow(Math.abs(dl) + epsilon, alpha));
      const total = p.reduce((a, b) => a + b, 0);
      const counts = new Array(capacity).fill(0);
      const batch = createBatch(32, 1);
      const draws = 6250;
      for (let i = 0; i < draws; i++) {
        buffer.sample(batch, rng);
        for (let row = 0; row < batch.size; row++) counts[batch.indices[row]]++;
      }
      const n = draws * batch.size;
      counts.forEach((c, i) => {
        const q = p[i] / total;
        expect(Math.abs(c - n * q)).toBeLessThan(5 * Math.sqrt(n * q * (1 - q)) + 1);
      });
    }
  });

  it("anneals β linearly from beta0 (step 0) to 1 (betaSteps) and holds it at 1", () => {
    const buffer = new ReplayBuffer({ capacity: 4, obsSize: 1, gamma: 0.99, prioritized: { alpha: 0.6, beta0: 0.4, betaSteps: 1000, epsilon: 1e-6 } });
    expect(buffer.beta(0)).toBe(0.4);
    expect(buffer.beta(500)).toBeCloseTo(0.7, 15);
    expect(buffer.beta(1000)).toBe(1);
    expect(buffer.beta(5000)).toBe(1);
    expect(buffer.beta()).toBe(0.4);
    buffer.setProgress(250);
    expect(buffer.beta()).toBeCloseTo(0.55, 15);
    expect(annealedBeta(0.4, 0, 0)).toBe(1);
    expect(new ReplayBuffer({ capacity: 4, obsSize: 1, gamma: 0.99 }).beta(0)).toBe(1);
  });

  it("rejects non-finite TD errors, unfilled slots and mismatched lengths", () => {
    const buffer = new ReplayBuffer({ capacity: 4, obsSize: 1, gamma: 0.99, prioritized: { alpha: 0.6, beta0: 0.4, betaSteps: 10, epsilon: 1e-6 } });
    buffer.add([0], 0, 0, [1], false, false);
    expect(() => buffer.updatePriorities([0], [NaN])).toThrow(/not finite/);
    expect(() => buffer.updatePriorities([1], [1])).toThrow(/not a filled slot/);
    expect(() => buffer.updatePriorities([0, 0], [1])).toThrow(/2 indices but 1/);
  });
});

// ---------------------------------------------------------------------------------------------
// Snapshot and restore
// ---------------------------------------------------------------------------------------------

/** What a checkpoint does to a snapshot: meta through JSON text, arrays through raw bytes. */
function throughCheckpoint(s: ReplaySnapshot): ReplaySnapshot {
  const arrays: ReplaySnapshot["arrays"] = {};
  for (const [name, a] of Object.entries(s.arrays)) {
    const bytes = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    const Type = a.constructor as Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;
    arrays[name] = new Type(copy.buffer);
  }
  return { meta: JSON.parse(JSON.stringify(s.meta)), arrays };
}

function batchArrays(b: Batch): number[][] {
  return [b.obs, b.actions, b.rewards, b.nextObs, b.dones, b.discounts, b.weights, b.indices].map((a) => Array.from(a));
}

describe("snapshot / restore", () => {
  it("round-trips exactly: same snapshot, and identical future samples, priorities and n-step output given the same RNG state", () => {
    for (const seed of SEEDS) {
      const rng = new Random(seed);
      const prioritized = rng.nextFloat() < 0.5 ? null : { alpha: 0.6, beta0: 0.4, betaSteps: 500, epsilon: 1e-6 };
      const d = 1 + rng.nextInt(3);
      const options = { capacity: 1 + rng.nextInt(30), obsSize: d, gamma: 0.95, nStep: 1 + rng.nextInt(4), prioritized };
      const original = new ReplayBuffer(options);
      const drive = (buffer: ReplayBuffer, r: Random, steps: number, batch: Batch, log: number[][]) => {
        for (let i = 0; i < steps; i++) {
          const o = Array.from({ length: d }, () => r.normal());
          const next = Array.from({ length: d }, () => r.normal());
          const u = r.nextFloat();
          buffer.add(o, r.nextInt(3), r.normal(), next, u < 0.08, u > 0.92);
          if (buffer.size > 0 && r.nextFloat() < 0.5) {
            buffer.sample(batch, r);
            log.push(...batchArrays(batch));
            if (prioritized) {
              buffer.updatePriorities(batch.indices, batch.rewards);
              buffer.setProgress(i);
            }
          }
        }
      };
      drive(original, rng, rng.nextInt(80), createBatch(4, d), []);
      const saved = original.snapshot();
      const restored = ReplayBuffer.restore(throughCheckpoint(saved));
      expect(restored.snapshot()).toEqual(saved);
      expect([restored.size, restored.position, restored.pendingCount]).toEqual([original.size, original.position, original.pendingCount]);

      const rngA = new Random(0);
      rngA.setState(rng.getState());
      const rngB = new Random(0);
      rngB.setState(rng.getState());
      const logA: number[][] = [];
      const logB: number[][] = [];
      drive(original, rngA, 60, createBatch(5, d), logA);
      drive(restored, rngB, 60, createBatch(5, d), logB);
      expect(logB).toEqual(logA);
      expect(restored.snapshot()).toEqual(original.snapshot());
      // The snapshot taken earlier is a copy: later adds did not change it.
      expect(ReplayBuffer.restore(saved).snapshot()).toEqual(saved);
    }
  });

  it("restores a version-1 snapshot (one stream, pendingCount)", () => {
    const buffer = new ReplayBuffer({ capacity: 8, obsSize: 2, gamma: 0.9, nStep: 3 });
    for (let k = 0; k < 5; k++) buffer.add([k, k], 0, 1, [k + 1, k + 1], false, false);
    const current = throughCheckpoint(buffer.snapshot());
    const { pendingCounts, ...rest } = current.meta;
    const old = { meta: { ...rest, version: 1, pendingCount: pendingCounts[0] } as unknown as ReplaySnapshot["meta"], arrays: current.arrays };
    const restored = ReplayBuffer.restore(old);
    expect(restored.snapshot()).toEqual(buffer.snapshot());
  });

  it("keeps the n-step windows of parallel streams apart, and restores every stream", () => {
    // Two environments interleaved: each stream's 2-step transitions sum its own rewards only.
    const buffer = new ReplayBuffer({ capacity: 16, obsSize: 1, gamma: 0.5, nStep: 2, streams: 2 });
    for (let t = 0; t < 3; t++) {
      buffer.add([t], 0, 1, [t + 1], false, false, 0);
      buffer.add([100 + t], 1, 10, [101 + t], false, false, 1);
    }
    // Each stream emitted t = 0 and t = 1 (window of 2 complete); t = 2 waits in each queue.
    expect(buffer.size).toBe(4);
    expect(buffer.pendingCount).toBe(2);
    const rows = Array.from({ length: buffer.size }, (_, i) => buffer.at(i));
    expect(rows.map((r) => [r.obs[0], r.reward, r.nextObs[0], r.discount])).toEqual([
      [0, 1 + 0.5 * 1, 2, 0.25],
      [100, 10 + 0.5 * 10, 102, 0.25],
      [1, 1.5, 3, 0.25],
      [101, 15, 103, 0.25],
    ]);
    const restored = ReplayBuffer.restore(throughCheckpoint(buffer.snapshot()));
    expect(restored.streams).toBe(2);
    // Ending stream 1's episode flushes only stream 1's waiting step.
    for (const b of [buffer, restored]) b.add([103], 1, 10, [104], true, false, 1);
    expect(restored.snapshot()).toEqual(buffer.snapshot());
    expect(restored.pendingCount).toBe(1);
    expect(() => buffer.add([0], 0, 0, [0], false, false, 2)).toThrow(/stream 2/);
  });

  it("holds only the filled rows, as typed arrays", () => {
    const buffer = new ReplayBuffer({ capacity: 1000, obsSize: 4, gamma: 0.99, prioritized: { alpha: 0.6, beta0: 0.4, betaSteps: 10, epsilon: 1e-6 } });
    for (let k = 0; k < 3; k++) buffer.add([k, k, k, k], 1, 1, [k, k, k, k], false, false);
    const { arrays } = buffer.snapshot();
    expect(arrays.obs).toBeInstanceOf(Float64Array);
    expect(arrays.obs.length).toBe(12);
    expect(arrays.actions).toBeInstanceOf(Int32Array);
    expect(arrays.terminated).toBeInstanceOf(Uint8Array);
    expect(arrays.priorities.length).toBe(3);
  });

  it("names the damaged field of a corrupted snapshot", () => {
    const buffer = new ReplayBuffer({ capacity: 8, obsSize: 2, gamma: 0.9, nStep: 3, prioritized: { alpha: 0.6, beta0: 0.4, betaSteps: 10, epsilon: 1e-6 } });
    for (let k = 0; k < 12; k++) buffer.add([k, k], 0, 1, [k + 1, k + 1], k === 6, false);
    const good = buffer.snapshot();
    const damaged = (edit: (s: ReplaySnapshot) => void) => {
      const s = throughCheckpoint(good);
      edit(s);
      return () => ReplayBuffer.restore(s);
    };
    expect(damaged((s) => delete s.arrays.rewards)).toThrow(/array "rewards" is missing/);
    expect(damaged((s) => (s.arrays.obs = s.arrays.obs.slice(0, 5)))).toThrow(/array "obs" has 5 elements, expected 16/);
    expect(damaged((s) => (s.arrays.actions = new Float64Array(8)))).toThrow(/array "actions" should be a Int32Array/);
    expect(damaged((s) => (s.arrays.pendingObs = new Float64Array(0)))).toThrow(/pendingObs/);
    expect(damaged((s) => (s.arrays.priorities[2] = NaN))).toThrow(/priorities\[2\]/);
    expect(damaged((s) => (s.meta.version = 3 as 2))).toThrow(/meta.version/);
    expect(damaged((s) => (s.meta.size = 9))).toThrow(/meta.size/);
    expect(damaged((s) => (s.meta.pendingCounts = [3]))).toThrow(/pending step count of stream 0/);
    expect(damaged((s) => (s.meta.pendingCounts = []))).toThrow(/meta.pendingCounts/);
    expect(damaged((s) => ((s.meta as unknown as Record<string, unknown>).capacity = "8"))).toThrow(/meta.capacity/);
    expect(damaged((s) => (s.meta.prioritized!.epsilon = -1))).toThrow(/epsilon/);
    expect(damaged(() => {})).not.toThrow();
    expect(damaged((s) => delete s.arrays.rewards)).toThrow(ReplaySnapshotError);
  });
});
