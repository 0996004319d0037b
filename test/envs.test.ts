/**
 * gradc/rl environments against Gymnasium 1.3.0's own trajectories (test/fixtures/gymnasium-golden.json,
 * a copy of ../shared/data/gymnasium-golden.json) and against their documented rules.
 *
 * Golden trajectories are compared one step at a time from the recorded state — setState(previous
 * recorded state), step(action) — because V8's Math.sin/cos and libm differ by an ulp now and
 * then, and chaotic dynamics (Acrobot) would amplify that over a whole trajectory.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  Acrobot,
  CartPole,
  ENVIRONMENTS,
  GridWorld,
  MountainCar,
  makeEnvironment,
  type Environment,
} from "../runtime/rl/envs/index.js";

interface GoldenStep {
  action: number;
  state: number[];
  obs: number[];
  reward: number;
  terminated: boolean;
}
interface GoldenTrajectory {
  state0: number[];
  steps: GoldenStep[];
}
type Golden = Record<"CartPole-v1" | "MountainCar-v0" | "Acrobot-v1", GoldenTrajectory[]>;

const golden: Golden = JSON.parse(readFileSync(new URL("./fixtures/gymnasium-golden.json", import.meta.url), "utf8"));

/** The gap from |value| (a float32) to the next float32 up: one float32 ulp. */
function float32Ulp(value: number): number {
  const single = new Float32Array([Math.abs(value)]);
  const at = single[0];
  new Uint32Array(single.buffer)[0] += 1;
  return single[0] - at;
}

/** Every disagreement of one golden trajectory, as readable lines (empty when all agree). */
function compareTrajectory(env: Environment, trajectory: GoldenTrajectory): string[] {
  const problems: string[] = [];
  let previous = trajectory.state0;
  trajectory.steps.forEach((expected, t) => {
    env.setState(previous);
    const result = env.step(expected.action);
    const state = env.getState();
    const where = `step ${t} (action ${expected.action})`;
    expected.state.forEach((b, i) => {
      if (!(Math.abs(state[i] - b) <= 1e-12 * Math.max(1, Math.abs(b)))) problems.push(`${where}: state[${i}] ${state[i]} vs Gymnasium ${b}`);
    });
    expect(result.obs.length).toBe(expected.obs.length);
    expected.obs.forEach((b, i) => {
      const a = result.obs[i];
      if (Math.fround(a) !== a) problems.push(`${where}: obs[${i}] ${a} is not a float32 value`);
      if (!(Math.abs(a - b) <= float32Ulp(b))) problems.push(`${where}: obs[${i}] ${a} vs Gymnasium ${b}`);
    });
    if (result.reward !== expected.reward) problems.push(`${where}: reward ${result.reward} vs Gymnasium ${expected.reward}`);
    if (result.terminated !== expected.terminated) problems.push(`${where}: terminated ${result.terminated} vs Gymnasium ${expected.terminated}`);
    // The golden trajectories are far shorter than any time limit.
    if (result.truncated) problems.push(`${where}: truncated`);
    previous = expected.state;
  });
  return problems;
}

const physics = [
  { name: "CartPole-v1", make: () => new CartPole() },
  { name: "MountainCar-v0", make: () => new MountainCar() },
  { name: "Acrobot-v1", make: () => new Acrobot() },
] as const;

describe.each(physics)("$name matches Gymnasium 1.3.0 step by step", ({ name, make }) => {
  const trajectories = golden[name];

  it("has golden trajectories to compare", () => {
    expect(trajectories.length).toBeGreaterThan(0);
  });

  it.each(trajectories.map((trajectory, index) => ({ index, trajectory })))("trajectory $index", ({ trajectory }) => {
    expect(compareTrajectory(make(), trajectory)).toEqual([]);
  });
});

/** Step a fresh seeded episode with `policy` until it ends; the results in order. */
function runEpisode(env: Environment, seed: number, policy: (obs: Float64Array) => number) {
  let obs = env.reset(seed);
  const results = [];
  for (;;) {
    const result = env.step(policy(obs));
    results.push(result);
    obs = result.obs;
    if (result.terminated || result.truncated) return results;
    if (results.length > env.maxEpisodeSteps) throw new Error("the episode outlived its time limit");
  }
}

