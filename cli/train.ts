/**
 * `gradc train ENV …`: parses the arguments after `train`, trains with the folder-backed
 * `DQNTrainer` and reports as it goes — a progress bar on a terminal, plain log lines otherwise.
 * The CLI imports `main`; nothing runs on import.
 */
import path from "node:path";
import { Command } from "commander";
import cliProgress from "cli-progress";
import type { DQNConfig } from "../runtime/rl/config.js";
import { checkpointConfig, type Progress } from "../runtime/rl/dqn.js";
import { environmentIds, makeEnvironment } from "../runtime/rl/envs/index.js";
import { readCheckpointFile } from "../runtime/rl/node/checkpoint-file.js";
import { DQNTrainer } from "../runtime/rl/node/dqn-trainer.js";
import { loadRunConfig } from "../runtime/rl/node/run-config.js";
import { RunFolder } from "../runtime/rl/node/run-folder.js";

interface TrainFlags {
  seed?: number;
  steps?: number;
  config?: string;
  out?: string;
  engine?: string;
  resume?: string;
}

/** Runs `gradc train` with `argv`, the arguments after `train` (e.g. ["CartPole-v1", "--steps", "5000"]). */
export async function main(argv: string[]): Promise<void> {
  const program = new Command();
  program
    .name("gradc train")
    .argument("<env>", `${environmentIds().join(", ")} (short names work too)`)
    .option("--seed <n>", "random seed", (v) => parseInteger("--seed", v))
    .option("--steps <n>", "total environment steps (total_timesteps)", (v) => parseInteger("--steps", v))
    .option("--config <file>", "a JSON file of hyperparameters (SB3 names) over the environment's defaults")
    .option("--out <dir>", "output folder (default runs/<env>-seed<seed>)")
    .option("--engine <engine>", "compiled (generated gradients) or tape (the tape engine)")
    .option("--resume <dir>", "continue the run whose checkpoint is in this folder")
    .action(train);
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    process.stderr.write(`gradc train: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}

async function train(envName: string, flags: TrainFlags): Promise<void> {
  const env = makeEnvironment(envName);
  let config: DQNConfig;
  const overrides: Record<string, unknown> = {};
  if (flags.seed !== undefined) overrides.seed = flags.seed;
  if (flags.steps !== undefined) overrides.total_timesteps = flags.steps;
  if (flags.engine !== undefined) overrides.engine = flags.engine;
  if (flags.resume) {
    // A resumed run continues with the config it was started with (a longer --steps is allowed).
    const file = new RunFolder(flags.resume).checkpointFile;
    config = { ...checkpointConfig(readCheckpointFile(file), file), ...(flags.steps !== undefined ? { total_timesteps: flags.steps } : {}) };
  } else {
    config = loadRunConfig(env.name, flags.config, overrides);
  }
  const outDir = flags.resume ?? flags.out ?? path.join("runs", `${env.name}-seed${config.seed}`);
  const report = progressReporter(env.name, config);
  const trainer = new DQNTrainer({ config, makeEnv: () => makeEnvironment(envName), outDir, resumeFrom: flags.resume, onProgress: report.update });
  process.stderr.write(`gradc train: ${env.name}, ${trainer.network.description}, seed ${config.seed}, ${config.total_timesteps} steps → ${outDir}\n`);
  const summary = await trainer.train();
  report.stop();
  const solved = summary.solved ? `solved at step ${summary.solvedAtStep} (${summary.solvedAtSeconds} s)` : "not solved";
  process.stdout.write(
    `${env.name}: ${solved}; final greedy evaluation ${summary.finalEval.mean.toFixed(1)} ± ${summary.finalEval.std.toFixed(1)} over ${summary.finalEval.episodes} episodes; ` +
      `${summary.totalSteps} steps in ${summary.wallSeconds.toFixed(1)} s (${summary.stepsPerSecond} steps/s). Results in ${outDir}/\n`,
  );
}

function parseInteger(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`${flag} expects an integer, got '${value}'`);
  return n;
}

/** A progress bar on a terminal; a log line every 5% otherwise (CI logs, pipes). */
function progressReporter(envName: string, config: DQNConfig) {
  const fmt = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : "–");
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: `${envName} |{bar}| {value}/{total} steps | {sps} steps/s | ep {episode} return {ret} (mean {mean}) | ε {eps} | loss {loss}`, hideCursor: true, stream: process.stderr },
      cliProgress.Presets.shades_classic,
    );
    bar.start(config.total_timesteps, 0, { sps: "–", episode: 0, ret: "–", mean: "–", eps: "1.00", loss: "–" });
    let last = 0;
    return {
      update: (p: Progress) => {
        if (p.step - last < 200 && p.step !== p.totalSteps) return;
        last = p.step;
        bar.update(p.step, { sps: fmt(p.stepsPerSecond, 0), episode: p.episode, ret: fmt(p.lastReturn), mean: fmt(p.meanReturn), eps: fmt(p.epsilon, 2), loss: fmt(p.loss, 4) });
      },
      stop: () => bar.stop(),
    };
  }
  let nextLog = 0;
  return {
    update: (p: Progress) => {
      if (p.step < nextLog) return;
      nextLog = p.step + Math.max(1, Math.floor(p.totalSteps / 20));
      process.stderr.write(`step ${p.step}/${p.totalSteps}  ${fmt(p.stepsPerSecond, 0)} steps/s  episode ${p.episode}  return ${fmt(p.lastReturn)} (mean ${fmt(p.meanReturn)})  ε ${fmt(p.epsilon, 2)}  loss ${fmt(p.loss, 4)}\n`);
    },
    stop: () => {},
  };
}
