/**
 * The DQN trainer: target-network semantics, a training smoke run with the contract's output
 * files, reproducibility, divergence handling, bad configs and corrupted checkpoints.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { scratchFolders } from "./support/scratch.js";
// From the sources that gradc/rl and gradc/rl/node name: the package names resolve to the built
// dist/ for the type checker, and one test must not mix the two copies' classes.
import { BASE_CONFIG, ConfigError, GridWorld, CartPole, mergeConfig, type DQNConfig, type QNetwork, mlpQNetwork, Random, defaultConfig, learningRateAt } from "../runtime/rl/index.js";
import { DQNTrainer, loadCheckpoint } from "../runtime/rl/node/index.js";

const scratch = scratchFolders();
const tmp = () => scratch("gradc-rl-");

function gridConfig(overrides: Partial<DQNConfig> = {}): DQNConfig {
  return mergeConfig(defaultConfig("GridWorld"), { total_timesteps: 3000, learning_starts: 200, eval_freq: 1000, n_eval_episodes: 3, checkpoint_freq: 1000, stop_on_solve: false, ...overrides }, "test");
}

/** metrics.csv without the wall-clock column, which no two runs share. */
function metricsWithoutWallTime(dir: string): string[] {
  return fs
    .readFileSync(path.join(dir, "metrics.csv"), "utf8")
    .trim()
    .split("\n")
    .map((line) => line.split(",").slice(0, 6).join(","));
}

/** A batch of `batch` CartPole-sized transitions (4 observations, 2 actions) drawn from `rng`. */
function randomBatch(rng: Random, batch: number) {
  const obs = Float64Array.from({ length: batch * 4 }, () => rng.normal());
  const actions = Float64Array.from({ length: batch }, (_, i) => i % 2);
  const targets = Float64Array.from({ length: batch }, () => 3 * rng.normal());
  const weights = Float64Array.from({ length: batch }, () => rng.nextFloat());
  return { obs, actions, targets, weights };
}