describe("time limits", () => {
  // Policies that cannot end the task early: a balancing controller (lean right → push right,
  // with cart terms that keep the cart near the centre), no push on MountainCar (the car only
  // rocks in the valley), no torque on Acrobot (it starts at rest hanging down), walking into
  // GridWorld's left wall.
  const balance = ([x, xDot, theta, thetaDot]: Float64Array) => (theta + 0.5 * thetaDot + 0.01 * x + 0.1 * xDot > 0 ? 1 : 0);
  const cases = [
    { make: () => new CartPole(), limit: 500, policy: balance },
    { make: () => new MountainCar(), limit: 200, policy: () => 1 },
    { make: () => new Acrobot(), limit: 500, policy: () => 1 },
    { make: () => new GridWorld(), limit: 50, policy: () => 3 },
  ];

  it.each(cases)("$limit steps, then truncated (never terminated)", ({ make, limit, policy }) => {
    const env = make();
    expect(env.maxEpisodeSteps).toBe(limit);
    for (const seed of [0, 1, 2]) {
      const results = runEpisode(env, seed, policy);
      expect(results.length).toBe(limit);
      expect(results.slice(0, -1).every((r) => !r.truncated && !r.terminated)).toBe(true);
      expect(results[limit - 1]).toMatchObject({ truncated: true, terminated: false });
    }
  });

  it("restarts the count on reset() and keeps it through setState()", () => {
    const env = new MountainCar();
    env.reset(5);
    const start = env.getState();
    for (let i = 0; i < 150; i++) env.step(1);
    env.setState(start);
    for (let i = 0; i < 49; i++) expect(env.step(1).truncated).toBe(false);
    expect(env.step(1).truncated).toBe(true);
    env.reset(5);
    expect(env.step(1).truncated).toBe(false);
  });

  it("reports both flags when the task ends on the limit step, as Gymnasium's TimeLimit", () => {
    const env = new GridWorld();
    env.reset();
    for (let i = 0; i < 49; i++) env.step(3);
    env.setState([4, 3]);
    expect(env.step(0)).toMatchObject({ reward: 1, terminated: true, truncated: true });
  });
});

describe("seeded resets", () => {
  const all = [() => new CartPole(), () => new MountainCar(), () => new Acrobot(), () => new GridWorld()];

  it.each(all.map((make) => ({ name: make().name, make })))("$name: the same seed gives the same start", ({ make }) => {
    const a = make();
    const b = make();
    const first = a.reset(42);
    expect(a.reset(42)).toEqual(first);
    expect(b.reset(42)).toEqual(first);
    expect(b.getState()).toEqual(a.getState());
    // reset() without a seed continues the seeded stream, reproducibly.
    expect(a.reset()).toEqual(b.reset());
    expect(a.getState()).toEqual(b.getState());
  });

  it.each(physics)("$name: different seeds give different starts", ({ make }) => {
    const env = make();
    const starts = new Set([0, 1, 2, 3, 42, 2 ** 32, 2 ** 40].map((seed) => env.reset(seed).join()));
    expect(starts.size).toBe(7);
    // An unseeded reset after a seeded one draws the next start, not the same one.
    const seeded = env.reset(9).join();
    expect(env.reset().join()).not.toBe(seeded);
  });

  it.each(all.map((make) => ({ name: make().name, make })))("$name: rejects seeds Gymnasium rejects", ({ make }) => {
    const env = make();
    expect(() => env.reset(-1)).toThrow(RangeError);
    expect(() => env.reset(1.5)).toThrow(RangeError);
  });
});

describe("reset distributions", () => {
  const samples = 2000;

  function starts(env: Environment): Float64Array[] {
    return Array.from({ length: samples }, (_, seed) => {
      const obs = env.reset(seed);
      // The first observation is the state as observed, like every later one.
      return Float64Array.of(...env.getState(), ...obs);
    });
  }

  /** Values of one component: within [low, high), spread over the interval, centred. */
  function expectUniform(values: number[], low: number, high: number) {
    const width = high - low;
    expect(Math.min(...values)).toBeGreaterThanOrEqual(low);
    expect(Math.max(...values)).toBeLessThanOrEqual(high);
    expect(Math.min(...values)).toBeLessThan(low + 0.01 * width);
    expect(Math.max(...values)).toBeGreaterThan(high - 0.01 * width);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    // The mean of 2000 uniforms has standard deviation width / sqrt(12 · 2000) ≈ 0.0065 · width.
    expect(Math.abs(mean - (low + high) / 2)).toBeLessThan(0.03 * width);
  }

  it("CartPole: each state component uniform in (−0.05, 0.05); observation = float32(state)", () => {
    const rows = starts(new CartPole());
    for (let i = 0; i < 4; i++) expectUniform(rows.map((r) => r[i]), -0.05, 0.05);
    for (const r of rows) for (let i = 0; i < 4; i++) expect(r[4 + i]).toBe(Math.fround(r[i]));
  });

  it("MountainCar: position uniform in (−0.6, −0.4), velocity 0; observation = float32(state)", () => {
    const rows = starts(new MountainCar());
    expectUniform(rows.map((r) => r[0]), -0.6, -0.4);
    for (const r of rows) {
      expect(r[1]).toBe(0);
      expect([r[2], r[3]]).toEqual([Math.fround(r[0]), 0]);
    }
  });

  it("Acrobot: each state component uniform in (−0.1, 0.1) stored as float32, as Gymnasium's reset", () => {
    const rows = starts(new Acrobot());
    const bound = Math.fround(0.1);
    for (let i = 0; i < 4; i++) expectUniform(rows.map((r) => r[i]), -bound, bound);
    for (const r of rows) {
      for (let i = 0; i < 4; i++) expect(Math.fround(r[i])).toBe(r[i]);
      const [t1, t2, w1, w2] = r;
      const obs = Array.from(r.subarray(4));
      expect(obs).toEqual([Math.cos(t1), Math.sin(t1), Math.cos(t2), Math.sin(t2), w1, w2].map(Math.fround));
    }
  });

  it("GridWorld: always the start cell", () => {
    const env = new GridWorld();
    for (const seed of [0, 1, 99]) {
      expect(Array.from(env.reset(seed))).toEqual([0, 0]);
      expect(Array.from(env.getState())).toEqual([0, 0]);
    }
  });
});

