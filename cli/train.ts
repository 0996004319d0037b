/**
 * `gradc train ENV …`: parses the arguments after `train`, trains with the folder-backed
 * `DQNTrainer` and reports as it goes — a progress bar on a terminal, plain log lines otherwise.
 * The CLI imports `main`; nothing runs on import.
 *
 * With --seeds it runs one such process per seed instead (cli/train-sweep.ts) and aggregates them.
 *
 * Exit codes: 0 trained (or nothing left to do), 1 an error (bad flags, config or checkpoint),
 * 3 training diverged, 130 stopped by Ctrl-C (SIGINT), 143 stopped by SIGTERM. On either signal the
 * run keeps everything up to the step it stopped at and can be resumed; a second signal exits at
 * once.
 */
import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import cliProgress from "cli-progress";
import { type DQNConfig, mergeConfig } from "../runtime/rl/config.js";
import { checkpointConfig, type Progress } from "../runtime/rl/dqn.js";
import { environmentIds, makeEnvironment } from "../runtime/rl/envs/index.js";
import { readCheckpointFile } from "../runtime/rl/node/checkpoint-file.js";
import { DQNTrainer } from "../runtime/rl/node/dqn-trainer.js";
import { loadRunConfig } from "../runtime/rl/node/run-config.js";
import { RUN_FILES, RunFolder } from "../runtime/rl/node/run-folder.js";
import { formatStepTimes } from "../runtime/rl/step-times.js";
import { SIGNAL_EXIT_CODES, type StopSignal, shellWord } from "./signals.js";
import { parseSeedList, runSeedSweep } from "./train-sweep.js";

interface TrainFlags {
  seed?: number;
  steps?: number;
  numEnvs?: number;
  config?: string;
  out?: string;
  engine?: string;
  dtype?: string;
  resume?: string;
  force?: boolean;
  seeds?: number[];
  jobs?: number;
  aggregateOnly?: boolean;
}

/** Exit code of a run that diverged (a non-finite loss or gradient). */
export const EXIT_DIVERGED = 3;

/** A mistake in how gradc train was called: reported as one line, exit code 1. */
class UsageError extends Error {}

