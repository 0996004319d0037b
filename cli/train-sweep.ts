/**
 * `gradc train ENV --seeds 0-9 [--jobs N]`: one `gradc train` process per seed, at most `--jobs`
 * at a time, each in DIR/seed-<s>/, then the aggregate of their folders (aggregate.json,
 * aggregate.md, curves.svg; runtime/rl/node/sweep/). Processes rather than threads: a seed that
 * crashes or diverges cannot take the others down, each seed is an ordinary run folder
 * (resumable, inspectable), and a cluster can run the same command one seed per machine.
 *
 * Ctrl-C reaches the children too (the terminal signals the whole process group) and they save
 * themselves; the sweep starts no new seed, waits for the running ones, writes the aggregate of
 * what exists and says how to resume. SIGTERM is handled the same way, and like Ctrl-C it is
 * not forwarded: sent to the group (kill -TERM -- -PGID) every child saves itself; sent to this
 * process alone, the running seeds finish first.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { DQNConfig } from "../runtime/rl/config.js";
import { makeEnvironment } from "../runtime/rl/envs/index.js";
import type { Environment } from "../runtime/rl/envs/types.js";
import { writeFileAtomically } from "../runtime/rl/node/atomic-write.js";
import { loadRunConfig } from "../runtime/rl/node/run-config.js";
import type { Aggregate, SeedRecord } from "../runtime/rl/node/sweep/aggregate.js";
import { estimateText, ret, steps } from "../runtime/rl/node/sweep/aggregate-markdown.js";
import { seedFolderState, writeStderrTail } from "../runtime/rl/node/sweep/seed-folder.js";
import { formatSeedList, sweepFolderName } from "../runtime/rl/node/sweep/seed-list.js";
import { clearSweep, collectRecords, holdsSweep, type SeedOutcome, seedFolder, SWEEP_CONFIG, writeAggregate } from "../runtime/rl/node/sweep/sweep-folder.js";
import { runSeedProcess, seedStatus } from "./seed-process.js";
import { SIGNAL_EXIT_CODES, type StopSignal, shellWord } from "./signals.js";
import { sweepProgress } from "./sweep-progress.js";

export { parseSeedList } from "../runtime/rl/node/sweep/seed-list.js";

/** `gradc train`'s flags as a sweep reads them. */
export interface SeedSweepOptions {
  /** `--seeds`, parsed by `parseSeedList`. */
  seeds: number[];
  /** At most this many seeds at a time (default: the number of CPUs). */
  jobs?: number;
  /** The sweep's folder (default runs/<env>-seeds<first>-<last>). */
  out?: string;
  /** Continue the sweep in this folder. */
  resume?: string;
  steps?: number;
  numEnvs?: number;
  config?: string;
  engine?: string;
  dtype?: string;
  /** Start afresh in a folder that already holds a sweep. */
  force?: boolean;
  /** Only aggregate the seed folders already in the sweep's folder. */
  aggregateOnly?: boolean;
  /** `--seed`: refused, since every seed of the sweep has its own. */
  seed?: number;
}

/** A seed to train, and the arguments of its `gradc train`. */
interface Plan {
  seed: number;
  args: string[];
}

