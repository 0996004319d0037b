/**
 * `npm run fuzz -- --n 20000 --seed 1 [--jobs 2]`: a soak of the differential fuzzer. Prints a
 * summary — programs, checked points, programs skipped as non-smooth, mismatches, crashes, bad
 * inputs, time — and writes a minimised reproducer for every failure to fuzz/failures/.
 * Exit status 1 when anything failed.
 */
import { spawn } from "node:child_process";
import { Command, InvalidArgumentError } from "commander";
import { type FuzzOptions, type FuzzSummary, emptySummary, mergeSummaries, runFuzzAsync } from "./run.js";

const int = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};

const program = new Command()
  .name("npm run fuzz --")
  .description("Differential fuzzing of gradc: random programs of the subset, compiled reverse/forward vs tape vs the wasm engine vs finite differences, and hvp vs differences of the gradient")
  .option("--n <count>", "number of generated programs", int("--n"), 1000)
  .option("--seed <seed>", "random seed", int("--seed"), 1)
  .option("--from <index>", "index of the first program", int("--from"), 0)
  .option("--bad <count>", "number of bad-input programs (default n/10)", int("--bad"))
  .option("--batch <count>", "programs per compiled module", int("--batch"), 20)
  .option("--points <count>", "smooth points checked per program", int("--points"), 3)
  .option("--attempts <count>", "points tried per program before skipping it as non-smooth", int("--attempts"), 10)
  .option("--jobs <count>", "worker processes", int("--jobs"), 1)
  .option("--shard <k/of>", "run only programs with index ≡ k (mod of) (used by --jobs)")
  .option("--max-failures <count>", "stop after this many failures (default: never)", int("--max-failures"))
  .option("--minimize-per-class <count>", "failures minimised per class (kind + engines)", int("--minimize-per-class"), 4)
  .option("--minimize-total <count>", "failures minimised in all", int("--minimize-total"), 40)
  .option("--no-minimize", "write failures without minimising them")
  .option("--out <dir>", "directory for reproducers (default fuzz/failures)")
  .option("--json", "print the summary as JSON")
  .option("--quiet", "no progress lines")
  .parse();

const opts = program.opts<{
  n: number; seed: number; from: number; bad?: number; batch: number; points: number; attempts: number; jobs: number;
  shard?: string; maxFailures?: number; minimizePerClass: number; minimizeTotal: number; minimize: boolean; out?: string; json?: boolean; quiet?: boolean;
}>();

function parseShard(s: string | undefined): FuzzOptions["shard"] {
  if (!s) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(s);
  if (!m || Number(m[1]) >= Number(m[2])) throw new InvalidArgumentError("--shard must look like k/of with k < of");
  return { k: Number(m[1]), of: Number(m[2]) };
}

async function runJobs(): Promise<FuzzSummary> {
  const started = performance.now();
  const forwarded = process.argv.slice(2).filter((a, i, all) => a !== "--jobs" && all[i - 1] !== "--jobs" && !a.startsWith("--jobs="));
  const children = Array.from({ length: opts.jobs }, (_, k) =>
    new Promise<FuzzSummary>((resolve, reject) => {
      const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...forwarded, "--shard", `${k}/${opts.jobs}`, "--json"], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      child.on("error", reject);
      child.on("close", () => {
        const line = out.trim().split("\n").pop() ?? "";
        try {
          resolve(JSON.parse(line));
        } catch {
          reject(new Error(`fuzz worker ${k} printed no summary:\n${out}`));
        }
      });
    }),
  );
  const summaries = await Promise.all(children);
  const merged = summaries.reduce(mergeSummaries, emptySummary(opts.seed));
  merged.seed = opts.seed;
  merged.seconds = (performance.now() - started) / 1000;
  return merged;
}

function printSummary(s: FuzzSummary): void {
  const pct = (a: number) => (s.programs > 0 ? ` (${((100 * a) / s.programs).toFixed(1)}%)` : "");
  const lines = [
    `gradc fuzz — seed ${s.seed}`,
    `  programs            ${s.programs}`,
    `  checked             ${s.checkedPrograms}${pct(s.checkedPrograms)} programs, ${s.checkedPoints} points`,
    `  skipped non-smooth  ${s.skippedNonSmooth}${pct(s.skippedNonSmooth)} (points next to a kink or jump, replaced: ${s.nonSmoothPoints})`,
    `  skipped untame      ${s.skippedUntame}${pct(s.skippedUntame)}`,
    `  skipped singular    ${s.skippedSingular}${pct(s.skippedSingular)}`,
    `  mismatches          ${s.mismatches}`,
    `  crashes             ${s.crashes}`,
    `  rejected (in subset) ${s.rejected}`,
    `  emit/load errors    ${s.emitErrors}`,
    `  runtime errors      ${s.runtimeErrors}`,
    `  generator errors    ${s.generatorErrors}`,
    `  wasm engine         ${s.wasmPrograms}${pct(s.wasmPrograms)} programs built (${s.wasmChecked} checked at a smooth point), ${s.wasmRefused}${pct(s.wasmRefused)} refused with a diagnostic, ${s.wasmVectorized}${pct(s.wasmVectorized)} with a loop on f64x2 lanes`,
    `  hvp (second order)  ${s.hvpPrograms}${pct(s.hvpPrograms)} programs built (${s.hvpChecked} checked at ${s.hvpPoints} points; ${s.hvpNonSmoothPoints} points skipped, the gradient not smooth along v), ${s.hvpRefused}${pct(s.hvpRefused)} refused with a diagnostic`,
    `  bad inputs          ${s.badInputs} (${s.badInputFailures} failures; first diagnostic on the injected construct: ${s.badInputsOnTarget})`,
    `  garbled inputs      ${s.garbledInputs} (${s.garbledCrashes} crashes)`,
    `  time                ${s.seconds.toFixed(1)} s`,
  ];
  const cov = Object.entries(s.coverage).sort(([a], [b]) => a.localeCompare(b));
  if (cov.length > 0) lines.push(`  coverage (programs): ${cov.map(([k, v]) => `${k} ${v}`).join(", ")}`);
  for (const [cls, count] of Object.entries(s.failureClasses)) lines.push(`  failure class ${cls}: ${count} program${count === 1 ? "" : "s"}`);
  for (const f of s.failures) if (f.file) lines.push(`  FAILURE ${f.kind} ${f.seed}/${f.index} [${f.signature}] → ${f.file}`);
  const unwritten = s.failures.filter((f) => !f.file).map((f) => `${f.seed}/${f.index}`);
  if (unwritten.length > 0) {
    const shown = unwritten.slice(0, 60).join(" ");
    lines.push(`  further failing programs (no reproducer written): ${shown}${unwritten.length > 60 ? ` … and ${unwritten.length - 60} more` : ""}`);
  }
  console.log(lines.join("\n"));
}

const summary =
  opts.jobs > 1
    ? await runJobs()
    : await runFuzzAsync({
        n: opts.n,
        seed: opts.seed,
        from: opts.from,
        bad: opts.bad,
        batch: opts.batch,
        points: opts.points,
        attempts: opts.attempts,
        shard: parseShard(opts.shard),
        maxFailures: opts.maxFailures,
        minimizePerClass: opts.minimizePerClass,
        minimizeTotal: opts.minimizeTotal,
        minimize: opts.minimize,
        failuresDir: opts.out,
        log: opts.quiet ? undefined : (line) => console.error(line),
      });

if (opts.json) console.log(JSON.stringify(summary));
else printSummary(summary);
const failed = summary.failures.length > 0;
process.exitCode = failed ? 1 : 0;