describe("DQN trainer", () => {
  it("writes metrics.csv, summary.json, evaluations, a learning curve and a checkpoint", async () => {
    const out = tmp();
    const summary = await new DQNTrainer({ config: gridConfig(), makeEnv: () => new GridWorld(), outDir: out }).train();
    const lines = fs.readFileSync(path.join(out, "metrics.csv"), "utf8").trim().split("\n");
    expect(lines[0]).toBe("step,episode,return,length,epsilon,loss,wall_seconds");
    expect(lines.length - 1).toBe(summary.episodes);
    const rows = lines.slice(1).map((l) => l.split(",").map(Number));
    // Episode lengths add up to the step column; epsilon decays from 1.
    let steps = 0;
    for (const r of rows) {
      steps += r[3];
      expect(r[0]).toBe(steps);
    }
    expect(rows[0][4]).toBeLessThanOrEqual(1);
    expect(rows[rows.length - 1][4]).toBeCloseTo(0.05, 6);
    const written = JSON.parse(fs.readFileSync(path.join(out, "summary.json"), "utf8"));
    for (const key of ["solved", "solvedAtStep", "solvedAtSeconds", "finalEval", "stepsPerSecond"]) expect(written).toHaveProperty(key);
    expect(written.finalEval.episodes).toBe(20);
    expect(fs.readFileSync(path.join(out, "learning-curve.svg"), "utf8")).toMatch(/^<svg[\s\S]*<\/svg>$/);
    // Header, three periodic evaluations (eval_freq 1000 over 3000 steps) and the final one.
    const evaluations = fs.readFileSync(path.join(out, "evaluations.csv"), "utf8").trim().split("\n");
    expect(evaluations[0]).toBe("step,mean,std,episodes,final");
    expect(evaluations.slice(1).map((l) => l.split(",").map(Number)).map((r) => [r[0], r[3], r[4]])).toEqual([
      [1000, 3, 0],
      [2000, 3, 0],
      [3000, 3, 0],
      [3000, 20, 1],
    ]);
    expect(Number(evaluations[4].split(",")[1])).toBe(written.finalEval.mean);
    expect(written.stopReason).toBe("total_timesteps");
    expect(written.checkpointStep).toBe(3000);
    expect(fs.existsSync(path.join(out, "checkpoint.bin"))).toBe(true);
  });

  it("learns GridWorld: the greedy policy passes the near 0.5 cell for the far goal", async () => {
    const summary = await new DQNTrainer({ config: gridConfig({ total_timesteps: 8000, stop_on_solve: false }), makeEnv: () => new GridWorld(), outDir: tmp() }).train();
    expect(summary.finalEval.mean).toBe(1);
  });

  it("stop_on_solve stops once solved and the greedy policy reaches the threshold, not before", async () => {
    const config = gridConfig({ total_timesteps: 8000, stop_on_solve: true });
    const trainer = new DQNTrainer({ config, makeEnv: () => new GridWorld(), outDir: tmp() });
    const summary = await trainer.train();
    expect(summary.solved).toBe(true);
    expect(summary.totalSteps).toBeLessThan(config.total_timesteps);
    expect(summary.totalSteps).toBeGreaterThanOrEqual(summary.solvedAtStep!);
    // The stopping check: a greedy evaluation seeded by the step it ran at, with the final parameters.
    expect(trainer.evaluate(config.n_eval_episodes, 3_000_000 + summary.totalSteps).mean).toBeGreaterThanOrEqual(config.reward_threshold);
  });

  it("is reproducible: same seed and config give the same metrics", async () => {
    const a = tmp();
    const b = tmp();
    await new DQNTrainer({ config: gridConfig({ seed: 7 }), makeEnv: () => new GridWorld(), outDir: a }).train();
    await new DQNTrainer({ config: gridConfig({ seed: 7 }), makeEnv: () => new GridWorld(), outDir: b }).train();
    expect(metricsWithoutWallTime(a)).toEqual(metricsWithoutWallTime(b));
    const c = tmp();
    await new DQNTrainer({ config: gridConfig({ seed: 8 }), makeEnv: () => new GridWorld(), outDir: c }).train();
    expect(metricsWithoutWallTime(c)).not.toEqual(metricsWithoutWallTime(a));
  });

  it("hard target updates copy θ every target_update_interval steps; Polyak averages", async () => {
    const config = gridConfig({ total_timesteps: 600, learning_starts: 100, target_update_interval: 300, eval_freq: 0, checkpoint_freq: 0, stop_on_solve: false });
    const trainer = new DQNTrainer({ config, makeEnv: () => new GridWorld(), outDir: tmp() });
    await trainer.train();
    // 600 is a multiple of 300: the last step copied θ.
    expect(Array.from(trainer.targetParameters)).toEqual(Array.from(trainer.parameters));

    const off = new DQNTrainer({ config: { ...config, total_timesteps: 550 }, makeEnv: () => new GridWorld(), outDir: tmp() });
    await off.train();
    expect(Array.from(off.targetParameters)).not.toEqual(Array.from(off.parameters));

    // Polyak: with tau = 0.5 and updates every step from step 1, the target trails θ.
    const polyak = new DQNTrainer({ config: { ...config, tau: 0.5, target_update_interval: 1, learning_starts: 10_000 }, makeEnv: () => new GridWorld(), outDir: tmp() });
    const initial = Float64Array.from(polyak.parameters);
    await polyak.train();
    // Without learning θ never moves, so θ' stays equal to it under any averaging.
    expect(Array.from(polyak.targetParameters)).toEqual(Array.from(initial));
  });

  it("the compiled and tape engines compute the same loss gradient for the trainer's network", () => {
    const rng = new Random(3);
    const sizes = { obs: 4, actions: 2 };
    const compiled = mlpQNetwork(sizes.obs, sizes.actions, [16, 16], { loss: "huber", engine: "compiled" });
    const tape = mlpQNetwork(sizes.obs, sizes.actions, [16, 16], { loss: "huber", engine: "tape" });
    const theta = new Float64Array(compiled.parameterCount);
    compiled.initialize(theta, rng);
    const B = 8;
    const { obs, actions, targets, weights } = randomBatch(rng, B);
    const g1 = new Float64Array(theta.length);
    const g2 = new Float64Array(theta.length);
    const l1 = compiled.lossAndGradient(g1, theta, obs, actions, targets, weights, B);
    const l2 = tape.lossAndGradient(g2, theta, obs, actions, targets, weights, B);
    expect(l2).toBeCloseTo(l1, 12);
    for (let i = 0; i < theta.length; i++) expect(Math.abs(g1[i] - g2[i])).toBeLessThan(1e-12 * Math.max(1, Math.abs(g1[i])));
  });

  it("the wasm engine gives the compiled gradient (float64) and, with dtype float32, the same within float32 rounding", () => {
    const rng = new Random(5);
    const compiled = mlpQNetwork(4, 2, [32, 32], { loss: "huber", engine: "compiled" });
    const wasm = mlpQNetwork(4, 2, [32, 32], { loss: "huber", engine: "wasm" });
    const wasm32 = mlpQNetwork(4, 2, [32, 32], { loss: "huber", engine: "wasm", dtype: "float32" });
    expect(wasm32.description).toMatch(/wasm float32 gradients/);
    const theta = new Float64Array(compiled.parameterCount);
    compiled.initialize(theta, rng);
    const B = 16;
    const { obs, actions, targets, weights } = randomBatch(rng, B);
    const [g, g64, g32] = [0, 1, 2].map(() => new Float64Array(theta.length));
    const l = compiled.lossAndGradient(g, theta, obs, actions, targets, weights, B);
    const l64 = wasm.lossAndGradient(g64, theta, obs, actions, targets, weights, B);
    const l32 = wasm32.lossAndGradient(g32, theta, obs, actions, targets, weights, B);
    expect(Math.abs(l64 - l)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(l)));
    expect(Math.abs(l32 - l)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(l)));
    const scale = Math.max(...Array.from(g, Math.abs));
    for (let i = 0; i < theta.length; i++) {
      expect(Math.abs(g64[i] - g[i])).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(g[i])));
      expect(Math.abs(g32[i] - g[i])).toBeLessThanOrEqual(1e-5 * scale);
      expect(Math.fround(g32[i])).toBe(g32[i]); // a float32 gradient in the float64 buffer
    }
  });

  it("trains GridWorld with dtype float32 on the wasm engine, and records the dtype", async () => {
    const out = tmp();
    const summary = await new DQNTrainer({ config: gridConfig({ engine: "wasm", dtype: "float32" }), makeEnv: () => new GridWorld(), outDir: out }).train();
    expect(summary.dtype).toBe("float32");
    expect(summary.network).toMatch(/wasm float32 gradients/);
    expect(summary.diverged).toBe(false);
    expect(loadCheckpoint(path.join(out, "checkpoint.bin")).meta.config.dtype).toBe("float32");
  });

  it("stops on a NaN loss and keeps the last good checkpoint", async () => {
    const base = mlpQNetwork(2, 4, [8], { loss: "huber", engine: "compiled" });
    let calls = 0;
    const poisoned: QNetwork = {
      ...base,
      lossAndGradient: (grad, theta, ...rest) => (++calls > 700 ? NaN : base.lossAndGradient(grad, theta, ...rest)),
    };
    const out = tmp();
    const summary = await new DQNTrainer({ config: gridConfig({ total_timesteps: 3000, learning_starts: 100, checkpoint_freq: 300 }), makeEnv: () => new GridWorld(), outDir: out, network: poisoned }).train();
    expect(summary.diverged).toBe(true);
    expect(summary.totalSteps).toBeLessThan(3000);
    const { meta, arrays } = loadCheckpoint(path.join(out, "checkpoint.bin"));
    expect(meta.counters.step).toBeLessThanOrEqual(summary.totalSteps);
    expect(Array.from(arrays.theta as Float64Array).every(Number.isFinite)).toBe(true);
  });
});

