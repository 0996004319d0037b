/**
 * gradc/rl runs without Node: no module reachable from runtime/rl/index.ts imports a Node builtin
 * or a Node-only package, and the bundle trains, checkpoints and resumes in a JavaScript context
 * that has only the globals a browser also has (no process, Buffer or require).
 */
import { createHash } from "node:crypto";
import { builtinModules } from "node:module";
import path from "node:path";
import vm from "node:vm";
import * as esbuild from "esbuild";
import gradc from "gradc/plugin";
import { beforeAll, describe, expect, it } from "vitest";
import type * as RL from "../runtime/rl/index.js";
import { sha256 } from "../runtime/rl/sha256.js";

const ENTRY = path.resolve("runtime/rl/index.ts");
/** Packages that need Node (files, terminals, vega's canvas-free renderer): gradc/rl/node's. */
const NODE_ONLY_PACKAGES = ["vega", "vega-lite", "commander", "cli-progress"];

interface Bundle {
  code: string;
  inputs: string[];
  nodeImports: string[];
}

/** Bundles gradc/rl for the browser, noting every import of a Node builtin or a Node-only package. */
async function bundleForBrowser(): Promise<Bundle> {
  const nodeImports: string[] = [];
  const watch: esbuild.Plugin = {
    name: "node-imports",
    setup(build) {
      // Inside the package, `gradc` is the runtime (the Q-network's gradient markers).
      build.onResolve({ filter: /^gradc$/ }, () => ({ path: path.resolve("runtime/index.ts") }));
      build.onResolve({ filter: /^[^./]/ }, (args) => {
        const name = args.path.replace(/^node:/, "");
        const nodeOnly = args.path.startsWith("node:") || builtinModules.includes(name) || NODE_ONLY_PACKAGES.includes(name.split("/")[0]);
        if (!nodeOnly) return undefined;
        nodeImports.push(`${path.relative(".", args.importer)} imports ${args.path}`);
        return { path: args.path, external: true };
      });
    },
  };
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    platform: "browser",
    format: "iife",
    globalName: "gradcRl",
    write: false,
    metafile: true,
    logLevel: "silent",
    plugins: [watch, gradc.esbuild()],
  });
  return { code: result.outputFiles[0].text, inputs: Object.keys(result.metafile.inputs), nodeImports };
}

describe("gradc/rl without Node", () => {
  let bundle: Bundle;

  beforeAll(async () => {
    bundle = await bundleForBrowser();
  });

  it("imports no Node builtin and no Node-only package", () => {
    expect(bundle.nodeImports).toEqual([]);
    // The whole trainer is in the bundle: environments, replay, networks, optimizers, the loop.
    for (const file of ["runtime/rl/dqn.ts", "runtime/rl/checkpoint.ts", "runtime/rl/replay/replay-buffer.ts", "runtime/rl/envs/cartpole.ts", "runtime/rl/optimizers.ts", "runtime/rl/qnetwork.ts"]) {
      expect(bundle.inputs).toContain(file);
    }
  });

  it("trains, checkpoints to bytes and resumes from them exactly, with no Node globals", async () => {
    // Only what a browser also provides; the bundle's own realm supplies the JavaScript builtins.
    // (Global lookups are slow in a vm context, hence the short runs.)
    const context = vm.createContext({ performance, setTimeout, TextEncoder, TextDecoder, console });
    vm.runInContext(bundle.code, context);
    const rl = context.gradcRl as typeof RL;
    const config = rl.mergeConfig(
      rl.defaultConfig("GridWorld"),
      { total_timesteps: 900, learning_starts: 100, eval_freq: 300, n_eval_episodes: 3, n_final_eval_episodes: 5, checkpoint_freq: 300, stop_on_solve: false },
      "test",
    );
    const recorder = () => {
      const run = { episodes: [] as RL.EpisodeRow[], evaluations: [] as RL.EvaluationRow[], checkpoints: [] as Uint8Array[], summary: null as RL.Summary | null };
      const output: RL.RunOutput = {
        episode: (row) => void run.episodes.push(row),
        evaluation: (row) => void run.evaluations.push(row),
        checkpoint: (bytes) => void run.checkpoints.push(bytes),
        summary: (summary) => void (run.summary = summary),
      };
      return { run, output };
    };
    const withoutTime = (rows: RL.EpisodeRow[]) => rows.map(({ wall_seconds, ...rest }) => rest);

    const whole = recorder();
    const summary = await new rl.DQN({ config, makeEnv: () => new rl.GridWorld(), output: whole.output, yieldEveryMs: 5 }).train();
    expect(summary.totalSteps).toBe(900);
    expect(whole.run.summary).toEqual(summary);
    expect(whole.run.episodes.length).toBe(summary.episodes);
    // Three periodic evaluations, then the final one.
    expect(whole.run.evaluations.map((e) => [e.step, e.final])).toEqual([
      [300, 0],
      [600, 0],
      [900, 0],
      [900, 1],
    ]);
    expect(whole.run.checkpoints.length).toBeGreaterThanOrEqual(3);

    // Resume from the first checkpoint: the rest of the run is reported again, identically.
    const resumed = recorder();
    const trainer = new rl.DQN({ config, makeEnv: () => new rl.GridWorld(), output: resumed.output });
    const at = trainer.restore(whole.run.checkpoints[0], "first checkpoint");
    expect(at.step).toBe(300);
    expect(at.evaluations).toBe(1);
    await trainer.train();
    expect(withoutTime(resumed.run.episodes)).toEqual(withoutTime(whole.run.episodes.slice(at.episodes)));
    expect(resumed.run.evaluations).toEqual(whole.run.evaluations.slice(at.evaluations));
    expect(rl.checkpointConfig(whole.run.checkpoints[0])).toEqual(config);
  });
});

describe("checkpoint checksum", () => {
  it("the pure-JavaScript SHA-256 agrees with node:crypto at every padding boundary", () => {
    for (const length of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 65_537]) {
      const data = Uint8Array.from({ length }, (_, i) => (i * 131 + 7) & 0xff);
      expect(Buffer.from(sha256(data)).toString("hex"), `length ${length}`).toBe(createHash("sha256").update(data).digest("hex"));
    }
  });
});
