/**
 * Deep Q-Network training, in the manner of CleanRL's dqn.py: one loop, every hyperparameter in
 * `DQNConfig` (config.ts). The gradient of the TD loss is gradc's generated code (or the tape
 * engine on the same source); everything the loop touches per step is preallocated.
 *
 * A run is deterministic for a given config and seed: the environments are reset with seeds
 * drawn from the trainer's generator, and checkpoints hold that generator, the networks, the
 * optimizer, the replay buffer and every environment's running episode, so a run resumed from a
 * checkpoint taken at any step continues exactly as the uninterrupted one would have.
 *
 * With num_envs > 1 the trainer steps that many copies of the environment together (a
 * synchronous vector environment, as SB3's DummyVecEnv): every copy's episode ends, truncates and
 * resets on its own, and the replay buffer keeps one n-step window per copy.
 *
 * This module uses no Node API: it runs in a browser as well. Records, checkpoints and the
 * summary leave through a `RunOutput` (run-output.ts); gradc/rl/node's `DQNTrainer` is this
 * trainer with an output that writes them to a folder.
 */
import { BASE_CONFIG, type DQNConfig, learningRateAt, mergeConfig } from "./config.js";
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, type DecodedCheckpoint, type StoredArray } from "./checkpoint.js";
import type { Environment, StepResult } from "./envs/types.js";
import { clipGradientNorm, createOptimizer, type Optimizer } from "./optimizers.js";
import { GreedyPolicy, policyRecord, runEpisodes, type PolicyFile } from "./policy.js";
import { duelingQNetwork, mlpQNetwork, type QNetwork } from "./qnetwork.js";
import { Random } from "./random.js";
import { ReplayBuffer, createBatch, type Batch, type ReplaySnapshot } from "./replay/index.js";
import type { EpisodeRow, EvaluationRow, RunOutput, Summary } from "./run-output.js";
import { Phase, StepClock, emptyStepTimes, type StepTimes } from "./step-times.js";

export interface DQNOptions {
  config: DQNConfig;
  /** Creates the environment (called num_envs + 1 times: the training copies and an evaluation copy). */
  makeEnv: () => Environment;
  /** A Q-network of your own; by default the config's `network` with `net_arch`. */
  network?: QNetwork;
  /** Where episode rows, evaluations, checkpoints and the summary go (by default nowhere). */
  output?: RunOutput;
  /**
   * Called after every step with a view of the progress (for progress bars and logs): the same
   * object every time, updated in place (copy what you keep).
   */
  onProgress?: (progress: Progress) => void;
  /**
   * Give the event loop a turn at least this often (milliseconds), so that a web page stays
   * responsive while it trains. By default the loop never pauses, the fastest choice in Node.
   */
  yieldEveryMs?: number;
}

export interface Progress {
  step: number;
  totalSteps: number;
  episode: number;
  lastReturn: number;
  meanReturn: number;
  epsilon: number;
  loss: number;
  readonly stepsPerSecond: number;
  /**
   * Microseconds per environment step in each phase, over this call of `train` (step-times.ts);
   * computed when read.
   */
  readonly timePerStep: StepTimes;
}

/** Why `train` returned. */
export type StopReason = "total_timesteps" | "solved" | "interrupted" | "diverged";

/** Where a restored run stands: the records it had already reported before its checkpoint. */
export interface ResumePoint {
  step: number;
  episodes: number;
  evaluations: number;
}

export class DivergenceError extends Error {}

const CHECKPOINT_FORMAT = "gradc-dqn-checkpoint";

export class DQN {
  readonly network: QNetwork;
  /** The training copies (num_envs of them). */
  private readonly envs: Environment[];
  private readonly evalEnv: Environment;
  private readonly theta: Float64Array;
  private readonly target: Float64Array;
  private readonly grad: Float64Array;
  private readonly optimizer: Optimizer;
  private buffer: ReplayBuffer;
  private readonly rng: Random;
  private readonly batch: Batch;
  // Per-step scratch, allocated once.
  private readonly q: Float64Array;
  private readonly nextQ: Float64Array;
  private readonly nextQOnline: Float64Array;
  private readonly targets: Float64Array;
  private readonly tdErrors: Float64Array;
  /** Each training copy's current observation. */
  private readonly obs: Float64Array[];
  /** Each training copy's last transition, written in place by the environment. */
  private readonly transitions: StepResult[];
  private readonly output: RunOutput;

