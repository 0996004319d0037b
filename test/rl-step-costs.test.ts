/**
 * Where a training step's time goes (summary.json's and the progress line's `timePerStep`), and
 * environment steps that allocate nothing (`stepInto`), checked with V8's sampling heap profiler.
 */
import inspector from "node:inspector";
import { describe, expect, it } from "vitest";
import { Acrobot, CartPole, DQN, GridWorld, LectureGrid, MountainCar, STEP_PHASES, defaultConfig, mergeConfig, type Environment, type Progress, type StepResult } from "../runtime/rl/index.js";

describe("timePerStep", () => {
  it("splits each step's cost into its phases, adding up to the wall time, in the summary and in the progress", async () => {
    const config = mergeConfig(defaultConfig("CartPole-v1"), { total_timesteps: 1500, learning_starts: 300, eval_freq: 0, stop_on_solve: false, seed: 4 }, "test");
    let seen: Progress["timePerStep"] | undefined;
    const dqn = new DQN({
      config,
      makeEnv: () => new CartPole(),
      onProgress: (p) => {
        if (p.step === 1400) seen = p.timePerStep;
      },
    });
    const summary = await dqn.train();
    const times = summary.timePerStep;
    expect(Object.keys(times).sort()).toEqual([...STEP_PHASES, "other"].sort());
    for (const phase of Object.keys(times) as (keyof typeof times)[]) expect(times[phase]).toBeGreaterThanOrEqual(0);
    // Every phase ran: training started at step 300.
    for (const phase of STEP_PHASES) expect(times[phase], phase).toBeGreaterThan(0);
    // The phases and `other` account for the wall time (up to the summary's rounding: 0.1 µs per
    // phase, 0.1 step/s).
    const total = Object.values(times).reduce((s, x) => s + x, 0);
    expect(Math.abs((total * summary.stepsPerSecond) / 1e6 - 1)).toBeLessThan(0.01);
    expect(seen && seen.gradient).toBeGreaterThan(0);
  });
});

/** Bytes V8's sampling heap profiler attributes to calls of `functionName` and everything they call. */
function allocatedInside(functionName: string, run: () => void): number {
  const session = new inspector.Session();
  session.connect();
  let bytes = NaN;
  session.post("HeapProfiler.startSampling", { samplingInterval: 32, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  run();
  session.post("HeapProfiler.stopSampling", (error, result) => {
    if (error) throw error;
    type Node = inspector.HeapProfiler.SamplingHeapProfileNode;
    const subtree = (n: Node): number => n.selfSize + n.children.reduce((s, c) => s + subtree(c), 0);
    const inside = (n: Node): number => (n.callFrame.functionName === functionName ? subtree(n) : n.children.reduce((s, c) => s + inside(c), 0));
    bytes = inside(result.profile.head);
  });
  session.disconnect();
  return bytes;
}

describe("environment steps allocate nothing (stepInto)", () => {
  const environments: [string, () => Environment][] = [
    ["CartPole-v1", () => new CartPole()],
    ["MountainCar-v0", () => new MountainCar()],
    ["Acrobot-v1", () => new Acrobot()],
    ["GridWorld", () => new GridWorld()],
    ["LectureGrid", () => new LectureGrid()],
  ];
  it.each(environments)("%s", (_, make) => {
    const env = make();
    // As the trainer makes it: reward starts as a double (see stepInto's documentation).
    const into: StepResult = { obs: new Float64Array(env.observationSize), reward: NaN, terminated: false, truncated: false };
    const actions = Int32Array.from({ length: 4096 }, (_, i) => (i * 7919) % env.actionCount);
    const steps = (n: number) => {
      env.reset(1);
      for (let i = 0; i < n; i++) {
        env.stepInto!(actions[i & 4095], into);
        if (into.terminated || into.truncated) env.reset();
      }
    };
    steps(50_000); // warm up: optimised code allocates what it will allocate in training
    // The least of three windows: an allocation made every step shows in each of them, while the
    // optimising compiler's one-off transitions (a late tier-up on a busy machine) show in one.
    const measured = 20_000;
    const bytes = Math.min(...[1, 2, 3].map(() => allocatedInside("stepInto", () => steps(measured))));
    // One 16-byte number boxed per step would be 16 bytes per step (~320 KB per window).
    expect(bytes / measured).toBeLessThan(1);
    // And stepInto gives what step gives.
    const a = make();
    const b = make();
    a.reset(3);
    b.reset(3);
    for (let i = 0; i < 300; i++) {
      const r = a.step(actions[i]);
      b.stepInto!(actions[i], into);
      expect({ ...into, obs: Array.from(into.obs) }).toEqual({ ...r, obs: Array.from(r.obs) });
      if (r.terminated || r.truncated) {
        a.reset();
        b.reset();
      }
    }
  });
});