describe("rules the golden trajectories do not reach", () => {
  it("CartPole terminates when the cart leaves ±2.4, and pays 0 for stepping on after termination", () => {
    const env = new CartPole();
    env.reset(0);
    env.setState([2.4, 1, 0, 0]); // x becomes 2.4 + 0.02 · 1 > 2.4
    expect(env.step(1)).toMatchObject({ reward: 1, terminated: true });
    expect(env.step(1)).toMatchObject({ reward: 0, terminated: true });
    // setState starts afresh (documented choice): the first terminal step pays 1 again.
    env.setState([-2.4, -1, 0, 0]);
    expect(env.step(0)).toMatchObject({ reward: 1, terminated: true });
  });

  it("MountainCar stops dead at the left wall and ends at the flag", () => {
    const env = new MountainCar();
    env.reset(0);
    env.setState([-1.19, -0.07]);
    const wall = env.step(0);
    expect(Array.from(env.getState())).toEqual([-1.2, 0]);
    expect(wall).toMatchObject({ reward: -1, terminated: false });
    env.setState([0.49, 0.07]); // moves right by the clipped speed 0.07 or nearly
    expect(env.step(2)).toMatchObject({ reward: -1, terminated: true });
    expect(env.getState()[0]).toBeGreaterThanOrEqual(0.5);
  });

  it("Acrobot terminates with reward 0 when the tip is above the bar", () => {
    const env = new Acrobot();
    env.reset(0);
    env.setState([Math.PI, 0, 0, 0]); // balanced upside down: −cos θ1 − cos(θ1 + θ2) ≈ 2
    expect(env.step(1)).toMatchObject({ reward: 0, terminated: true });
  });

  it("Acrobot wraps angles into [−π, π] and bounds velocities by 4π and 9π", () => {
    const env = new Acrobot();
    env.reset(0);
    for (const start of [
      [3.1, -3.1, 4 * Math.PI, 9 * Math.PI],
      [-3.1, 3.1, -4 * Math.PI, -9 * Math.PI],
    ]) {
      for (const action of [0, 2]) {
        env.setState(start);
        env.step(action);
        const [t1, t2, w1, w2] = env.getState();
        expect(Math.abs(t1)).toBeLessThanOrEqual(Math.PI);
        expect(Math.abs(t2)).toBeLessThanOrEqual(Math.PI);
        expect(Math.abs(w1)).toBeLessThanOrEqual(4 * Math.PI);
        expect(Math.abs(w2)).toBeLessThanOrEqual(9 * Math.PI);
      }
    }
  });
});

