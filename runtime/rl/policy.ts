/**
 * A trained agent without its training state: the Q-network's architecture and parameters, which
 * act greedily. A checkpoint holds the replay buffer and optimizer too (megabytes); a policy file is
 * the network alone, as JSON — what `gradc export` writes, `gradc eval` and a web page load.
 *
 *   const policy = GreedyPolicy.fromJSON(JSON.parse(text));
 *   const action = policy.act(observation);
 *
 * Numbers are written by JSON.stringify, which round-trips every float64 exactly, so an exported
 * policy acts exactly as the network did in training.
 */
import { CheckpointError, decodeCheckpoint } from "./checkpoint.js";
import { makeEnvironment } from "./envs/index.js";
import type { Environment } from "./envs/types.js";
import { duelingQNetwork, mlpQNetwork, type QNetwork } from "./qnetwork.js";

export const POLICY_FORMAT = "gradc-policy";
const POLICY_VERSION = 1;

/** The contents of a policy file. */
export interface PolicyFile {
  format: typeof POLICY_FORMAT;
  version: typeof POLICY_VERSION;
  /** The Gymnasium id the policy was trained on. */
  env: string;
  observationSize: number;
  actionCount: number;
  network: "mlp" | "dueling";
  net_arch: number[];
  /** The online network's parameters, in the layout of runtime/rl/networks/. */
  parameters: number[];
  /** Environment steps of training behind these parameters, and the run's seed. */
  trainedSteps: number;
  seed: number;
}

/** A policy file's record of `fields`: what it holds, under the current format and version. */
export function policyRecord<T>(fields: T): T & Pick<PolicyFile, "format" | "version"> {
  return { format: POLICY_FORMAT, version: POLICY_VERSION, ...fields };
}

export class PolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PolicyError";
  }
}

export class GreedyPolicy {
  private readonly network: QNetwork;
  private readonly theta: Float64Array;
  private readonly q: Float64Array;

  private constructor(readonly file: PolicyFile) {
    const make = file.network === "dueling" ? duelingQNetwork : mlpQNetwork;
    this.network = make(file.observationSize, file.actionCount, file.net_arch, { loss: "huber", engine: "compiled" });
    if (this.network.parameterCount !== file.parameters.length) {
      throw new PolicyError(`a ${file.network} ${[file.observationSize, ...file.net_arch, file.actionCount].join("-")} network has ${this.network.parameterCount} parameters, the policy holds ${file.parameters.length}`);
    }
    this.theta = Float64Array.from(file.parameters);
    this.q = new Float64Array(file.actionCount);
  }

  /** A policy from parsed JSON (a policy file), every field checked; `source` starts error messages. */
  static fromJSON(value: unknown, source = "policy"): GreedyPolicy {
    const bad = (why: string): never => {
      throw new PolicyError(`${source}: ${why}`);
    };
    if (typeof value !== "object" || value === null) bad("not a JSON object");
    const v = value as Record<string, unknown>;
    if (v.format !== POLICY_FORMAT) bad(`not a gradc policy (format ${JSON.stringify(v.format)}, expected "${POLICY_FORMAT}")`);
    if (v.version !== POLICY_VERSION) bad(`policy version ${JSON.stringify(v.version)}, this gradc reads version ${POLICY_VERSION}`);
    const positiveInt = (key: string) => (Number.isInteger(v[key]) && (v[key] as number) > 0) || bad(`'${key}' must be a positive integer`);
    positiveInt("observationSize");
    positiveInt("actionCount");
    if (typeof v.env !== "string") bad("'env' must be a string");
    if (v.network !== "mlp" && v.network !== "dueling") bad(`'network' must be "mlp" or "dueling"`);
    if (!Array.isArray(v.net_arch) || !v.net_arch.every((w) => Number.isInteger(w) && w > 0)) bad("'net_arch' must be a list of positive integers");
    if (!Array.isArray(v.parameters) || !v.parameters.every((p) => typeof p === "number" && Number.isFinite(p))) bad("'parameters' must be a list of finite numbers");
    if (!Number.isInteger(v.trainedSteps) || !Number.isInteger(v.seed)) bad("'trainedSteps' and 'seed' must be integers");
    try {
      return new GreedyPolicy(value as PolicyFile);
    } catch (e) {
      throw e instanceof PolicyError ? new PolicyError(`${source}: ${e.message}`) : e;
    }
  }