  // Counters: everything a checkpoint must carry besides the arrays.
  private step = 0;
  private episode = 0;
  private evaluationCount = 0;
  /** Per training copy: the running episode's return and length. */
  private readonly episodeReturns: Float64Array;
  private readonly episodeLengths: Float64Array;
  private readonly actions: Int32Array;
  /** False until the training copies have been reset (a fresh run) or restored mid-episode. */
  private episodesRunning = false;
  private lossSum = 0;
  private lossCount = 0;
  private recentReturns: number[] = [];
  /** The mean of recentReturns, recomputed when an episode ends (progress reads it every step). */
  private meanReturnValue = NaN;
  private solvedAtStep: number | null = null;
  private solvedAtSeconds: number | null = null;
  /** Set by stop_on_solve once solved and a greedy evaluation confirms it. */
  private stopped = false;
  private elapsedBefore = 0;
  private lastLoss = NaN;
  private stopRequested = false;
  /** The step of the last checkpoint handed to the output (null: none yet). */
  private checkpointStep: number | null = null;

  constructor(private readonly options: DQNOptions) {
    const c = options.config;
    this.envs = Array.from({ length: c.num_envs }, () => options.makeEnv());
    this.evalEnv = options.makeEnv();
    const { observationSize, actionCount } = this.envs[0];
    const make = c.network === "dueling" ? duelingQNetwork : mlpQNetwork;
    this.network = options.network ?? make(observationSize, actionCount, c.net_arch, { loss: c.loss, engine: c.engine, dtype: c.dtype });
    const n = this.network.parameterCount;
    this.theta = new Float64Array(n);
    this.target = new Float64Array(n);
    this.grad = new Float64Array(n);
    this.rng = new Random(c.seed);
    this.network.initialize(this.theta, this.rng);
    this.target.set(this.theta);
    this.optimizer = createOptimizer(c.optimizer, n, learningRateAt(c.learning_rate, 0));
    this.buffer = this.createBuffer();
    this.batch = createBatch(c.batch_size, observationSize);
    this.q = new Float64Array(c.batch_size * actionCount);
    this.nextQ = new Float64Array(c.batch_size * actionCount);
    this.nextQOnline = new Float64Array(c.batch_size * actionCount);
    this.targets = new Float64Array(c.batch_size);
    this.tdErrors = new Float64Array(c.batch_size);
    this.obs = this.envs.map(() => new Float64Array(observationSize));
    // reward starts as a non-integer so that V8 keeps the field as an unboxed double: rewards like
    // 0.5 are then written in place instead of allocating a number each step.
    this.transitions = this.envs.map(() => ({ obs: new Float64Array(observationSize), reward: NaN, terminated: false, truncated: false }));
    this.episodeReturns = new Float64Array(c.num_envs);
    this.episodeLengths = new Float64Array(c.num_envs);
    this.actions = new Int32Array(c.num_envs);
    this.output = options.output ?? {};
    if (this.output.checkpoint && this.envs.some((env) => !env.saveEpisode || !env.restoreEpisode)) {
      throw new Error(`${this.envs[0].name}: checkpoints need the environment's saveEpisode and restoreEpisode (extend EpisodicEnvironment, or give the trainer an output without checkpoint())`);
    }
  }

  private createBuffer(): ReplayBuffer {
    const c = this.options.config;
    return new ReplayBuffer({
      capacity: c.buffer_size,
      obsSize: this.envs[0].observationSize,
      gamma: c.gamma,
      nStep: c.n_steps,
      streams: c.num_envs,
      prioritized: c.prioritized_replay
        ? { alpha: c.prioritized_replay_alpha, beta0: c.prioritized_replay_beta0, betaSteps: c.total_timesteps, epsilon: c.prioritized_replay_eps }
        : null,
    });
  }

  /** ε at `step`: linear from the initial to the final value over exploration_fraction of the run. */
  epsilon(step: number): number {
    const c = this.options.config;
    const span = c.exploration_fraction * c.total_timesteps;
    if (span <= 0) return c.exploration_final_eps;
    const t = Math.min(1, step / span);
    return c.exploration_initial_eps + t * (c.exploration_final_eps - c.exploration_initial_eps);
  }