/** Runs (or resumes, or only aggregates) a sweep; returns the exit code. Usage errors throw. */
export async function runSeedSweep(envName: string, options: SeedSweepOptions): Promise<number> {
  if (options.seed !== undefined) throw new Error("--seed and --seeds: give one (each seed of --seeds trains in a process of its own)");
  const jobs = options.jobs ?? os.availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs expects a positive integer, got ${jobs}`);
  if (options.resume !== undefined && options.out !== undefined && path.resolve(options.resume) !== path.resolve(options.out)) {
    throw new Error("--out and --resume name different folders: a resumed sweep continues in its own folder");
  }
  const env = makeEnvironment(envName);
  const dir = options.resume ?? options.out ?? path.join("runs", sweepFolderName(env.name, options.seeds));

  if (options.aggregateOnly) {
    if (!fs.existsSync(dir)) throw new Error(`--aggregate-only: there is no folder ${dir} (name the sweep's folder with --out)`);
    const records = checkedRecords(dir, env, options.seeds, new Map());
    if (records.every((r) => r.status === "missing")) throw new Error(`--aggregate-only: ${dir} has no seed-<s> folder for seeds ${formatSeedList(options.seeds)}`);
    report(await writeAggregate(dir, env.name, records, existingSweepConfig(dir, env, options)), dir);
    return 0;
  }

  const resuming = options.resume !== undefined;
  const all = resuming ? planResume(dir, env, options) : planFresh(dir, env, options);
  const config = existingSweepConfig(dir, env, options);
  const queue = all.filter((p): p is Plan => p.args !== null);
  process.stderr.write(`gradc train: ${queue.length} of ${all.length} seeds to run, at most ${jobs} at a time → ${dir}\n`);
  const progress = sweepProgress(`${env.name} seeds ${formatSeedList(options.seeds)}`, queue.length, config.total_timesteps, all.length - queue.length);
  let stopSignal: StopSignal | undefined;
  const onSignal = (signal: StopSignal) => {
    if (stopSignal === undefined) progress.note(`${signal}: no new seed starts; waiting for the running seeds to save themselves.`);
    stopSignal ??= signal;
  };
  const onInt = () => onSignal("SIGINT");
  const onTerm = () => onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  try {
    const outcomes = new Map<number, SeedOutcome>();
    const worker = async () => {
      for (let plan = queue.shift(); plan !== undefined && stopSignal === undefined; plan = queue.shift()) {
        const { seed, args } = plan;
        progress.started(seed, config.total_timesteps);
        const result = await runSeedProcess(args, (step, total) => progress.progressed(seed, step, total));
        writeStderrTail(seedFolder(dir, seed), result.stderrTail);
        const status = seedStatus(result, seedFolderState(seedFolder(dir, seed), options.steps));
        outcomes.set(seed, { status, exitCode: result.exitCode });
        progress.ended(seed, result.exitCode === null || result.exitCode === 0 ? status : `${status} (exit ${result.exitCode})`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(jobs, queue.length) }, worker));
    progress.stop();
    const records = checkedRecords(dir, env, options.seeds, outcomes);
    report(await writeAggregate(dir, env.name, records, config), dir);
    const unfinished = records.filter((r) => r.status !== "done" && r.status !== "diverged");
    if (unfinished.length > 0) {
      const jobsFlag = options.jobs === undefined ? "" : ` --jobs ${options.jobs}`;
      process.stderr.write(
        `gradc train: ${unfinished.length} of ${records.length} seeds did not finish (${unfinished.map((r) => `${r.seed} ${r.status}`).join(", ")}). ` +
          `Continue the sweep with: gradc train ${env.name} --seeds ${formatSeedList(options.seeds)} --resume ${shellWord(dir)}${jobsFlag}\n`,
      );
    }
    return stopSignal !== undefined ? SIGNAL_EXIT_CODES[stopSignal] : unfinished.length > 0 ? 1 : 0;
  } finally {
    progress.stop();
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  }
}

/**
 * A new sweep: refuses a folder holding one unless --force, and writes config.json, the resolved
 * config with every hyperparameter spelled out: every seed starts from it, a resumed sweep starts
 * its remaining seeds from it whatever flags it is given, and it documents the sweep.
 */
function planFresh(dir: string, env: Environment, options: SeedSweepOptions): Plan[] {
  if (holdsSweep(dir)) {
    if (!options.force) throw new Error(`${dir} already holds a sweep: --resume ${shellWord(dir)} continues it, --force starts these seeds afresh (deleting their folders)`);
    clearSweep(dir, options.seeds);
  }
  const { seed: _eachRunItsOwn, ...shared } = loadRunConfig(env.name, options.config, flagOverrides(options));
  const configFile = path.join(dir, SWEEP_CONFIG);
  writeFileAtomically(configFile, JSON.stringify(shared, null, 2) + "\n");
  return options.seeds.map((seed) => ({ seed, args: startArgs(dir, env, seed, ["--config", configFile]) }));
}

/**
 * A sweep continued: a seed whose run finished is skipped (args null), one with a checkpoint
 * resumes from it, any other starts afresh (its folder holds nothing to continue from). --steps,
 * --engine and --dtype apply to every seed run, as they do to `gradc train --resume`.
 */
