/**
 * One seed of a sweep: a `gradc train` child process, its progress read from the lines it
 * prints on stderr (`step N/M  …`, the form `gradc train` uses when stderr is not a terminal),
 * and the end of that stderr kept for the seed's folder.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import type { SeedStatus } from "../runtime/rl/node/sweep/aggregate.js";
import type { SeedFolderState } from "../runtime/rl/node/sweep/seed-folder.js";
import { packageRoot } from "./package-info.js";

/** `gradc train`'s exit codes: diverged, and stopped by SIGINT or SIGTERM (saved, resumable). */
const EXIT_DIVERGED = 3;
const EXIT_SIGNALS = [130, 143];
/** Lines of stderr kept: enough for an error and its stack after the progress lines. */
const TAIL_LINES = 200;

export interface SeedProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stderrTail: string;
}

/**
 * Runs `gradc train <args>` with this Node and this package's bin/gradc.js (whichever folder the
 * sweep was started from), calling `onProgress` on each progress line.
 */
export function runSeedProcess(args: readonly string[], onProgress: (step: number, total: number) => void): Promise<SeedProcessResult> {
  const bin = path.join(packageRoot(), "bin", "gradc.js");
  // The child stays in this process group, so a Ctrl-C in the terminal reaches it too and it saves itself.
  const child = spawn(process.execPath, [bin, "train", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  const tail: string[] = [];
  let partial = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk: string) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      const progress = /^step (\d+)\/(\d+)\b/.exec(line);
      if (progress) onProgress(Number(progress[1]), Number(progress[2]));
      tail.push(line);
    }
    if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
  });
  return new Promise((resolve) => {
    child.on("error", (e) => resolve({ exitCode: null, signal: null, stderrTail: `could not start ${bin}: ${e.message}\n` }));
    child.on("close", (exitCode, signal) => {
      if (partial !== "") tail.push(partial);
      resolve({ exitCode, signal, stderrTail: tail.length > 0 ? tail.join("\n") + "\n" : "" });
    });
  });
}

/** What a child's exit means, given the folder it left. */
export function seedStatus(result: SeedProcessResult, folder: SeedFolderState): SeedStatus {
  if (result.exitCode === 0) return folder.kind === "finished" ? (folder.summary.diverged ? "diverged" : "done") : "failed";
  if (result.exitCode === EXIT_DIVERGED) return "diverged";
  if (EXIT_SIGNALS.includes(result.exitCode ?? 0) || result.signal === "SIGINT" || result.signal === "SIGTERM") return "interrupted";
  return "failed";
}