  /** The greedy policy of the current parameters, detached from training (what `gradc export` writes). */
  policy(): GreedyPolicy {
    const c = this.options.config;
    if (this.options.network) throw new Error("DQN.policy(): a policy file describes the config's built-in networks; save this custom network's parameters (dqn.parameters) yourself");
    return GreedyPolicy.fromJSON(
      policyRecord({
        env: this.envs[0].name,
        observationSize: this.network.observationSize,
        actionCount: this.network.actionCount,
        network: c.network,
        net_arch: c.net_arch,
        parameters: Array.from(this.theta),
        trainedSteps: this.step,
        seed: c.seed,
      }) satisfies PolicyFile,
    );
  }

  /** The parameters being trained (a view: do not keep it across steps). */
  get parameters(): Float64Array {
    return this.theta;
  }

  get targetParameters(): Float64Array {
    return this.target;
  }

  /** The first training copy's current observation (a view: copy it to keep it). */
  get observation(): Float64Array {
    return this.obs[0];
  }

  /** Environment steps taken so far (over all copies). */
  get stepsTaken(): number {
    return this.step;
  }

  /** True when `train` has nothing left to do: total_timesteps reached, or stopped once solved. */
  get finished(): boolean {
    return this.step >= this.options.config.total_timesteps || this.stopped;
  }

  /**
   * Asks a running `train` to stop after the current step (Ctrl-C, a Stop button). It then keeps
   * everything up to that step — a checkpoint, the records, the final evaluation and the summary
   * with stopReason "interrupted" — and returns. A loop that never yields (see
   * `yieldEveryMs`) only sees the request when it ends.
   */
  requestStop(): void {
    this.stopRequested = true;
  }

