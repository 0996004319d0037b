/**
 * Kill and resume: a training run killed with SIGKILL at an arbitrary moment and resumed with
 * `gradc train --resume` ends with the same results as the same run uninterrupted. Run as a user
 * runs it, through the command line.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { scratchFolders } from "./support/scratch.js";

const BIN = path.resolve("bin/gradc.js");
const scratch = scratchFolders();
const tmp = () => scratch("gradc-resume-");
const args = (out: string) => ["train", "GridWorld", "--seed", "3", "--steps", "8000", "--config", "test/fixtures/gridworld-resume.json", "--out", out];

function withoutWallTime(dir: string): string {
  return fs
    .readFileSync(path.join(dir, "metrics.csv"), "utf8")
    .split("\n")
    .map((line) => line.split(",").slice(0, 6).join(","))
    .join("\n");
}

function summaryWithoutTimes(dir: string) {
  const s = JSON.parse(fs.readFileSync(path.join(dir, "summary.json"), "utf8"));
  for (const key of ["solvedAtSeconds", "stepsPerSecond", "timePerStep", "wallSeconds"]) delete s[key];
  return s;
}

/** Starts the run and SIGKILLs it `delayMs` after its first checkpoint appears. */
async function killAfterFirstCheckpoint(out: string, delayMs: number): Promise<void> {
  const child = spawn(process.execPath, [BIN, ...args(out)], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  const checkpoint = path.join(out, "checkpoint.bin");
  const started = Date.now();
  while (!fs.existsSync(checkpoint)) {
    if (Date.now() - started > 60_000) throw new Error("no checkpoint appeared within 60 s");
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill("SIGKILL");
  await exited;
}

describe("kill and resume", () => {
  it("a run killed with SIGKILL and resumed ends as the uninterrupted run", async () => {
    const whole = tmp();
    const full = spawnSync(process.execPath, [BIN, ...args(whole)], { encoding: "utf8" });
    expect(full.status, full.stderr).toBe(0);

    for (const delayMs of [0, 300]) {
      const out = tmp();
      await killAfterFirstCheckpoint(out, delayMs);
      const resumed = spawnSync(process.execPath, [BIN, "train", "GridWorld", "--resume", out], { encoding: "utf8" });
      expect(resumed.status, resumed.stderr).toBe(0);
      expect(withoutWallTime(out)).toBe(withoutWallTime(whole));
      expect(summaryWithoutTimes(out)).toEqual(summaryWithoutTimes(whole));
    }
  }, 240_000);

  it("resuming from a folder without a checkpoint is an error, not a fresh start", () => {
    const out = tmp();
    const r = spawnSync(process.execPath, [BIN, "train", "GridWorld", "--resume", out], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(path.join(out, "checkpoint.bin"));
    expect(fs.existsSync(path.join(out, "metrics.csv"))).toBe(false);
  });

  it("a bad config file is an error naming the key", () => {
    const dir = tmp();
    const file = path.join(dir, "bad.json");
    fs.writeFileSync(file, JSON.stringify({ buffer_size: -10 }));
    const r = spawnSync(process.execPath, [BIN, "train", "GridWorld", "--config", file, "--out", dir], { encoding: "utf8" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("'buffer_size' must be a positive integer, got -10");
  });
});
