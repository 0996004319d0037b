/**
 * Vectorized environments (num_envs) and checkpoints taken at any step: each copy's episode ends
 * and truncates on its own, the run is deterministic, and a run stopped at an arbitrary step —
 * mid-episode, in every copy — and resumed from its checkpoint ends exactly as the uninterrupted run.
 */
import { describe, expect, it } from "vitest";
import { CartPole, DQN, EpisodicEnvironment, GreedyPolicy, loadPolicy, mergeConfig, defaultConfig, type DQNConfig, type EpisodeRow, type Outcome, type Summary } from "../runtime/rl/index.js";

function cartPoleConfig(overrides: Partial<DQNConfig>): DQNConfig {
  return mergeConfig(
    defaultConfig("CartPole-v1"),
    { total_timesteps: 3000, learning_starts: 300, batch_size: 32, buffer_size: 5000, eval_freq: 1000, n_eval_episodes: 2, n_final_eval_episodes: 3, checkpoint_freq: 700, net_arch: [16, 16], ...overrides },
    "test",
  );
}

interface Recorded {
  episodes: EpisodeRow[];
  evaluations: number[][];
  checkpoints: { step: number; bytes: Uint8Array }[];
  summary?: Summary;
}

/** A trainer whose output keeps every record in memory. */
function recordingTrainer(config: DQNConfig, stopAtStep?: number, makeEnv: () => EpisodicEnvironment = () => new CartPole()) {
  const recorded: Recorded = { episodes: [], evaluations: [], checkpoints: [] };
  const trainer: DQN = new DQN({
    config,
    makeEnv,
    onProgress: (p) => {
      if (stopAtStep !== undefined && p.step >= stopAtStep) trainer.requestStop();
    },
    output: {
      episode: (row) => void recorded.episodes.push(row),
      evaluation: (row) => void recorded.evaluations.push([row.step, row.mean, row.std, row.episodes, row.final]),
      checkpoint: (bytes) => void recorded.checkpoints.push({ step: trainer.stepsTaken, bytes }),
      summary: (s) => void (recorded.summary = s),
    },
  });
  return { trainer, recorded };
}

const withoutTimes = (rows: EpisodeRow[]) => rows.map(({ wall_seconds: _, ...rest }) => rest);
function summaryWithoutTimes(s: Summary) {
  const { solvedAtSeconds: _a, stepsPerSecond: _b, wallSeconds: _c, timePerStep: _d, ...rest } = s;
  return rest;
}

/** An environment that never terminates and truncates after `limit` steps: every episode is exactly that long. */
class Corridor extends EpisodicEnvironment {
  constructor(limit: number) {
    super({ name: "Corridor", stateSize: 1, observationSize: 1, actionCount: 2, maxEpisodeSteps: limit });
  }
  protected startEpisode(): void {
    this.state[0] = this.random.uniform(-1, 1);
  }
  protected advance(action: number, outcome: Outcome): void {
    this.state[0] += action === 1 ? 0.1 : -0.1;
    outcome.reward = -Math.abs(this.state[0]);
    outcome.terminated = false;
  }
  protected observeInto(obs: Float64Array): void {
    obs[0] = this.state[0];
  }
}

describe("num_envs", () => {
  it("steps every copy, truncates each on its own and counts total_timesteps over all copies", async () => {
    const config = mergeConfig(cartPoleConfig({ num_envs: 3, total_timesteps: 300, learning_starts: 50, n_steps: 3, eval_freq: 0, stop_on_solve: false }), {}, "test");
    const { trainer, recorded } = recordingTrainer(config, undefined, () => new Corridor(7));
    const summary = await trainer.train();
    expect(summary.totalSteps).toBe(300);
    // 100 steps per copy: 14 whole episodes of 7 steps each, 2 steps of a 15th running.
    expect(recorded.episodes).toHaveLength(3 * 14);
    expect(recorded.episodes.every((e) => e.length === 7)).toBe(true);
    // The three copies end their episodes on the same vector step: rows come in threes with steps 3 apart at most.
    for (let k = 0; k < 14; k++) {
      const steps = recorded.episodes.slice(3 * k, 3 * k + 3).map((e) => e.step);
      expect(steps).toEqual([21 * (k + 1) - 2, 21 * (k + 1) - 1, 21 * (k + 1)]);
    }
  });

  it("is deterministic, and differs from one copy only in how experience is gathered", async () => {
    const config = cartPoleConfig({ num_envs: 4, stop_on_solve: false });
    const a = recordingTrainer(config);
    const b = recordingTrainer(config);
    const [sa, sb] = [await a.trainer.train(), await b.trainer.train()];
    expect(withoutTimes(b.recorded.episodes)).toEqual(withoutTimes(a.recorded.episodes));
    expect(summaryWithoutTimes(sb)).toEqual(summaryWithoutTimes(sa));
    // Episode lengths of finished episodes never exceed the total over all copies.
    const finished = a.recorded.episodes.reduce((n, e) => n + e.length, 0);
    expect(finished).toBeLessThanOrEqual(3000);
    expect(finished).toBeGreaterThan(3000 - 4 * 500);
  });
});

