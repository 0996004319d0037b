/**
 * Seed sweeps (`gradc train ENV --seeds …`): seed lists, the statistics across seeds (checked
 * against hand-worked examples, numpy/scipy values and known properties), censoring of unsolved
 * runs, the learning-curve mean, and one sweep end to end with real `gradc train` processes.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { runSeedSweep } from "../cli/train-sweep.js";
import { type Aggregate, aggregateSeeds, type SeedRecord } from "../runtime/rl/node/sweep/aggregate.js";
import { aggregateMarkdown } from "../runtime/rl/node/sweep/aggregate-markdown.js";
import { meanBand, movingAverage } from "../runtime/rl/node/sweep/curves.js";
import type { SeedSummary } from "../runtime/rl/node/sweep/seed-folder.js";
import { formatSeedList, parseSeedList, sweepFolderName } from "../runtime/rl/node/sweep/seed-list.js";
import { bootstrapInterval, interquartileMean, median, quantileOfSorted } from "../runtime/rl/node/sweep/statistics.js";

const BOOT = { resamples: 2000, confidence: 0.95, seed: 0 };
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe("seed lists", () => {
  it("reads ranges, lists and both, sorted", () => {
    expect(parseSeedList("0-9")).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(parseSeedList("3,5,7")).toEqual([3, 5, 7]);
    expect(parseSeedList("0-4,10")).toEqual([0, 1, 2, 3, 4, 10]);
    expect(parseSeedList(" 7, 2-3 ")).toEqual([2, 3, 7]);
    expect(parseSeedList("5")).toEqual([5]);
  });

  it("rejects malformed lists with an error naming the flag", () => {
    for (const [text, message] of [
      ["", "no seeds"],
      ["a", "'a'"],
      ["-1", "'-1'"],
      ["1.5", "'1.5'"],
      ["1,,2", "''"],
      ["5-3", "runs backwards"],
      ["1,1", "seed 1 is listed twice"],
      ["0-3,2", "seed 2 is listed twice"],
      ["0-20000", "more than 10000"],
      ["99999999999999999999", "too large"],
    ]) {
      expect(() => parseSeedList(text)).toThrow(`--seeds: `);
      expect(() => parseSeedList(text)).toThrow(message);
    }
  });

  it("writes the shortest list that reads back the same", () => {
    expect(formatSeedList([0, 1, 2, 3, 5, 7, 8])).toBe("0-3,5,7-8");
    for (const text of ["0-9", "3,5,7", "0-4,10", "1", "2-3,9-12,40"]) expect(parseSeedList(formatSeedList(parseSeedList(text)))).toEqual(parseSeedList(text));
    expect(sweepFolderName("CartPole-v1", [0, 1, 2])).toBe("CartPole-v1-seeds0-2");
    expect(sweepFolderName("GridWorld", [4])).toBe("GridWorld-seeds4");
  });
});

describe("statistics across seeds", () => {
  it("median: the middle value, or the mean of the two middle ones", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([3, 1, 4, 1, 5, 9, 2, 6])).toBe(3.5); // numpy.median
    expect(median([7])).toBe(7);
    expect(() => median([])).toThrow(RangeError);
  });

  it("IQM drops ⌊n/4⌋ whole values at each end, as scipy.stats.trim_mean(x, 0.25) (hand-worked)", () => {
    // n = 9: drop 2 at each end, average 5, 7, 9, 11, 13.
    expect(interquartileMean([1, 3, 5, 7, 9, 11, 13, 15, 17])).toBe(9);
    expect(interquartileMean([17, 1, 3, 5, 7, 9, 11, 13, 100])).toBe(9);
    // n = 5: drop 1 at each end.
    expect(interquartileMean([1, 2, 3, 4, 50])).toBe(3);
    // n = 3: nothing dropped.
    expect(interquartileMean([1, 2, 10])).toBeCloseTo(13 / 3, 12);
    // n = 10 (squares 1…100): (9 + 16 + 25 + 36 + 49 + 64) / 6 = 199/6, scipy's 33.1666….
    expect(interquartileMean(Array.from({ length: 10 }, (_, i) => (i + 1) ** 2))).toBeCloseTo(199 / 6, 12);
    expect(interquartileMean([1, 2])).toBe(1.5);
    expect(interquartileMean([4])).toBe(4);
  });

  it("IQM equals scipy.stats.trim_mean(x, 0.25) when n is a multiple of 4", () => {
    // Values from scipy 1.17: trim_mean([3,1,4,1,5,9,2,6], 0.25) = 3.5, and 7.5 for the 12 below.
    expect(interquartileMean([3, 1, 4, 1, 5, 9, 2, 6])).toBe(3.5);
    expect(interquartileMean([12.5, 3, 7, 7, 100, -4, 0.25, 9, 15, 2, 8, 11])).toBe(7.5);
  });

  it("IQM ignores the outer quarters, shifts and scales with the data, and lies between the quartiles", () => {
    const x = [0.3, 8, 2.5, 4, 4, 9.75, 1, 6, 3.5, 7, 2];
    const iqm = interquartileMean(x);
    // n = 11: each quarter holds 2.75 values, so the smallest and largest two do not count at all.
    expect(interquartileMean(x.map((v) => (v === 0.3 ? -1e9 : v === 9.75 ? 1e9 : v)))).toBeCloseTo(iqm, 9);
    expect(interquartileMean(x.map((v) => 3 * v - 2))).toBeCloseTo(3 * iqm - 2, 12);
    const sorted = [...x].sort((a, b) => a - b);
    expect(iqm).toBeGreaterThanOrEqual(quantileOfSorted(sorted, 0.25));
    expect(iqm).toBeLessThanOrEqual(quantileOfSorted(sorted, 0.75));
    // A value outside the middle half may be infinite without making the IQM so.
    expect(interquartileMean([1, 2, 3, 4, Infinity])).toBeCloseTo(3, 12);
    expect(interquartileMean([1, 2, 3, Infinity])).toBe(2.5);
    expect(interquartileMean([1, 2, Infinity])).toBe(Infinity);
  });

  it("quantiles interpolate linearly between order statistics (numpy's default)", () => {
    // numpy.percentile([1,3,5,7,9], [2.5, 97.5, 50, 10, 90]) = [1.2, 8.8, 5, 1.8, 8.2].
    const s = [1, 3, 5, 7, 9];
    expect([0.025, 0.975, 0.5, 0.1, 0.9].map((q) => quantileOfSorted(s, q))).toEqual([1.2, 8.8, 5, 1.8, 8.2].map((v) => expect.closeTo(v, 12)));
    expect(quantileOfSorted([1, Infinity, Infinity], 0.9)).toBe(Infinity);
  });

  it("bootstrap interval: deterministic, seeded, and exact where the resampling distribution is known", () => {
    const x = [0.5, 2, 3.25, 7, 11, 4];
    expect(bootstrapInterval(x, median, BOOT)).toEqual(bootstrapInterval(x, median, BOOT));
    expect(bootstrapInterval(x, mean, { ...BOOT, seed: 1 })).not.toEqual(bootstrapInterval(x, mean, BOOT));
    // Constant data: no spread. One value: nothing to resample.
    expect(bootstrapInterval([2, 2, 2], interquartileMean, BOOT)).toEqual([2, 2]);
    expect(bootstrapInterval([5], mean, BOOT)).toEqual([5, 5]);
    // Two values: a resample's mean is 0, ½ or 1 with probabilities ¼, ½, ¼, so both 2.5% tails sit at the ends.
    expect(bootstrapInterval([0, 1], mean, BOOT)).toEqual([0, 1]);
  });

  it("bootstrap interval of a mean matches the normal approximation mean ± 1.96·σ/√n", () => {
    // 1…40: mean 20.5, plug-in σ = √((40² − 1)/12) = 11.54, so 20.5 ± 3.58.
    const x = Array.from({ length: 40 }, (_, i) => i + 1);
    const [low, high] = bootstrapInterval(x, mean, BOOT);
    const halfWidth = (1.96 * Math.sqrt((40 * 40 - 1) / 12)) / Math.sqrt(40);
    expect(Math.abs(low - (20.5 - halfWidth))).toBeLessThan(0.4);
    expect(Math.abs(high - (20.5 + halfWidth))).toBeLessThan(0.4);
  });
});

function summary(seed: number, solvedAtStep: number | null, finalMean: number, budget = 1000): SeedSummary {
  return {
    env: "GridWorld",
    seed,
    solved: solvedAtStep !== null,
    solvedAtStep,
    finalEval: { mean: finalMean, std: 0.1, episodes: 20 },
    stepsPerSecond: 1000,
    totalSteps: solvedAtStep ?? budget,
    wallSeconds: 1,
    diverged: false,
    config: { total_timesteps: budget, reward_threshold: 0.95, solve_window: 50, stop_on_solve: true },
  };
}

const done = (s: SeedSummary): SeedRecord => ({ seed: s.seed, status: "done", exitCode: 0, summary: s, stderrTail: null });
const aggregate = (records: SeedRecord[]): Aggregate => aggregateSeeds("GridWorld", records, { reward_threshold: 0.95, solve_window: 50 });

describe("aggregate: runs that never solved are censored at their step budget", () => {
  it("a statistic that does not reach the censored runs is exact", () => {
    // Steps to solve 100, 200, 300, 400 and one run unsolved at 1000: the median and the IQM
    // (the middle three: 200, 300, 400) never look at it.
    const a = aggregate([done(summary(0, 200, 1)), done(summary(1, 100, 0.5)), done(summary(2, null, 0.5)), done(summary(3, 400, 1)), done(summary(4, 300, 1))]);
    expect(a.stepsToSolve!.median.point).toEqual({ value: 300, atLeast: false });
    expect(a.stepsToSolve!.iqm.point).toEqual({ value: 300, atLeast: false });
    // Resamples holding the unsolved run two or three times reach the upper end of the interval.
    expect(a.stepsToSolve!.median.high.atLeast).toBe(true);
    expect(a.stepsToSolve!.median.low.atLeast).toBe(false);
    expect(a.runs.map((r) => r.stepsToSolve)).toEqual([200, 100, 1000, 400, 300].map((value) => ({ value, atLeast: value === 1000 })));
    expect([a.finished, a.solved, a.solveRate]).toEqual([5, 4, 0.8]);
  });

  it("a statistic that depends on a censored run is a lower bound (≥)", () => {
    const a = aggregate([done(summary(0, 100, 1)), done(summary(1, 200, 1)), done(summary(2, null, 0.5)), done(summary(3, null, 0.5))]);
    // Sorted 100, 200, ≥1000, ≥1000: the middle two are 200 and a censored 1000.
    expect(a.stepsToSolve!.median.point).toEqual({ value: 600, atLeast: true });
    expect(a.stepsToSolve!.iqm.point).toEqual({ value: 600, atLeast: true });
    // The final evaluation has no censoring: median of 1, 1, 0.5, 0.5.
    expect(a.finalEval!.median.point).toEqual({ value: 0.75, atLeast: false });
    expect(aggregateMarkdown(a)).toContain("| steps to solve, median | ≥ 600 |");
  });

  it("nothing solved: every steps-to-solve value is the budget, and a lower bound", () => {
    const a = aggregate([done(summary(0, null, 0.5)), done(summary(1, null, 0.5))]);
    for (const e of [a.stepsToSolve!.median, a.stepsToSolve!.iqm]) {
      for (const b of [e.point, e.low, e.high]) expect(b).toEqual({ value: 1000, atLeast: true });
    }
    expect(a.solveRate).toBe(0);
  });

  it("statistics cover finished runs only; failed and interrupted seeds are listed with their stderr", () => {
    const a = aggregate([
      done(summary(0, 300, 1)),
      { seed: 1, status: "failed", exitCode: 1, summary: null, stderrTail: "Error: out of memory" },
      { seed: 2, status: "interrupted", exitCode: 130, summary: { ...summary(2, null, 0.5), finalEval: null }, stderrTail: "SIGINT" },
      { seed: 3, status: "missing", exitCode: null, summary: null, stderrTail: null },
    ]);
    expect([a.finished, a.solved, a.stepsToSolve!.n, a.finalEval!.n]).toEqual([1, 1, 1, 1]);
    expect(a.runs.map((r) => r.status)).toEqual(["done", "failed", "interrupted", "missing"]);
    const md = aggregateMarkdown(a);
    expect(md).toContain("| 1 | failed (exit 1) | – | – | – | – | – |");
    expect(md).toContain("### Seed 1: failed");
    expect(md).toContain("Error: out of memory");
  });

  it("no finished run: no statistics, the threshold from the defaults", () => {
    const a = aggregate([{ seed: 0, status: "failed", exitCode: 2, summary: null, stderrTail: "" }]);
    expect([a.stepsToSolve, a.finalEval, a.solveRate, a.rewardThreshold, a.solveWindow]).toEqual([null, null, null, 0.95, 50]);
  });
});

describe("learning curves across seeds", () => {
  it("moving average over the solve window, from the first min(window, 10) episodes", () => {
    const episodes = [10, 20, 30, 40].map((step, i) => ({ step, return: [1, 3, 5, 11][i] }));
    expect(movingAverage(episodes, 2)).toEqual([
      { step: 20, value: 2 },
      { step: 30, value: 4 },
      { step: 40, value: 8 },
    ]);
    expect(movingAverage(episodes, 100)).toEqual([]);
  });

  it("mean on a common grid: each curve holds its last value, the band spans the bootstrap of the mean", () => {
    const a = [
      { step: 0, value: 0 },
      { step: 10, value: 1 },
    ];
    const b = [
      { step: 5, value: 2 },
      { step: 20, value: 4 },
    ];
    const band = meanBand([a, b], 4, BOOT);
    expect(band.map((p) => [p.step, p.mean])).toEqual([
      [5, 1],
      [10, 1.5],
      [15, 1.5],
      [20, 2.5],
    ]);
    // Two seeds: the bootstrap of their mean runs from the lower to the higher.
    expect(band.map((p) => [p.low, p.high])).toEqual([
      [0, 2],
      [1, 2],
      [1, 2],
      [1, 4],
    ]);
    expect(meanBand([], 4, BOOT)).toEqual([]);
  });
});

describe("gradc train --seeds, end to end", () => {
  const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, "utf8")) as T;

  it("trains each seed in its own process, aggregates consistently with each seed's summary, refuses to overwrite, resumes", async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gradc-sweep-"));
    onTestFinished(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const out = path.join(tmp, "sweep");
    // 2,000 GridWorld steps: some seeds solve within them, some do not (censored).
    const options = { seeds: [0, 1], jobs: 2, steps: 2000, out };
    expect(await runSeedSweep("GridWorld", options)).toBe(0);

    const summaries = [0, 1].map((s) => readJson<SeedSummary>(path.join(out, `seed-${s}`, "summary.json")));
    const a = readJson<Aggregate>(path.join(out, "aggregate.json"));
    expect(summaries.map((s) => [s.env, s.seed, s.config.total_timesteps])).toEqual([
      ["GridWorld", 0, 2000],
      ["GridWorld", 1, 2000],
    ]);
    const stepsToSolve = summaries.map((s) => (s.solved ? s.solvedAtStep! : 2000));
    const censored = summaries.map((s) => !s.solved);
    expect(a.runs.map((r) => [r.seed, r.status, r.exitCode])).toEqual([
      [0, "done", 0],
      [1, "done", 0],
    ]);
    expect(a.runs.map((r) => r.stepsToSolve)).toEqual(stepsToSolve.map((value, i) => ({ value, atLeast: censored[i] })));
    expect(a.runs.map((r) => r.finalEval)).toEqual(summaries.map((s) => s.finalEval));
    expect(a.runs.map((r) => r.stepsPerSecond)).toEqual(summaries.map((s) => s.stepsPerSecond));
    expect([a.finished, a.solved]).toEqual([2, summaries.filter((s) => s.solved).length]);
    // Two runs: median and IQM are both their mean; it depends on a censored run if there is one.
    for (const e of [a.stepsToSolve!.median, a.stepsToSolve!.iqm]) expect(e.point).toEqual({ value: mean(stepsToSolve), atLeast: censored.some(Boolean) });
    expect(a.finalEval!.median.point.value).toBeCloseTo(mean(summaries.map((s) => s.finalEval!.mean)), 12);
    expect([a.rewardThreshold, a.solveWindow]).toEqual([summaries[0].config.reward_threshold, summaries[0].config.solve_window]);

    const md = fs.readFileSync(path.join(out, "aggregate.md"), "utf8");
    for (const [i, s] of summaries.entries()) expect(md).toContain(`| ${s.seed} | done | ${s.solved ? "yes" : "no"} | ${censored[i] ? "≥ " : ""}${stepsToSolve[i].toLocaleString("en-US")} |`);
    const svg = fs.readFileSync(path.join(out, "curves.svg"), "utf8");
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("mean of the 2 finished seeds");
    const config = readJson<Record<string, unknown>>(path.join(out, "config.json"));
    expect([config.total_timesteps, "seed" in config]).toEqual([2000, false]);
    expect(fs.readFileSync(path.join(out, "seed-0", "stderr.log"), "utf8")).toMatch(/^step \d+\/2000/m);

    await expect(runSeedSweep("GridWorld", options)).rejects.toThrow("already holds a sweep");
    await expect(runSeedSweep("GridWorld", { ...options, seed: 3 })).rejects.toThrow("--seed and --seeds");

    // Resume: seed 0 finished and is skipped; seed 1's folder is gone, so it runs again, to the same result.
    const seed0 = fs.statSync(path.join(out, "seed-0", "summary.json")).mtimeMs;
    fs.rmSync(path.join(out, "seed-1"), { recursive: true });
    expect(await runSeedSweep("GridWorld", { seeds: [0, 1], jobs: 2, resume: out })).toBe(0);
    expect(fs.statSync(path.join(out, "seed-0", "summary.json")).mtimeMs).toBe(seed0);
    const rerun = readJson<SeedSummary>(path.join(out, "seed-1", "summary.json"));
    expect([rerun.solvedAtStep, rerun.totalSteps, rerun.finalEval]).toEqual([summaries[1].solvedAtStep, summaries[1].totalSteps, summaries[1].finalEval]);

    // Aggregating the folders alone gives the same statistics.
    fs.rmSync(path.join(out, "aggregate.json"));
    expect(await runSeedSweep("GridWorld", { seeds: [0, 1], out, aggregateOnly: true })).toBe(0);
    const again = readJson<Aggregate>(path.join(out, "aggregate.json"));
    expect([again.stepsToSolve, again.finalEval]).toEqual([a.stepsToSolve, a.finalEval]);
  }, 120_000);
});
