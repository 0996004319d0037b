/**
 * `gradc eval SOURCE` and `gradc export RUN`: use a trained agent without its training state.
 * `eval` runs greedy episodes of the policy in a run folder, checkpoint or policy file on the
 * environment it was trained on; `export` writes a run's greedy policy as a small JSON file.
 */
import fs from "node:fs";
import path from "node:path";
import { makeEnvironment } from "../runtime/rl/envs/index.js";
import type { Environment } from "../runtime/rl/envs/types.js";
import { runEpisodes } from "../runtime/rl/policy.js";
import { animatedSvg, sceneOf, textFrame, type Scene } from "../runtime/rl/render/index.js";
import { loadPolicy, savePolicy } from "../runtime/rl/node/policy-file.js";
import { writeFileAtomically } from "../runtime/rl/node/atomic-write.js";

export interface EvalOptions {
  episodes: number;
  /** Episode e is reset with seed + e. */
  seed: number;
  json?: string;
  /** Draw the episodes: `true` in this terminal, a file name ending in .svg for an animation. */
  render?: string | true;
}

/** An animated SVG holds at most this many frames (whole episodes first; ~100 s of CartPole). */
const MAX_SVG_FRAMES = 5000;

/** Prints the greedy return over `episodes` episodes (drawing them if asked); returns the exit code. */
export async function evaluatePolicyCommand(source: string, options: EvalOptions): Promise<number> {
  const policy = loadPolicy(source);
  const env = makeEnvironment(policy.env);
  const { render } = options;
  const scene = render === undefined ? undefined : sceneOf(policy.env);
  if (render === true && !process.stdout.isTTY) throw new Error("--render without a file draws in this terminal, and stdout is not a terminal; write an animation instead: --render episode.svg");
  if (typeof render === "string" && !render.toLowerCase().endsWith(".svg")) throw new Error(`--render ${render}: animations are written as SVG; give a file name ending in .svg`);
  const frames: Frame[] = [];
  const record = scene ? (e: Environment, episode: number) => frames.push({ episode, state: e.getState() }) : undefined;
  const result = runEpisodes(env, (obs) => policy.act(obs), options.episodes, (e) => options.seed + e, record);
  if (scene && render === true) await playInTerminal(scene, frames, policy.env, options.episodes);
  const min = Math.min(...result.returns);
  const max = Math.max(...result.returns);
  process.stdout.write(
    `${policy.env}: greedy return ${result.mean.toFixed(1)} ± ${result.std.toFixed(1)} over ${result.episodes} episodes (min ${min}, max ${max}; seeds ${options.seed}…${options.seed + options.episodes - 1}; policy after ${policy.file.trainedSteps} training steps)\n`,
  );
  if (scene && typeof render === "string") {
    const kept = framesForSvg(frames);
    const shown = kept.length === 0 ? 0 : kept[kept.length - 1].episode + 1;
    const title = `${policy.env}, greedy policy after ${policy.file.trainedSteps} steps: ${shown === options.episodes ? `${shown}` : `first ${shown} of ${options.episodes}`} episode${options.episodes === 1 ? "" : "s"}, returns ${result.returns.slice(0, shown).join(", ")}`;
    writeFileAtomically(render, animatedSvg(scene, kept.map((f) => f.state), title));
    process.stdout.write(`animation of ${kept.length} frames (${shown} episode${shown === 1 ? "" : "s"}) written to ${render}\n`);
  }
  if (options.json) {
    const record = { env: policy.env, source: path.resolve(source), trainedSteps: policy.file.trainedSteps, seeds: [options.seed, options.seed + options.episodes - 1], ...result };
    writeFileAtomically(options.json, JSON.stringify(record, null, 2) + "\n");
  }
  return 0;
}

interface Frame {
  episode: number;
  state: Float64Array;
}

/** Whole episodes up to MAX_SVG_FRAMES frames (the first episode cut there if it alone is longer). */
function framesForSvg(frames: Frame[]): Frame[] {
  if (frames.length <= MAX_SVG_FRAMES) return frames;
  const cut = frames[MAX_SVG_FRAMES].episode;
  const whole = frames.filter((f) => f.episode < cut);
  return whole.length > 0 ? whole : frames.slice(0, MAX_SVG_FRAMES);
}

/** Plays the frames in this terminal at the environment's frame rate; Ctrl-C stops and restores the cursor. */
async function playInTerminal(scene: Scene, frames: Frame[], envName: string, episodes: number): Promise<void> {
  const out = process.stdout;
  let stopped = false;
  const stop = () => {
    stopped = true;
  };
  process.once("SIGINT", stop);
  out.write("\x1b[?25l");
  try {
    let step = 0;
    for (let i = 0; i < frames.length && !stopped; i++) {
      step = i > 0 && frames[i].episode === frames[i - 1].episode ? step + 1 : 0;
      const header = `${envName} · episode ${frames[i].episode + 1}/${episodes} · step ${step}   (Ctrl-C stops)`;
      out.write(`\x1b[H\x1b[J${header}\n${textFrame(scene, frames[i].state, Math.min(100, (out.columns ?? 80) - 1))}\n`);
      await new Promise((resolve) => setTimeout(resolve, scene.secondsPerStep * 1000));
    }
  } finally {
    out.write("\x1b[?25h");
    process.off("SIGINT", stop);
  }
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