describe("a run stopped at any step resumes exactly", () => {
  for (const numEnvs of [1, 3]) {
    it(`num_envs ${numEnvs}: stopped mid-episode, resumed from the checkpoint of that step`, async () => {
      const config = cartPoleConfig({ num_envs: numEnvs, n_steps: 3, prioritized_replay: numEnvs === 3, stop_on_solve: false });
      const whole = recordingTrainer(config);
      const wholeSummary = await whole.trainer.train();

      // Step 1234 is not a checkpoint step (700, 1400, …) and falls inside episodes.
      const first = recordingTrainer(config, 1234);
      const stopped = await first.trainer.train();
      expect(stopped.stopReason).toBe("interrupted");
      const last = first.recorded.checkpoints[first.recorded.checkpoints.length - 1];
      expect(last.step).toBe(stopped.totalSteps);
      expect(stopped.checkpointStep).toBe(stopped.totalSteps);
      expect(stopped.totalSteps % 700).not.toBe(0);

      const second = recordingTrainer(config);
      const at = second.trainer.restore(last.bytes);
      expect(at.step).toBe(stopped.totalSteps);
      const resumed = await second.trainer.train();
      // The records before the checkpoint plus those after it are the uninterrupted run's.
      const episodes = [...first.recorded.episodes.slice(0, at.episodes), ...second.recorded.episodes];
      expect(withoutTimes(episodes)).toEqual(withoutTimes(whole.recorded.episodes));
      const evaluations = [...first.recorded.evaluations.filter((e) => e[4] === 0).slice(0, at.evaluations), ...second.recorded.evaluations];
      expect(evaluations).toEqual(whole.recorded.evaluations);
      expect(summaryWithoutTimes(resumed)).toEqual(summaryWithoutTimes(wholeSummary));
    });
  }
});

describe("the greedy policy of a run", () => {
  it("acts as the trainer's greedy action, and equals the policy read back from the final checkpoint", async () => {
    const { trainer, recorded } = recordingTrainer(cartPoleConfig({ total_timesteps: 1500, stop_on_solve: false }));
    await trainer.train();
    const policy = trainer.policy();
    const fromCheckpoint = GreedyPolicy.fromCheckpoint(recorded.checkpoints[recorded.checkpoints.length - 1].bytes);
    expect(fromCheckpoint.toJSON()).toEqual(policy.toJSON());
    expect(policy.toJSON().trainedSteps).toBe(1500);
    // What a web page does with gradc/rl's loadPolicy: the policy file's parsed JSON or its text,
    // or a checkpoint's bytes. A path is Node's (gradc/rl/node) and says so.
    const text = JSON.stringify(policy.toJSON());
    const loaded = [loadPolicy(JSON.parse(text)), loadPolicy(text), loadPolicy(recorded.checkpoints[recorded.checkpoints.length - 1].bytes)];
    expect(() => loadPolicy("runs/cartpole/policy.json")).toThrow(/in a browser, fetch the file first/);
    expect(() => loadPolicy("{ not json")).toThrow(/not valid JSON/);
    const env = new CartPole();
    let obs = env.reset(7);
    for (let t = 0; t < 50; t++) {
      expect(policy.act(obs)).toBe(trainer.greedyAction(obs));
      for (const p of loaded) expect(p.act(obs)).toBe(policy.act(obs));
      const r = env.step(t % 2);
      if (r.terminated || r.truncated) break;
      obs = r.obs;
    }
  });
});