describe("configs", () => {
  it("rejects unknown keys, wrong types and negative sizes, naming the key", () => {
    expect(() => mergeConfig(BASE_CONFIG, { lerning_rate: 0.1 }, "my.json")).toThrow(/my\.json: unknown key 'lerning_rate' \(did you mean 'learning_rate'\?\)/);
    expect(() => mergeConfig(BASE_CONFIG, { batch_size: -4 }, "my.json")).toThrow(/'batch_size' must be a positive integer, got -4/);
    expect(() => mergeConfig(BASE_CONFIG, { gamma: "0.99" }, "my.json")).toThrow(/'gamma' must be a number in \[0, 1\]/);
    expect(() => mergeConfig(BASE_CONFIG, { net_arch: [64, 0] }, "x")).toThrow(/'net_arch'/);
    expect(() => mergeConfig(BASE_CONFIG, { optimizer: "adamw" }, "x")).toThrow(/'optimizer' must be one of "adam", "rmsprop", "sgd"/);
    expect(() => mergeConfig(BASE_CONFIG, [1, 2], "x")).toThrow(ConfigError);
    expect(() => mergeConfig(BASE_CONFIG, { dtype: "float16" }, "x")).toThrow(/'dtype' must be one of "float64", "float32"/);
    expect(() => mergeConfig(BASE_CONFIG, { dtype: "float32" }, "x")).toThrow(/'dtype' "float32" needs 'engine' "wasm"/);
    expect(mergeConfig(BASE_CONFIG, { dtype: "float32", engine: "wasm" }, "x").dtype).toBe("float32");
  });

  it("accepts RL Zoo's linear learning-rate schedule, decaying to 0 over the run", () => {
    expect(mergeConfig(BASE_CONFIG, { learning_rate: "lin_0.001" }, "x").learning_rate).toBe("lin_0.001");
    expect(() => mergeConfig(BASE_CONFIG, { learning_rate: "lin_fast" }, "x")).toThrow(/'learning_rate' must be a positive number or "lin_<number>"/);
    expect(learningRateAt("lin_0.002", 0)).toBe(0.002);
    expect(learningRateAt("lin_0.002", 0.75)).toBeCloseTo(0.0005, 15);
    expect(learningRateAt("lin_0.002", 1)).toBe(0);
    expect(learningRateAt(0.003, 0.5)).toBe(0.003);
  });

  it("every tuned config file is valid", () => {
    for (const env of ["CartPole-v1", "MountainCar-v0", "Acrobot-v1", "GridWorld"]) expect(defaultConfig(env).total_timesteps).toBeGreaterThan(0);
  });
});