  /** Trains from the current state (a fresh run, or one `restore` set up) to total_timesteps or a stop. */
  async train(): Promise<Summary> {
    const c = this.options.config;
    const { yieldEveryMs } = this.options;
    const started = performance.now();
    const seconds = () => this.elapsedBefore + (performance.now() - started) / 1000;
    const stepsAtStart = this.step;
    const clock = new StepClock();
    const progress = new ProgressView(c.total_timesteps, clock);
    if (!this.episodesRunning) {
      this.envs.forEach((env, i) => this.obs[i].set(env.reset(this.episodeSeed())));
      this.episodesRunning = true;
    }
    let nextCheckpoint = c.checkpoint_freq > 0 ? (Math.floor(this.step / c.checkpoint_freq) + 1) * c.checkpoint_freq : Infinity;
    let diverged = false;
    let nextYield = started + (yieldEveryMs ?? 0);

    vectorSteps: while (this.step < c.total_timesteps && !this.stopped && !this.stopRequested) {
      clock.restart();
      const eps = this.epsilon(this.step);
      const actions = this.chooseActions(eps);
      clock.mark(Phase.acting);
      for (let i = 0; i < this.envs.length && this.step < c.total_timesteps; i++) {
        clock.restart();
        const transition = this.transitions[i];
        stepEnvironment(this.envs[i], actions[i], transition);
        const { terminated, truncated } = transition;
        clock.mark(Phase.environment);
        this.buffer.add(this.obs[i], actions[i], transition.reward, transition.obs, terminated, truncated, i);
        clock.mark(Phase.replay);
        this.obs[i].set(transition.obs);
        this.episodeReturns[i] += transition.reward;
        this.episodeLengths[i]++;
        this.step++;

        if (this.step > c.learning_starts && this.step % c.train_freq === 0) {
          try {
            clock.restart();
            for (let g = 0; g < c.gradient_steps; g++) this.trainStep(clock);
          } catch (e) {
            if (!(e instanceof DivergenceError)) throw e;
            await this.output.diverged?.(e.message, this.checkpointStep);
            diverged = true;
            break vectorSteps;
          }
        }
        if (this.step % c.target_update_interval === 0) {
          clock.restart();
          this.updateTarget();
          clock.mark(Phase.optimizer);
        }
        if (c.eval_freq > 0 && this.step % c.eval_freq === 0) {
          this.evaluationCount++;
          await this.output.evaluation?.(this.evaluate(c.n_eval_episodes, 1_000_000 + this.step));
        }

        if (terminated || truncated) {
          await this.endEpisode(i, eps, seconds());
          if (this.solvedAtStep === null && this.isSolved()) {
            this.solvedAtStep = this.step;
            this.solvedAtSeconds = seconds();
          }
          // Like SB3's StopTrainingOnRewardThreshold on an evaluation callback: stop only when the
          // greedy policy also reaches the threshold. A policy solved with ε-greedy exploration can
          // still fail greedily (a slow drift no random action breaks), so training goes on until it
          // does not. The evaluation episodes are seeded apart from the final evaluation's.
          if (c.stop_on_solve && this.solvedAtStep !== null && this.evaluate(c.n_eval_episodes, 3_000_000 + this.step).mean >= c.reward_threshold) {
            this.stopped = true;
          }
          this.obs[i].set(this.envs[i].reset(this.episodeSeed()));
          if (this.stopped) break;
        }
      }
      // Every copy's episode is saved with the checkpoint, so it can fall on any step.
      if (this.step >= nextCheckpoint) {
        await this.checkpoint(seconds());
        nextCheckpoint = (Math.floor(this.step / c.checkpoint_freq) + 1) * c.checkpoint_freq;
      }
      if (this.options.onProgress) {
        const p = progress;
        p.sessionSteps = this.step - stepsAtStart;
        p.sessionSeconds = (performance.now() - started) / 1000;
        p.step = this.step;
        p.episode = this.episode;
        p.lastReturn = this.recentReturns[this.recentReturns.length - 1] ?? NaN;
        p.meanReturn = this.meanReturnValue;
        p.epsilon = eps;
        p.loss = this.lastLoss;
        this.options.onProgress(p);
      }
      if (yieldEveryMs !== undefined && performance.now() >= nextYield) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        nextYield = performance.now() + yieldEveryMs;
      }
    }
    const stopReason: StopReason = diverged ? "diverged" : this.stopped ? "solved" : this.step >= c.total_timesteps ? "total_timesteps" : "interrupted";
    const trainingSeconds = seconds();
    const timePerStep = clock.perStep(this.step - stepsAtStart, trainingSeconds - this.elapsedBefore, emptyStepTimes());
    // A diverged run keeps its last good checkpoint: continuing from the step that diverged would
    // diverge again.
    if (!diverged && this.checkpointStep !== this.step) await this.checkpoint(trainingSeconds);
    const finalRow = this.evaluate(c.n_final_eval_episodes, 2_000_000);
    const finalEval = { mean: finalRow.mean, std: finalRow.std, episodes: finalRow.episodes };
    await this.output.evaluation?.({ ...finalRow, final: 1 });
    const summary: Summary = {
      env: this.envs[0].name,
      engine: c.engine,
      dtype: c.dtype,
      network: this.network.description,
      seed: c.seed,
      stopReason,
      solved: this.solvedAtStep !== null,
      solvedAtStep: this.solvedAtStep,
      solvedAtSeconds: this.solvedAtSeconds === null ? null : round(this.solvedAtSeconds, 3),
      finalEval,
      stepsPerSecond: round((this.step - stepsAtStart) / Math.max(1e-9, trainingSeconds - this.elapsedBefore), 1),
      timePerStep: Object.fromEntries(Object.entries(timePerStep).map(([phase, us]) => [phase, round(us, 1)])) as StepTimes,
      totalSteps: this.step,
      episodes: this.episode,
      wallSeconds: round(trainingSeconds, 3),
      diverged,
      checkpointStep: this.checkpointStep,
      finalMeanReturn: this.meanReturnValue,
      config: c,
    };
    await this.output.summary?.(summary);
    return summary;
  }

  /** ε-greedy actions for every training copy, drawing from the trainer's generator in copy order. */
  private chooseActions(eps: number): Int32Array {
    const actions = this.actions;
    for (let i = 0; i < this.envs.length; i++) {
      actions[i] = this.rng.nextFloat() < eps ? this.rng.nextInt(this.network.actionCount) : this.greedyAction(this.obs[i]);
    }
    return actions;
  }

  /** One gradient step on a sampled batch: TD targets from the target network, then the optimizer. */
  private trainStep(clock: StepClock): void {
    const c = this.options.config;
    const { batch, network } = this;
    const A = network.actionCount;
    const B = c.batch_size;
    this.buffer.setProgress(this.step);
    this.buffer.sample(batch, this.rng);
    clock.mark(Phase.replay);
    network.qValues(this.target, batch.nextObs, B, this.nextQ);
    if (c.double_dqn) network.qValues(this.theta, batch.nextObs, B, this.nextQOnline);
    for (let b = 0; b < B; b++) {
      // Double DQN: the online network picks a', the target network values it.
      const chooser = c.double_dqn ? this.nextQOnline : this.nextQ;
      let best = 0;
      for (let a = 1; a < A; a++) if (chooser[b * A + a] > chooser[b * A + best]) best = a;
      const bootstrap = this.nextQ[b * A + best];
      this.targets[b] = batch.rewards[b] + batch.discounts[b] * (1 - batch.dones[b]) * bootstrap;
    }
    clock.mark(Phase.target);
    const loss = network.lossAndGradient(this.grad, this.theta, batch.obs, batch.actions, this.targets, batch.weights, B);
    clock.mark(Phase.gradient);
    if (!Number.isFinite(loss)) throw new DivergenceError(`the loss became ${loss} at step ${this.step}`);
    const norm = clipGradientNorm(this.grad, c.max_grad_norm);
    if (!Number.isFinite(norm)) throw new DivergenceError(`the gradient norm became ${norm} at step ${this.step}`);
    this.optimizer.learningRate = learningRateAt(c.learning_rate, this.step / c.total_timesteps);
    this.optimizer.step(this.theta, this.grad);
    clock.mark(Phase.optimizer);
    if (this.buffer.isPrioritized) {
      network.qValues(this.theta, batch.obs, B, this.q);
      for (let b = 0; b < B; b++) this.tdErrors[b] = this.q[b * A + batch.actions[b]] - this.targets[b];
      this.buffer.updatePriorities(batch.indices, this.tdErrors);
      clock.mark(Phase.replay);
    }
    this.lossSum += loss;
    this.lossCount++;
    this.lastLoss = loss;
  }

  /** Hard copy (tau = 1) or Polyak averaging θ' ← τθ + (1 − τ)θ'. */
  private updateTarget(): void {
    const tau = this.options.config.tau;
    if (tau >= 1) {
      this.target.set(this.theta);
      return;
    }
    for (let i = 0; i < this.theta.length; i++) this.target[i] = tau * this.theta[i] + (1 - tau) * this.target[i];
  }

  private readonly actionQ = new Float64Array(64);

  greedyAction(obs: Float64Array, theta: Float64Array = this.theta): number {
    const A = this.network.actionCount;
    const q = this.actionQ.length >= A ? this.actionQ : new Float64Array(A);
    this.network.qValues(theta, obs, 1, q);
    let best = 0;
    for (let a = 1; a < A; a++) if (q[a] > q[best]) best = a;
    return best;
  }

  /** Greedy episodes on the evaluation copy of the environment, seeded independently of training. */
  evaluate(episodes: number, seedBase: number): EvaluationRow {
    const firstSeed = this.options.config.seed * 7919 + seedBase;
    const { mean, std } = runEpisodes(this.evalEnv, (obs) => this.greedyAction(obs), episodes, (e) => firstSeed + e);
    return { step: this.step, mean, std, episodes, final: 0 };
  }

  private async endEpisode(copy: number, epsilon: number, wallSeconds: number): Promise<void> {
    this.episode++;
    const row: EpisodeRow = {
      step: this.step,
      episode: this.episode,
      return: this.episodeReturns[copy],
      length: this.episodeLengths[copy],
      epsilon,
      loss: this.lossCount > 0 ? this.lossSum / this.lossCount : NaN,
      wall_seconds: wallSeconds,
    };
    this.recentReturns.push(this.episodeReturns[copy]);
    if (this.recentReturns.length > this.options.config.solve_window) this.recentReturns.shift();
    this.meanReturnValue = this.meanRecentReturn();
    this.episodeReturns[copy] = 0;
    this.episodeLengths[copy] = 0;
    this.lossSum = 0;
    this.lossCount = 0;
    await this.output.episode?.(row);
  }

  private isSolved(): boolean {
    const c = this.options.config;
    return this.recentReturns.length >= c.solve_window && this.meanReturnValue >= c.reward_threshold;
  }

  private meanRecentReturn(): number {
    const r = this.recentReturns;
    return r.length === 0 ? NaN : r.reduce((s, x) => s + x, 0) / r.length;
  }

  private episodeSeed(): number {
    return this.rng.nextUint32() & 0x7fffffff;
  }

  // ---------------------------------------------------------------------------------------------
  // Checkpoints

  private async checkpoint(wallSeconds: number): Promise<void> {
    // Encoding copies the replay buffer: skip it when nobody keeps checkpoints.
    if (!this.output.checkpoint) return;
    const replay = this.buffer.snapshot();
    const optimizer = this.optimizer.snapshot();
    const arrays: Record<string, StoredArray> = { theta: this.theta, target: this.target };
    optimizer.buffers.forEach((b, i) => (arrays[`optimizer.${i}`] = b));
    for (const [name, a] of Object.entries(replay.arrays)) arrays[`replay.${name}`] = a;
    this.obs.forEach((obs, i) => (arrays[`obs.${i}`] = obs));
    const meta = {
      format: CHECKPOINT_FORMAT,
      env: this.envs[0].name,
      observationSize: this.network.observationSize,
      actionCount: this.network.actionCount,
      parameterCount: this.theta.length,
      config: this.options.config,
      counters: {
        step: this.step,
        episode: this.episode,
        recentReturns: this.recentReturns,
        solvedAtStep: this.solvedAtStep,
        solvedAtSeconds: this.solvedAtSeconds,
        stopped: this.stopped,
        wallSeconds,
        lastLoss: Number.isFinite(this.lastLoss) ? this.lastLoss : null,
        lossSum: this.lossSum,
        lossCount: this.lossCount,
      },
      // The running episode of every training copy (their observations are the obs.<i> arrays).
      episodes: this.envs.map((env, i) => ({ env: env.saveEpisode!(), return: this.episodeReturns[i], length: this.episodeLengths[i] })),
      rng: this.rng.getState(),
      optimizer: { name: this.optimizer.name, step: optimizer.step, buffers: optimizer.buffers.length },
      replay: replay.meta,
      metricsRows: this.episode,
      evaluationRows: this.evaluationCount,
    };
    await this.output.checkpoint(encodeCheckpoint(meta, arrays));
    this.checkpointStep = this.step;
  }

  /**
   * Continues the run a checkpoint was taken from: call it before `train`. `source` names the
   * checkpoint (a file, say) in error messages. Returns how many records the run had reported,
   * so an output can drop any it received after the checkpoint (they will be reported again,
   * identically).
   */
  restore(bytes: Uint8Array, source = "checkpoint"): ResumePoint {
    const { meta, arrays } = decodeTrainingCheckpoint(bytes, source);
    const fail = (why: string): never => {
      throw new CheckpointError(`${source}: ${why}`);
    };
    const envName = this.envs[0].name;
    if (meta.env !== envName) fail(`it was written for ${meta.env}, not ${envName}`);
    const copies = meta.config?.num_envs ?? 1;
    if (copies !== this.envs.length) fail(`it was written with num_envs ${copies}, this trainer has ${this.envs.length}`);
    if (meta.parameterCount !== this.theta.length) fail(`it holds ${meta.parameterCount} parameters, this network has ${this.theta.length} (different net_arch?)`);
    const take = (name: string, into: Float64Array) => {
      const a = arrays[name];
      if (!(a instanceof Float64Array) || a.length !== into.length) fail(`array '${name}' is missing or has the wrong size`);
      into.set(a as Float64Array);
    };
    take("theta", this.theta);
    take("target", this.target);
    const buffers = Array.from({ length: meta.optimizer.buffers }, (_, i) => arrays[`optimizer.${i}`] as Float64Array);
    if (meta.optimizer.name !== this.optimizer.name || buffers.some((b) => !(b instanceof Float64Array))) fail("its optimizer state does not match the config's optimizer");
    this.optimizer.restore({ step: meta.optimizer.step, buffers });
    const replayArrays = Object.fromEntries(
      Object.entries(arrays)
        .filter(([name]) => name.startsWith("replay."))
        .map(([name, a]) => [name.slice("replay.".length), a]),
    );
    try {
      this.buffer = ReplayBuffer.restore({ meta: meta.replay, arrays: replayArrays } as ReplaySnapshot);
    } catch (e) {
      fail(`its replay buffer is invalid: ${(e as Error).message}`);
    }
    this.rng.setState(meta.rng);
    const k = meta.counters;
    this.step = k.step;
    this.episode = k.episode;
    this.evaluationCount = meta.evaluationRows;
    this.recentReturns = k.recentReturns;
    this.meanReturnValue = this.meanRecentReturn();
    this.solvedAtStep = k.solvedAtStep;
    this.solvedAtSeconds = k.solvedAtSeconds;
    this.stopped = k.stopped === true;
    this.elapsedBefore = k.wallSeconds;
    this.lastLoss = k.lastLoss ?? NaN;
    this.lossSum = k.lossSum ?? 0;
    this.lossCount = k.lossCount ?? 0;
    this.checkpointStep = k.step;
    // Checkpoints before episode snapshots existed were taken between episodes: train() resets.
    this.episodesRunning = Array.isArray(meta.episodes);
    if (this.episodesRunning) {
      if (meta.episodes.length !== this.envs.length) fail(`it holds ${meta.episodes.length} running episodes for ${this.envs.length} environment copies`);
      this.envs.forEach((env, i) => {
        const episode = meta.episodes[i];
        const obs = arrays[`obs.${i}`];
        if (!(obs instanceof Float64Array) || obs.length !== this.obs[i].length) fail(`array 'obs.${i}' is missing or has the wrong size`);
        try {
          env.restoreEpisode!(episode.env);
        } catch (e) {
          fail(`environment copy ${i}: ${(e as Error).message}`);
        }
        this.obs[i].set(obs as Float64Array);
        this.episodeReturns[i] = episode.return;
        this.episodeLengths[i] = episode.length;
      });
    }
    return { step: this.step, episodes: meta.metricsRows, evaluations: meta.evaluationRows };
  }
}