describe("GridWorld layout (5×5, start (0,0), bonus 0.5 at (2,2) and goal 1 at (4,4), both terminal)", () => {
  const UP = 0;
  const RIGHT = 1;
  const DOWN = 2;
  const LEFT = 3;

  it("keeps the agent in place at the border walls", () => {
    const env = new GridWorld();
    env.reset();
    for (const action of [DOWN, LEFT]) {
      expect(env.step(action)).toMatchObject({ reward: 0, terminated: false, truncated: false });
      expect(Array.from(env.getState())).toEqual([0, 0]);
    }
    env.setState([4, 1]);
    expect(Array.from(env.step(RIGHT).obs)).toEqual([1, 0.25]);
    env.setState([1, 4]);
    expect(Array.from(env.step(UP).obs)).toEqual([0.25, 1]);
  });

  it("moves one cell per action and observes the normalised position", () => {
    const env = new GridWorld();
    env.reset();
    expect(Array.from(env.step(UP).obs)).toEqual([0, 0.25]);
    expect(Array.from(env.step(RIGHT).obs)).toEqual([0.25, 0.25]);
    expect(Array.from(env.step(DOWN).obs)).toEqual([0.25, 0]);
    expect(Array.from(env.step(LEFT).obs)).toEqual([0, 0]);
  });

  it("pays 0.5 for the bonus cell and ends the episode there", () => {
    const env = new GridWorld();
    env.reset();
    const results = [RIGHT, RIGHT, UP, UP].map((a) => env.step(a));
    expect(results.map((r) => r.reward)).toEqual([0, 0, 0, 0.5]);
    expect(results.map((r) => r.terminated)).toEqual([false, false, false, true]);
    expect(Array.from(env.getState())).toEqual([2, 2]);
    env.reset();
    expect([UP, UP, RIGHT, RIGHT].map((a) => env.step(a).reward)).toEqual([0, 0, 0, 0.5]);
  });

  it("ends the episode with reward 1 at the goal", () => {
    const env = new GridWorld();
    env.reset();
    // Along the edges, around the bonus cell.
    const results = [UP, UP, UP, UP, RIGHT, RIGHT, RIGHT, RIGHT].map((a) => env.step(a));
    expect(results.slice(0, -1).every((r) => r.reward === 0 && !r.terminated)).toBe(true);
    expect(results[7]).toMatchObject({ reward: 1, terminated: true, truncated: false });
    expect(Array.from(results[7].obs)).toEqual([1, 1]);
  });

  it("rejects states that are not cells", () => {
    const env = new GridWorld();
    expect(() => env.setState([5, 0])).toThrow(RangeError);
    expect(() => env.setState([1.5, 0])).toThrow(RangeError);
    expect(() => env.setState([0, -1])).toThrow(RangeError);
    expect(() => env.setState([0, 0, 0])).toThrow(RangeError);
  });
});

describe("argument checks", () => {
  it.each(Object.values(ENVIRONMENTS).slice(0, 4).map((make) => ({ name: make().name, make })))(
    "$name: invalid actions and stepping before reset throw",
    ({ make }) => {
      const env = make();
      expect(() => env.step(0)).toThrow(/reset/);
      env.reset(0);
      for (const action of [-1, env.actionCount, 0.5, Number.NaN]) expect(() => env.step(action)).toThrow(RangeError);
      expect(() => env.setState(new Array(env.getState().length + 1).fill(0))).toThrow(RangeError);
      expect(() => env.setState(Array.from(env.getState(), () => Number.NaN))).toThrow(RangeError);
      for (let action = 0; action < env.actionCount; action++) expect(() => env.step(action)).not.toThrow();
    },
  );
});

describe("registry", () => {
  const expected = [
    ["CartPole-v1", CartPole, 4, 2, 500],
    ["MountainCar-v0", MountainCar, 2, 3, 200],
    ["Acrobot-v1", Acrobot, 6, 3, 500],
    ["GridWorld", GridWorld, 2, 4, 50],
  ] as const;

  it.each(expected)("%s by its id and its short alias", (id, kind, observationSize, actionCount, maxEpisodeSteps) => {
    for (const name of [id, id.replace(/-v\d+$/, "")]) {
      const env = makeEnvironment(name);
      expect(env).toBeInstanceOf(kind);
      expect(env).toMatchObject({ name: id, observationSize, actionCount, maxEpisodeSteps });
      expect(env.reset(0).length).toBe(observationSize);
    }
    expect(makeEnvironment(id)).not.toBe(makeEnvironment(id));
  });

  it("lists exactly the ids and aliases", () => {
    expect(Object.keys(ENVIRONMENTS).sort()).toEqual(
      ["Acrobot", "Acrobot-v1", "CartPole", "CartPole-v1", "GridWorld", "LectureGrid", "MountainCar", "MountainCar-v0"].sort(),
    );
  });

  it("names the known environments when the name is unknown", () => {
    expect(() => makeEnvironment("Pong-v5")).toThrow(/Unknown environment "Pong-v5".*CartPole-v1.*MountainCar-v0.*Acrobot-v1.*GridWorld/);
    expect(() => makeEnvironment("toString")).toThrow(/Unknown environment/);
    expect(() => makeEnvironment("cartpole-v1")).toThrow(/Unknown environment/);
  });
});