describe("checkpoints", () => {
  async function trainedDir(): Promise<string> {
    const out = tmp();
    await new DQNTrainer({ config: gridConfig({ total_timesteps: 1500 }), makeEnv: () => new GridWorld(), outDir: out }).train();
    return out;
  }

  it("a truncated checkpoint is an error naming the file, not a restart from zero", async () => {
    const out = await trainedDir();
    const file = path.join(out, "checkpoint.bin");
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(() => new DQNTrainer({ config: gridConfig(), makeEnv: () => new GridWorld(), outDir: out, resumeFrom: out })).toThrow(
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: .*(truncated|corrupted)`),
    );
  });

  it("a corrupted byte is caught by the checksum", async () => {
    const out = await trainedDir();
    const file = path.join(out, "checkpoint.bin");
    const bytes = fs.readFileSync(file);
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    fs.writeFileSync(file, bytes);
    expect(() => loadCheckpoint(file)).toThrow(/checksum/);
  });

  it("a flipped byte anywhere — magic, version, header length, header, data, checksum — reads as corruption", async () => {
    const out = await trainedDir();
    const file = path.join(out, "checkpoint.bin");
    const good = fs.readFileSync(file);
    const positions = [0, 7, 8, 9, 11, 12, 15, 16, 40, Math.floor(good.length / 3), good.length - 33, good.length - 32, good.length - 1];
    for (const at of positions) {
      const bytes = Buffer.from(good);
      bytes[at] ^= 0x01;
      fs.writeFileSync(file, bytes);
      expect(() => loadCheckpoint(file), `byte ${at}`).toThrow(/corrupted/);
    }
  });

  it("a checkpoint of another environment is refused", async () => {
    const out = await trainedDir();
    expect(() => new DQNTrainer({ config: defaultConfig("CartPole-v1"), makeEnv: () => new CartPole(), outDir: out, resumeFrom: out })).toThrow(/written for GridWorld, not CartPole-v1/);
  });
});
