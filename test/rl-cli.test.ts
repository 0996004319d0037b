/**
 * `gradc train` as a user meets it, through the built command line: Ctrl-C keeps the run and
 * says how to resume, folders holding a run are not overwritten by accident, --resume refuses
 * flags it cannot honour, a finished run is left alone, divergence and corrupted checkpoints are
 * reported with what was kept.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { scratchFolders } from "./support/scratch.js";

const BIN = path.resolve("bin/gradc.js");
const FIXTURE = path.resolve("test/fixtures/gridworld-resume.json");
const scratch = scratchFolders();
const tmp = () => scratch("gradc-cli-");

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs gradc with `args`; `whenStderr` sees stderr as it grows and may signal the child. */
function gradc(args: string[], whenStderr?: (stderr: string, signal: (s: NodeJS.Signals) => void) => void): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => {
      stderr += d;
      whenStderr?.(stderr, (s) => child.kill(s));
    });
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

const trainArgs = (out: string, extra: string[] = []) => ["train", "GridWorld", "--seed", "5", "--steps", "8000", "--config", FIXTURE, "--out", out, ...extra];

/** Every file in `dir` with its bytes, to show that a command changed nothing. */
function contents(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f)).toString("base64")]));
}

const metricsWithoutWallTime = (dir: string) =>
  fs
    .readFileSync(path.join(dir, "metrics.csv"), "utf8")
    .split("\n")
    .map((line) => line.split(",").slice(0, 6).join(","));