/** Runs `gradc train` with `argv`, the arguments after `train` (e.g. ["CartPole-v1", "--steps", "5000"]). */
export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name("gradc train")
    .argument("<env>", `${environmentIds().join(", ")} (short names work too)`)
    .option("--seed <n>", "random seed", (v) => parseInteger("--seed", v))
    .option("--steps <n>", "total environment steps (total_timesteps); with --resume, a longer run continues", (v) => parseInteger("--steps", v))
    .option("--num-envs <n>", "environment copies stepped together (num_envs)", (v) => parseInteger("--num-envs", v))
    .option("--config <file>", "a JSON file of hyperparameters (SB3 names) over the environment's defaults")
    .option("--out <dir>", "output folder (default runs/<env>-seed<seed>); one that already holds a run is refused without --force")
    .option("--engine <engine>", "compiled (generated JavaScript gradients), wasm (the same as WebAssembly) or tape (the tape engine)")
    .option("--dtype <dtype>", "float64, or float32 with --engine wasm: the loss gradient in float32 (weights and optimizer stay float64)")
    .option("--resume <dir>", "continue the run whose checkpoint is in this folder (with its own config; --steps, --engine and --dtype may change)")
    .option("--force", "replace the run (with --seeds: the sweep) already in the output folder")
    .option("--seeds <list>", "one run per seed (0-9, 3,5,7 or 0-4,10) in parallel processes, aggregated; --out defaults to runs/<env>-seeds<first>-<last>", (v) => parseSeedList(v))
    .option("--jobs <n>", "with --seeds: at most this many runs at a time (default: the number of CPUs)", (v) => parseInteger("--jobs", v))
    .option("--aggregate-only", "with --seeds: aggregate the seed folders already in --out, train nothing")
    .exitOverride()
    .action(train);
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "commander.helpDisplayed" || code === "commander.version") return;
    // Commander has already printed its own parse errors.
    if (code === undefined || !code.startsWith("commander.")) process.stderr.write(`gradc train: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}

async function train(envName: string, flags: TrainFlags): Promise<void> {
  if (flags.seeds !== undefined) {
    process.exitCode = await runSeedSweep(envName, { ...flags, seeds: flags.seeds });
    return;
  }
  if (flags.jobs !== undefined || flags.aggregateOnly) throw new UsageError("--jobs and --aggregate-only go with --seeds");
  const env = makeEnvironment(envName);
  const { config, outDir } = flags.resume !== undefined ? resumedRun(flags.resume, flags) : newRun(env.name, flags);
  let onProgress: (p: Progress) => void = () => {};
  const trainer = new DQNTrainer({
    config,
    makeEnv: () => makeEnvironment(envName),
    outDir,
    resumeFrom: flags.resume,
    onProgress: (p) => onProgress(p),
    // The loop gives the event loop a turn every 100 ms, so Ctrl-C is seen within that.
    yieldEveryMs: 100,
  });
  const resume = `gradc train ${env.name} --resume ${shellWord(outDir)}`;
  if (trainer.finished) {
    const why = trainer.stepsTaken >= config.total_timesteps ? `it reached its ${config.total_timesteps} steps (pass a larger --steps to train further)` : `it stopped once solved, at step ${trainer.stepsTaken}`;
    process.stdout.write(`${env.name}: the run in ${outDir}/ is already finished: ${why}. Nothing was changed.\n`);
    return;
  }
  if (flags.resume === undefined && flags.force) clearRunFolder(outDir);

  const report = progressReporter(env.name, config, trainer.stepsTaken);
  onProgress = report.update;
  const stopOnSignal = signalHandler(trainer, report);
  process.stderr.write(`gradc train: ${env.name}, ${trainer.network.description}, seed ${config.seed}, ${config.total_timesteps} steps${config.num_envs > 1 ? ` over ${config.num_envs} environment copies` : ""}${trainer.stepsTaken > 0 ? `, resuming at step ${trainer.stepsTaken}` : ""} → ${outDir}\n`);
  let summary;
  try {
    summary = await trainer.train();
  } finally {
    report.stop();
    stopOnSignal.release();
  }
  const solved = summary.solved ? `solved at step ${summary.solvedAtStep} (${summary.solvedAtSeconds} s)` : "not solved";
  const finalEval = summary.finalEval;
  const line = `${env.name}: ${solved}; final greedy evaluation ${finalEval.mean.toFixed(1)} ± ${finalEval.std.toFixed(1)} over ${finalEval.episodes} episodes; ${summary.totalSteps} steps in ${summary.wallSeconds.toFixed(1)} s (${summary.stepsPerSecond} steps/s: ${formatStepTimes(summary.timePerStep)}). Results in ${outDir}/\n`;
  switch (summary.stopReason) {
    case "interrupted":
      process.stderr.write(`gradc train: stopped at step ${summary.totalSteps}; everything up to it is kept in ${outDir}/. Resume with ${resume}\n`);
      process.exitCode = SIGNAL_EXIT_CODES[stopOnSignal.received ?? "SIGINT"];
      return;
    case "diverged":
      process.exitCode = EXIT_DIVERGED;
      process.stdout.write(line);
      return;
    default:
      process.stdout.write(line);
  }
}

/** A new run: its config from the defaults, --config and flags; its folder must not hold a run unless --force. */
function newRun(envName: string, flags: TrainFlags): { config: DQNConfig; outDir: string } {
  const overrides: Record<string, unknown> = {};
  if (flags.seed !== undefined) overrides.seed = flags.seed;
  if (flags.steps !== undefined) overrides.total_timesteps = flags.steps;
  if (flags.numEnvs !== undefined) overrides.num_envs = flags.numEnvs;
  if (flags.engine !== undefined) overrides.engine = flags.engine;
  if (flags.dtype !== undefined) overrides.dtype = flags.dtype;
  const config = loadRunConfig(envName, flags.config, overrides);
  const outDir = flags.out ?? path.join("runs", `${envName}-seed${config.seed}`);
  const existing = RUN_FILES.filter((f) => fs.existsSync(path.join(outDir, f)));
  if (existing.length > 0 && !flags.force) {
    throw new UsageError(`${outDir} already holds a training run (${existing.join(", ")}). Continue it with --resume ${shellWord(outDir)}, replace it with --force, or choose another --out`);
  }
  return { config, outDir };
}

/** A resumed run: the checkpoint's config, with only what can change on resume changed. */
function resumedRun(dir: string, flags: TrainFlags): { config: DQNConfig; outDir: string } {
  const unhonoured = [
    flags.seed !== undefined && "--seed",
    flags.config !== undefined && "--config",
    flags.numEnvs !== undefined && "--num-envs",
    flags.force && "--force",
    flags.out !== undefined && path.resolve(flags.out) !== path.resolve(dir) && "--out",
  ].filter((f): f is string => typeof f === "string");
  if (unhonoured.length > 0) {
    throw new UsageError(
      `--resume continues a run with the config and folder it was started with, so ${unhonoured.join(", ")} cannot apply (only --steps, --engine and --dtype can change). Start a new run with --out instead`,
    );
  }
  const file = new RunFolder(dir).checkpointFile;
  const changes: Record<string, unknown> = {};
  if (flags.steps !== undefined) changes.total_timesteps = flags.steps;
  if (flags.engine !== undefined) changes.engine = flags.engine;
  if (flags.dtype !== undefined) changes.dtype = flags.dtype;
  return { config: mergeConfig(checkpointConfig(readCheckpointFile(file), file), changes, "command line"), outDir: dir };
}

/** Removes a replaced run's files (--force) so that nothing of it mixes with the new one. */
function clearRunFolder(dir: string): void {
  for (const f of RUN_FILES) fs.rmSync(path.join(dir, f), { force: true });
}

/**
 * SIGINT and SIGTERM ask the trainer to stop after the current step; a second signal restores the
 * terminal and exits at once (nothing is written after the last checkpoint then).
 */
function signalHandler(trainer: DQNTrainer, report: { stop(): void }) {
  let received: StopSignal | undefined;
  const handle = (signal: StopSignal) => {
    if (received !== undefined) {
      report.stop();
      process.stderr.write(`\ngradc train: ${signal} again: exiting without saving; the last checkpoint is kept\n`);
      process.exit(SIGNAL_EXIT_CODES[signal]);
    }
    received = signal;
    report.stop();
    process.stderr.write(`\ngradc train: ${signal}: saving the run at the current step (press Ctrl-C again to exit without saving)…\n`);
    trainer.requestStop();
  };
  const onInt = () => handle("SIGINT");
  const onTerm = () => handle("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return {
    get received() {
      return received;
    },
    release() {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
    },
  };
}

function parseInteger(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new UsageError(`${flag} expects an integer, got '${value}'`);
  return n;
}

/** A progress bar on a terminal; a log line every 5% otherwise (CI logs, pipes). `stop` may be called more than once. */
function progressReporter(envName: string, config: DQNConfig, startStep: number) {
  const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "–");
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${envName} |{bar}| {value}/{total} steps | {sps} steps/s | ep {episode} return {ret} (mean {mean}) | ε {eps} | loss {loss} | {times}`, hideCursor: true, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    bar.start(config.total_timesteps, startStep, { sps: "–", episode: 0, ret: "–", mean: "–", eps: "–", loss: "–", times: "" });
    let last = startStep;
    let running = true;
    return {
      update: (p: Progress) => {
        if (!running || (p.step - last < 200 && p.step !== p.totalSteps)) return;
        last = p.step;
        bar.update(p.step, { sps: fmt(p.stepsPerSecond, 0), episode: p.episode, ret: fmt(p.lastReturn), mean: fmt(p.meanReturn), eps: fmt(p.epsilon, 2), loss: fmt(p.loss, 4), times: formatStepTimes(p.timePerStep) });
      },
      stop: () => {
        if (running) bar.stop();
        running = false;
      },
    };
  }
  let nextLog = 0;
  return {
    update: (p: Progress) => {
      if (p.step < nextLog) return;
      nextLog = p.step + Math.max(1, Math.floor(p.totalSteps / 20));
      process.stderr.write(`step ${p.step}/${p.totalSteps}  ${fmt(p.stepsPerSecond, 0)} steps/s  episode ${p.episode}  return ${fmt(p.lastReturn)} (mean ${fmt(p.meanReturn)})  ε ${fmt(p.epsilon, 2)}  loss ${fmt(p.loss, 4)}  ${formatStepTimes(p.timePerStep)}\n`);
    },
    stop: () => {},
  };
}