  /** The policy of a training checkpoint (its online network). */
  static fromCheckpoint(bytes: Uint8Array, source = "checkpoint"): GreedyPolicy {
    const { meta, arrays } = decodeCheckpoint(bytes, source);
    const theta = arrays.theta;
    if (!(theta instanceof Float64Array) || typeof meta?.config !== "object") throw new CheckpointError(`${source}: not a DQN training checkpoint`);
    // Checkpoints record the sizes; older ones are read through the environment registry.
    let sizes: { observationSize: unknown; actionCount: unknown } = meta;
    if (meta.observationSize === undefined) {
      try {
        sizes = makeEnvironment(meta.env);
      } catch {
        throw new CheckpointError(`${source}: this checkpoint does not record its observation and action sizes, and ${JSON.stringify(meta.env)} is not a built-in environment`);
      }
    }
    return GreedyPolicy.fromJSON(
      policyRecord({
        env: meta.env,
        observationSize: sizes.observationSize,
        actionCount: sizes.actionCount,
        network: meta.config.network ?? "mlp",
        net_arch: meta.config.net_arch,
        parameters: Array.from(theta),
        trainedSteps: meta.counters.step,
        seed: meta.config.seed,
      }) satisfies Record<keyof PolicyFile, unknown>,
      source,
    );
  }

  get env(): string {
    return this.file.env;
  }

  /** The Q-value of every action in `obs` (a fresh array). */
  qValues(obs: ArrayLike<number>): Float64Array {
    if (obs.length !== this.file.observationSize) throw new RangeError(`GreedyPolicy: observations of ${this.file.env} have ${this.file.observationSize} numbers, got ${obs.length}`);
    this.network.qValues(this.theta, Float64Array.from(obs), 1, this.q);
    return this.q.slice();
  }

  /** The greedy action in `obs` (the first of equal Q-values, as in training). */
  act(obs: ArrayLike<number>): number {
    const q = this.qValues(obs);
    let best = 0;
    for (let a = 1; a < q.length; a++) if (q[a] > q[best]) best = a;
    return best;
  }

  toJSON(): PolicyFile {
    return this.file;
  }
}

/** Returns of greedy episodes, and their mean and (population) standard deviation. */
export interface EvaluationResult {
  mean: number;
  std: number;
  episodes: number;
  returns: number[];
}

/**
 * Runs `episodes` episodes of `act` on `env`, episode e reset with seed `seedOf(e)`, to their end
 * (termination or the time limit). `onState(env, episode)`, if given, sees every state: after
 * each reset and after each step (to record or draw it).
 */
export function runEpisodes(
  env: Environment,
  act: (obs: Float64Array) => number,
  episodes: number,
  seedOf: (episode: number) => number,
  onState?: (env: Environment, episode: number) => void,
): EvaluationResult {
  const returns: number[] = [];
  for (let e = 0; e < episodes; e++) {
    let obs = env.reset(seedOf(e));
    onState?.(env, e);
    let total = 0;
    for (;;) {
      const result = env.step(act(obs));
      onState?.(env, e);
      total += result.reward;
      obs = result.obs;
      if (result.terminated || result.truncated) break;
    }
    returns.push(total);
  }
  const mean = returns.reduce((s, r) => s + r, 0) / returns.length;
  const std = Math.sqrt(returns.reduce((s, r) => s + (r - mean) ** 2, 0) / returns.length);
  return { mean, std, episodes, returns };
}

/**
 * A greedy policy from what a page has in hand: a policy file's parsed JSON or its text (what
 * `gradc export` writes, fetched: `loadPolicy(await (await fetch("policy.json")).json())`), or a
 * checkpoint's bytes. `act(obs)` then gives the greedy action. Under Node, `gradc/rl` also takes
 * a path (a policy file, a checkpoint or a run folder).
 */
export function loadPolicy(source: unknown, name = "policy"): GreedyPolicy {
  if (source instanceof Uint8Array) return GreedyPolicy.fromCheckpoint(source, name);
  if (typeof source === "string") {
    if (!source.trimStart().startsWith("{")) {
      throw new PolicyError(`loadPolicy: '${source.slice(0, 80)}' is not a policy's JSON text; in a browser, fetch the file first: loadPolicy(await (await fetch(url)).json())`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(source);
    } catch (e) {
      throw new PolicyError(`${name}: not valid JSON (${(e as Error).message})`);
    }
    return GreedyPolicy.fromJSON(parsed, name);
  }
  return GreedyPolicy.fromJSON(source, name);
}