describe("gradc train on the command line", () => {
  it("Ctrl-C keeps the run up to the step it stopped at, says how to resume, exits 130; the resumed run ends as the uninterrupted one", async () => {
    const whole = tmp();
    const uninterrupted = await gradc(trainArgs(whole));
    expect(uninterrupted.status, uninterrupted.stderr).toBe(0);

    const out = tmp();
    let sent = false;
    const stopped = await gradc(trainArgs(out), (stderr, signal) => {
      // The first progress line past step 0 (non-terminal output logs every 5%).
      if (!sent && /^step [1-9]\d*\//m.test(stderr)) {
        sent = true;
        signal("SIGINT");
      }
    });
    expect(stopped.status, stopped.stderr).toBe(130);
    const match = /stopped at step (\d+); everything up to it is kept in .*Resume with gradc train GridWorld --resume (\S+)/.exec(stopped.stderr);
    expect(match, stopped.stderr).not.toBeNull();
    const step = Number(match![1]);
    expect(match![2]).toBe(out);
    expect(step).toBeGreaterThan(0);
    expect(step).toBeLessThan(8000);
    for (const f of ["checkpoint.bin", "metrics.csv", "evaluations.csv", "summary.json", "learning-curve.svg"]) expect(fs.existsSync(path.join(out, f)), f).toBe(true);
    expect(fs.readdirSync(out).filter((f) => f.includes(".tmp-"))).toEqual([]);
    const summary = JSON.parse(fs.readFileSync(path.join(out, "summary.json"), "utf8"));
    expect(summary).toMatchObject({ stopReason: "interrupted", totalSteps: step, checkpointStep: step });

    // What a process killed in the middle of a write leaves behind is cleared by the resumed run.
    fs.writeFileSync(path.join(out, "checkpoint.bin.tmp-99999"), "half a checkpoint");
    const resumed = await gradc(["train", "GridWorld", "--resume", out]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(fs.existsSync(path.join(out, "checkpoint.bin.tmp-99999"))).toBe(false);
    expect(resumed.stderr).toContain(`resuming at step ${step}`);
    expect(metricsWithoutWallTime(out)).toEqual(metricsWithoutWallTime(whole));
    const final = JSON.parse(fs.readFileSync(path.join(out, "summary.json"), "utf8"));
    const wholeSummary = JSON.parse(fs.readFileSync(path.join(whole, "summary.json"), "utf8"));
    expect(final.finalEval).toEqual(wholeSummary.finalEval);
    expect(final.stopReason).toBe("total_timesteps");
    // The final evaluation is the last row of evaluations.csv, as in the uninterrupted run.
    expect(fs.readFileSync(path.join(out, "evaluations.csv"), "utf8")).toBe(fs.readFileSync(path.join(whole, "evaluations.csv"), "utf8"));

    // Resuming the finished run says so and changes nothing.
    const before = contents(out);
    const again = await gradc(["train", "GridWorld", "--resume", out]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/already finished: it reached its 8000 steps/);
    expect(contents(out)).toEqual(before);

    // A folder that holds a run is refused without --force, and left as it was.
    const refused = await gradc(trainArgs(out, ["--steps", "300"]));
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/already holds a training run \(checkpoint\.bin, metrics\.csv, evaluations\.csv, summary\.json, learning-curve\.svg\).*--resume.*--force/);
    expect(contents(out)).toEqual(before);
    const forced = await gradc(trainArgs(out, ["--steps", "300", "--force"]));
    expect(forced.status, forced.stderr).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(out, "summary.json"), "utf8")).totalSteps).toBe(300);
  }, 180_000);

  it("--resume with flags it cannot honour is an error naming them, and touches nothing", async () => {
    const out = tmp();
    expect((await gradc(trainArgs(out, ["--steps", "400"]))).status).toBe(0);
    const before = contents(out);
    const r = await gradc(["train", "GridWorld", "--resume", out, "--engine", "tape", "--seed", "9", "--out", tmp(), "--config", FIXTURE]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--seed, --config, --out cannot apply \(only --steps, --engine and --dtype can change\)/);
    expect(contents(out)).toEqual(before);
  }, 60_000);

  it("a checkpoint with any byte flipped is reported as corrupted and the run's logs are kept", async () => {
    const out = tmp();
    expect((await gradc(trainArgs(out, ["--steps", "400"]))).status).toBe(0);
    const file = path.join(out, "checkpoint.bin");
    const good = fs.readFileSync(file);
    for (const at of [9, 13, 100]) {
      const bytes = Buffer.from(good);
      bytes[at] ^= 0x01;
      fs.writeFileSync(file, bytes);
      const before = contents(out);
      const r = await gradc(["train", "GridWorld", "--resume", out, "--steps", "800"]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`${file}: the checkpoint is truncated or corrupted`);
      expect(contents(out)).toEqual(before);
    }
  }, 60_000);

  it("divergence exits 3 and says exactly what was kept", async () => {
    const dir = tmp();
    const config = path.join(dir, "explode.json");
    // Plain SGD with an absurd step: the first update sends the weights to ~1e200 and the next loss overflows.
    fs.writeFileSync(config, JSON.stringify({ optimizer: "sgd", learning_rate: 1e200, max_grad_norm: 1e300, learning_starts: 100, checkpoint_freq: 50 }));
    const out = path.join(dir, "run");
    const r = await gradc(["train", "GridWorld", "--steps", "2000", "--config", config, "--out", out]);
    expect(r.status, r.stderr).toBe(3);
    const summary = JSON.parse(fs.readFileSync(path.join(out, "summary.json"), "utf8"));
    expect(summary).toMatchObject({ diverged: true, stopReason: "diverged" });
    expect(summary.checkpointStep).toBeGreaterThanOrEqual(100);
    expect(r.stderr).toContain(`training diverged: the loss became`);
    expect(r.stderr).toContain(`${path.join(out, "checkpoint.bin")} (step ${summary.checkpointStep}) is kept unchanged`);
  }, 60_000);

  it("gradc export writes the greedy policy alone; gradc eval of the run, its checkpoint and the policy file reproduce the final evaluation", async () => {
    const out = tmp();
    expect((await gradc(trainArgs(out, ["--steps", "2500"]))).status).toBe(0);
    const summary = JSON.parse(fs.readFileSync(path.join(out, "summary.json"), "utf8"));
    const exported = await gradc(["export", out]);
    expect(exported.status, exported.stderr).toBe(0);
    const policyFile = path.join(out, "policy.json");
    expect(exported.stdout).toContain(policyFile);
    const policy = JSON.parse(fs.readFileSync(policyFile, "utf8"));
    expect(policy).toMatchObject({ format: "gradc-policy", env: "GridWorld", trainedSteps: 2500, seed: 5 });
    expect(fs.statSync(policyFile).size * 5).toBeLessThan(fs.statSync(path.join(out, "checkpoint.bin")).size);

    // The final evaluation's episodes are seeded seed·7919 + 2,000,000 + e (DQN.evaluate).
    const firstSeed = 5 * 7919 + 2_000_000;
    const results = [];
    for (const source of [out, path.join(out, "checkpoint.bin"), policyFile]) {
      const json = path.join(tmp(), "eval.json");
      const r = await gradc(["eval", source, "--episodes", "20", "--seed", String(firstSeed), "--json", json]);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^GridWorld: greedy return -?\d+\.\d ± \d+\.\d over 20 episodes/);
      results.push(JSON.parse(fs.readFileSync(json, "utf8")));
    }
    for (const r of results) {
      expect(r.mean).toBe(summary.finalEval.mean);
      expect(r.std).toBe(summary.finalEval.std);
      expect(r.returns).toEqual(results[0].returns);
    }

    // --render FILE.svg: an animation of every state the episodes went through (reset and each step).
    const svg = path.join(tmp(), "episodes.svg");
    const drawn = await gradc(["eval", policyFile, "--episodes", "2", "--render", svg]);
    expect(drawn.status, drawn.stderr).toBe(0);
    const frames = Number(/animation of (\d+) frames \(2 episodes\)/.exec(drawn.stdout)?.[1]);
    const text = fs.readFileSync(svg, "utf8");
    expect(text.startsWith("<svg") && text.trimEnd().endsWith("</svg>")).toBe(true);
    const animations = [...text.matchAll(/values="([^"]*)"/g)].map((m) => m[1].split(";").length);
    expect(animations.length).toBeGreaterThan(0);
    expect(new Set(animations)).toEqual(new Set([frames]));
    expect(frames).toBeGreaterThanOrEqual(4);
    // Without a file it draws in a terminal, which a test's stdout is not; other formats are refused.
    const noTerminal = await gradc(["eval", policyFile, "--render"]);
    expect(noTerminal.status).toBe(1);
    expect(noTerminal.stderr).toContain("stdout is not a terminal; write an animation instead: --render episode.svg");
    const png = await gradc(["eval", policyFile, "--render", path.join(tmp(), "x.png")]);
    expect(png.status).toBe(1);
    expect(png.stderr).toContain("give a file name ending in .svg");

    const broken = path.join(tmp(), "broken.json");
    fs.writeFileSync(broken, JSON.stringify({ ...policy, parameters: policy.parameters.slice(1) }));
    const bad = await gradc(["eval", broken]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/broken\.json: a mlp .* network has \d+ parameters, the policy holds \d+/);
  }, 60_000);
});