/**
 * The config a training checkpoint's run was started with (a resumed run continues with it),
 * checked like a config file; keys added since the checkpoint was written take their defaults.
 */
export function checkpointConfig(bytes: Uint8Array, source = "checkpoint"): DQNConfig {
  return mergeConfig(BASE_CONFIG, decodeTrainingCheckpoint(bytes, source).meta.config, `${source} (its config)`);
}

function decodeTrainingCheckpoint(bytes: Uint8Array, source: string): DecodedCheckpoint {
  const decoded = decodeCheckpoint(bytes, source);
  if (decoded.meta?.format !== CHECKPOINT_FORMAT) throw new CheckpointError(`${source}: not a DQN training checkpoint`);
  return decoded;
}

/** The object `onProgress` receives: fields updated in place each step, rates computed when read. */
class ProgressView implements Progress {
  step = 0;
  episode = 0;
  lastReturn = NaN;
  meanReturn = NaN;
  epsilon = NaN;
  loss = NaN;
  /** Steps taken and seconds spent in this call of `train`. */
  sessionSteps = 0;
  sessionSeconds = NaN;

  constructor(
    readonly totalSteps: number,
    private readonly clock: StepClock,
  ) {}

  get stepsPerSecond(): number {
    return this.sessionSteps / Math.max(1e-9, this.sessionSeconds);
  }

  get timePerStep(): StepTimes {
    return this.clock.perStep(this.sessionSteps, this.sessionSeconds, emptyStepTimes());
  }
}

/** One step of `env` into `into`: in place when the environment can (`stepInto`), else copied from `step`. */
function stepEnvironment(env: Environment, action: number, into: StepResult): void {
  if (env.stepInto) {
    env.stepInto(action, into);
    return;
  }
  const result = env.step(action);
  into.obs.set(result.obs);
  into.reward = result.reward;
  into.terminated = result.terminated;
  into.truncated = result.truncated;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
