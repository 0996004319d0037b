/**
 * The lecture's replay-buffer grid: x ∈ {0, ⅓, ⅔, 1}, y ∈ {0, 0.2, …, 1}, one-hot actions,
 * 0.5 for entering (⅓, 0.4) (the episode goes on) and 1 for entering (⅔, 0.8). The lecture's
 * table of buffer rows is typed here by hand, as the lecture prints it (⅓ as 0.33, ⅔ as 0.66).
 */
import { describe, expect, it } from "vitest";
import { LectureGrid, ReplayBuffer, defaultConfig, makeEnvironment } from "../runtime/rl/index.js";

/** The lecture's one-hot actions: up moves +0.2 in y, right moves +⅓ in x. */
const UP = [1, 0, 0, 0];
const RIGHT = [0, 1, 0, 0];

/** The lecture prints coordinates cut to two decimals: 1/3 → 0.33, 2/3 → 0.66. */
const printed = (v: ArrayLike<number>) => Array.from(v, (x) => Math.trunc(x * 100 + 1e-9) / 100);

describe("LectureGrid: the lecture's replay-buffer example", () => {
  it("replays the lecture's actions from (0, 0) and finds its six rows (s, a, r, s′) in the buffer, in order", () => {
    const env = new LectureGrid();
    const buffer = new ReplayBuffer({ capacity: 100, obsSize: 2, gamma: 0.99, nStep: 1 });
    let obs = env.reset();
    for (const action of [UP, UP, RIGHT, UP, UP, RIGHT]) {
      const { obs: next, reward, terminated, truncated } = env.stepOneHot(action);
      buffer.add(obs, LectureGrid.actionOf(action), reward, next, terminated, truncated);
      obs = next;
    }
    const lecture = [
      { s: [0, 0], a: UP, r: 0, next: [0, 0.2] },
      { s: [0, 0.2], a: UP, r: 0, next: [0, 0.4] },
      { s: [0, 0.4], a: RIGHT, r: 0.5, next: [0.33, 0.4] },
      { s: [0.33, 0.4], a: UP, r: 0, next: [0.33, 0.6] },
      { s: [0.33, 0.6], a: UP, r: 0, next: [0.33, 0.8] },
      { s: [0.33, 0.8], a: RIGHT, r: 1, next: [0.66, 0.8] },
    ];
    expect(buffer.size).toBe(6);
    const rows = lecture.map((_, slot) => buffer.at(slot));
    expect(rows.map((t) => ({ s: printed(t.obs), a: Array.from(LectureGrid.oneHot(t.action)), r: t.reward, next: printed(t.nextObs) }))).toEqual(lecture);
    // The bonus does not end the episode; the goal does.
    expect(rows.map((t) => t.terminated)).toEqual([false, false, false, false, false, true]);
    // Underneath the printed 0.33 and 0.66 are exactly 1/3 and 2/3.
    expect(Array.from(rows[5].nextObs)).toEqual([2 / 3, 0.8]);
  });

  it("moves by ±⅓ in x and ±0.2 in y, keeps the agent in place at the border", () => {
    const env = new LectureGrid();
    env.reset();
    expect(Array.from(env.step(2).obs)).toEqual([0, 0]); // down from y = 0: wall
    expect(Array.from(env.step(3).obs)).toEqual([0, 0]); // left from x = 0: wall
    env.setState([3, 5]);
    expect(Array.from(env.step(0).obs)).toEqual([1, 1]); // up from y = 1: wall
    expect(Array.from(env.step(1).obs)).toEqual([1, 1]); // right from x = 1: wall
    expect(Array.from(env.step(3).obs)).toEqual([2 / 3, 1]);
    expect(Array.from(env.step(2).obs)).toEqual([2 / 3, 0.8]);
  });

  it("pays 0.5 on every entry of (⅓, 0.4) and goes on; 1 at (⅔, 0.8) ends the episode", () => {
    const env = new LectureGrid();
    env.reset();
    env.setState([1, 1]);
    expect(env.step(0)).toMatchObject({ reward: 0.5, terminated: false }); // enter (⅓, 0.4)
    expect(env.step(0)).toMatchObject({ reward: 0, terminated: false }); // leave
    expect(env.step(2)).toMatchObject({ reward: 0.5, terminated: false }); // enter again
    env.setState([2, 3]);
    expect(env.step(0)).toMatchObject({ reward: 1, terminated: true });
  });

  it("truncates at 50 steps", () => {
    const env = new LectureGrid();
    env.reset();
    for (let i = 1; i < 50; i++) expect(env.step(3).truncated).toBe(false);
    expect(env.step(3)).toMatchObject({ truncated: true, terminated: false });
  });

  it("takes actions as indices or one-hot vectors and rejects anything else", () => {
    expect(Array.from(LectureGrid.oneHot(1))).toEqual([0, 1, 0, 0]);
    expect(LectureGrid.actionOf([0, 0, 1, 0])).toBe(2);
    for (const bad of [[1, 1, 0, 0], [0, 0, 0, 0], [0.5, 0.5, 0, 0], [1, 0, 0]]) {
      expect(() => LectureGrid.actionOf(bad)).toThrow(/one 1 and three 0s/);
    }
    expect(() => LectureGrid.oneHot(4)).toThrow(/invalid action 4/);
    expect(() => new LectureGrid().setState([1, 6])).toThrow(/column 0\.\.3, row 0\.\.5/);
  });

  it("is registered by name with a config whose stated best return (12.5 in 50 steps) is the true optimum", () => {
    expect(makeEnvironment("LectureGrid")).toBeInstanceOf(LectureGrid);
    const config = defaultConfig("LectureGrid");
    expect(config.reward_threshold).toBeLessThan(12.5);
    // Finite-horizon dynamic programming over (cell, steps left), stepping the environment itself.
    const env = new LectureGrid();
    const cells: [number, number][] = [];
    for (let c = 0; c < 4; c++) for (let r = 0; r < 6; r++) cells.push([c, r]);
    const key = (c: number, r: number) => c * 6 + r;
    let best = new Float64Array(24); // 0 steps left: nothing more to earn
    for (let left = 1; left <= 50; left++) {
      const next = new Float64Array(24);
      for (const [c, r] of cells) {
        let value = -Infinity;
        for (let a = 0; a < 4; a++) {
          env.reset();
          env.setState([c, r]);
          const { reward, terminated } = env.step(a);
          const [c2, r2] = env.getState();
          value = Math.max(value, reward + (terminated ? 0 : best[key(c2, r2)]));
        }
        next[key(c, r)] = value;
      }
      best = next;
    }
    expect(best[key(0, 0)]).toBe(12.5);
  });
});
