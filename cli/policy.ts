/**
 * `gradc eval SOURCE` and `gradc export RUN`: use a trained agent without its training state.
 * `eval` runs greedy episodes of the policy in a run folder, checkpoint or policy file on the
 * environment it was trained on; `export` writes a run's greedy policy as a small JSON file.
 */
import fs from "node:fs";
import path from "node:path";
import { makeEnvironment } from "../runtime/rl/envs/index.js";
import { runEpisodes } from "../runtime/rl/policy.js";
import { loadPolicy, savePolicy } from "../runtime/rl/node/policy-file.js";
import { writeFileAtomically } from "../runtime/rl/node/atomic-write.js";

export interface EvalOptions {
  episodes: number;
  /** Episode e is reset with seed + e. */
  seed: number;
  json?: string;
}

/** Prints the greedy return over `episodes` episodes; returns the exit code. */
export function evaluatePolicyCommand(source: string, options: EvalOptions): number {
  const policy = loadPolicy(source);
  const env = makeEnvironment(policy.env);
  const result = runEpisodes(env, (obs) => policy.act(obs), options.episodes, (e) => options.seed + e);
  const min = Math.min(...result.returns);
  const max = Math.max(...result.returns);
  process.stdout.write(
    `${policy.env}: greedy return ${result.mean.toFixed(1)} ± ${result.std.toFixed(1)} over ${result.episodes} episodes (min ${min}, max ${max}; seeds ${options.seed}…${options.seed + options.episodes - 1}; policy after ${policy.file.trainedSteps} training steps)\n`,
  );
  if (options.json) {
    const record = { env: policy.env, source: path.resolve(source), trainedSteps: policy.file.trainedSteps, seeds: [options.seed, options.seed + options.episodes - 1], ...result };
    writeFileAtomically(options.json, JSON.stringify(record, null, 2) + "\n");
  }
  return 0;
}

/** Writes the greedy policy of `run` (a run folder or checkpoint) to `out` (default RUN/policy.json). */
export function exportPolicyCommand(run: string, out: string | undefined): number {
  const policy = loadPolicy(run);
  const isFolder = fs.statSync(run).isDirectory();
  const file = out ?? (isFolder ? path.join(run, "policy.json") : path.join(path.dirname(run), "policy.json"));
  const bytes = savePolicy(policy, file);
  process.stdout.write(`${policy.env}: greedy policy (${policy.file.network} ${[policy.file.observationSize, ...policy.file.net_arch, policy.file.actionCount].join("-")}, ${policy.file.parameters.length} parameters, after ${policy.file.trainedSteps} steps) written to ${file} (${(bytes / 1024).toFixed(1)} KB)\n`);
  return 0;
}