function planResume(dir: string, env: Environment, options: SeedSweepOptions): { seed: number; args: string[] | null }[] {
  if (!fs.existsSync(dir)) throw new Error(`--resume ${dir}: there is no such folder`);
  const configFile = path.join(dir, SWEEP_CONFIG);
  const hasConfig = fs.existsSync(configFile);
  if (hasConfig && (options.config !== undefined || options.numEnvs !== undefined)) {
    throw new Error(`--resume ${dir}: the sweep's seeds start from ${configFile}; --config and --num-envs are for new sweeps`);
  }
  const changes = [
    ...(options.steps !== undefined ? ["--steps", String(options.steps)] : []),
    ...(options.engine !== undefined ? ["--engine", options.engine] : []),
    ...(options.dtype !== undefined ? ["--dtype", options.dtype] : []),
  ];
  // Without config.json (seed folders gathered from elsewhere), new seeds take the flags given.
  const configFlags = hasConfig
    ? ["--config", configFile]
    : [...(options.config !== undefined ? ["--config", options.config] : []), ...(options.numEnvs !== undefined ? ["--num-envs", String(options.numEnvs)] : [])];
  return options.seeds.map((seed) => {
    const folder = seedFolder(dir, seed);
    const state = seedFolderState(folder, options.steps);
    if (state.kind === "finished") return { seed, args: null };
    if (state.kind === "resumable") return { seed, args: [env.name, "--resume", folder, ...changes] };
    fs.rmSync(folder, { recursive: true, force: true });
    return { seed, args: [...startArgs(dir, env, seed, configFlags), ...changes] };
  });
}

function startArgs(dir: string, env: Environment, seed: number, configFlags: string[]): string[] {
  return [env.name, "--seed", String(seed), "--out", seedFolder(dir, seed), ...configFlags];
}

function flagOverrides(options: SeedSweepOptions): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  if (options.steps !== undefined) overrides.total_timesteps = options.steps;
  if (options.numEnvs !== undefined) overrides.num_envs = options.numEnvs;
  if (options.engine !== undefined) overrides.engine = options.engine;
  if (options.dtype !== undefined) overrides.dtype = options.dtype;
  return overrides;
}

/** The config of a sweep already in `dir`: its config.json, or, for folders gathered from elsewhere, the flags'. */
function existingSweepConfig(dir: string, env: Environment, options: SeedSweepOptions): DQNConfig {
  const configFile = path.join(dir, SWEEP_CONFIG);
  return loadRunConfig(env.name, fs.existsSync(configFile) ? configFile : options.config, flagOverrides(options));
}

/** The seeds' records, refusing a folder whose runs are of another environment or seed. */
function checkedRecords(dir: string, env: Environment, seeds: readonly number[], outcomes: ReadonlyMap<number, SeedOutcome>): SeedRecord[] {
  const records = collectRecords(dir, seeds, outcomes);
  for (const r of records) {
    if (r.summary !== null && (r.summary.env !== env.name || r.summary.seed !== r.seed)) {
      throw new Error(`${path.join(seedFolder(dir, r.seed), "summary.json")} is a run of ${r.summary.env} with seed ${r.summary.seed}, not ${env.name} with seed ${r.seed}`);
    }
  }
  return records;
}

function report(a: Aggregate, dir: string): void {
  const lines = [`${a.env}, seeds ${formatSeedList(a.seeds)}: solved ${a.solved} of ${a.finished} finished runs (${a.seeds.length} seeds).`];
  if (a.stepsToSolve !== null) lines.push(`Steps to solve: median ${estimateText(a.stepsToSolve.median, steps)}, IQM ${estimateText(a.stepsToSolve.iqm, steps)} (≥: unsolved runs count at their step budget).`);
  if (a.finalEval !== null) lines.push(`Final greedy evaluation: median ${estimateText(a.finalEval.median, ret)}, IQM ${estimateText(a.finalEval.iqm, ret)}.`);
  lines.push(`Results in ${dir}/: aggregate.md, aggregate.json, curves.svg, and each seed's run in seed-<s>/.`);
  process.stdout.write(lines.join("\n") + "\n");
}
