/**
 * gradc's benchmark: the time of a full gradient for several problems and engines — gradc's
 * generated reverse mode (in JavaScript and as WebAssembly) and forward mode, its tape engine,
 * hand-written gradients, finite differences and, when bench/peers/ provides them, TensorFlow.js
 * and jax-js — with every engine's value and gradient checked against gradc reverse before it is
 * timed; memory, code size, compile time and DQN training throughput (gradc's trainer on its
 * JavaScript, wasm and tape engines, and the same DQN on TensorFlow.js and jax-js:
 * bench/training.ts) besides.
 *
 *   npm run bench                 the full run (about 10 minutes)
 *   npm run bench -- --quick      smaller problems, shorter timing, no training (under 2 minutes)
 *   npm run bench -- --solve-only time to solve CartPole-v1 per training engine (tens of minutes)
 *
 * Options: --training / --no-training (training throughput; on in full runs), --no-peers (no
 * TensorFlow.js or jax-js, in training too), --training-engines LIST (comma-separated ids of
 * bench/training.ts: compiled, wasm, tape, tfjs-cpu, tfjs-wasm, jax; default all, or gradc's three with
 * --no-peers), --solve (also train each of --solve-engines LIST until solved; default every
 * engine but the tape, which would take hours), --solve-only (only that; writes DIR/solve.json
 * and DIR/solve.md), --seed N (the solve runs' seed; default the config's), --only TEXT
 * (workloads whose name contains TEXT; results are then not written unless --out), --out DIR
 * (default bench/results). Writes DIR/latest.json, DIR/latest.md and DIR/<family>.svg and
 * prints the tables. Runs under gradc's Node hooks: `node bin/gradc.js run bench/run.ts`.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { measureCodeSize } from "./code-size.js";
import { measureCompileTime } from "./compile-time.js";
import { benchWorkload } from "./bench-workload.js";
import { gradcEngines } from "./engines/gradc.js";
import type { Engine, Workload } from "./engines/types.js";
import { type TimingOptions, defaultTolerance, errorMessage } from "./harness.js";
import { type StackPeak, gc, gradcStackProbe } from "./memory.js";
import { familyPlots } from "./plots.js";
import { type Results, type WorkloadResult, markdown, solveMarkdown } from "./report.js";
import { TRAINING_ENGINES, type TrainingEngineId, isGradcEngine, isTrainingEngineId, timeToSolve, trainingConfig, trainingThroughput } from "./training.js";
import { workloads } from "./workloads.js";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

interface Options {
  quick: boolean;
  training: boolean;
  peers: boolean;
  trainingEngines: TrainingEngineId[];
  /** Time to solve: not run, run after everything else, or run alone. */
  solve: "off" | "with" | "only";
  solveEngines: TrainingEngineId[];
  seed?: number;
  only?: string;
  out?: string;
}

/**
 * Environment steps per throughput run. The tape's gradient step is tens of times slower: fewer
 * steps (still 250 updates) keep the run short. The others make the same 5,000 steps, so their
 * ε and learning-rate schedules — and their returns — are the same (tfjs-cpu, the slowest, takes
 * about a minute).
 */
const THROUGHPUT_STEPS: Record<TrainingEngineId, number> = { compiled: 5000, wasm: 5000, wasm32: 5000, tape: 1500, "tfjs-cpu": 5000, "tfjs-wasm": 5000, jax: 5000 };

const ALL_ENGINES = Object.keys(TRAINING_ENGINES) as TrainingEngineId[];

function engineList(option: string, value: string | undefined): TrainingEngineId[] {
  const ids = (value ?? "").split(",").map((x) => x.trim()).filter((x) => x !== "");
  const bad = ids.filter((x) => !isTrainingEngineId(x));
  if (ids.length === 0 || bad.length > 0) {
    process.stderr.write(`bench: ${option} takes a comma-separated list of ${ALL_ENGINES.join(", ")}${bad.length ? `; not ${bad.join(", ")}` : ""}\n`);
    process.exit(2);
  }
  return ids as TrainingEngineId[];
}

function parseOptions(argv: string[]): Options {
  const o: Options = { quick: false, training: true, peers: true, trainingEngines: [], solve: "off", solveEngines: [] };
  let training: boolean | undefined;
  let trainingEngines: TrainingEngineId[] | undefined;
  let solveEngines: TrainingEngineId[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--quick") o.quick = true;
    else if (a === "--full") o.quick = false;
    else if (a === "--training") training = true;
    else if (a === "--no-training") training = false;
    else if (a === "--no-peers") o.peers = false;
    else if (a === "--training-engines") trainingEngines = engineList(a, argv[++i]);
    else if (a.startsWith("--training-engines=")) trainingEngines = engineList("--training-engines", a.slice("--training-engines=".length));
    else if (a === "--solve") o.solve = o.solve === "only" ? "only" : "with";
    else if (a === "--solve-only") o.solve = "only";
    else if (a === "--solve-engines") solveEngines = engineList(a, argv[++i]);
    else if (a.startsWith("--solve-engines=")) solveEngines = engineList("--solve-engines", a.slice("--solve-engines=".length));
    else if (a === "--seed" || a.startsWith("--seed=")) {
      const v = Number(a === "--seed" ? argv[++i] : a.slice("--seed=".length));
      if (!Number.isInteger(v)) {
        process.stderr.write("bench: --seed takes an integer\n");
        process.exit(2);
      }
      o.seed = v;
    }
    else if (a === "--only") o.only = argv[++i];
    else if (a.startsWith("--only=")) o.only = a.slice("--only=".length);
    else if (a === "--out") o.out = argv[++i];
    else if (a.startsWith("--out=")) o.out = a.slice("--out=".length);
    else if (a === "--help" || a === "-h") {
      process.stdout.write(
        "usage: npm run bench [-- --quick] [--training | --no-training] [--no-peers] [--training-engines LIST] [--solve | --solve-only] [--solve-engines LIST] [--seed N] [--only TEXT] [--out DIR]\n" +
          `  LIST: comma-separated, of ${ALL_ENGINES.join(", ")}\n`,
      );
      process.exit(0);
    } else {
      process.stderr.write(`bench: unknown option ${a}\n`);
      process.exit(2);
    }
  }
  o.training = training ?? !o.quick;
  // --no-peers: no TensorFlow.js or jax-js anywhere unless engines are named explicitly.
  const defaults = o.peers ? ALL_ENGINES : ALL_ENGINES.filter(isGradcEngine);
  o.trainingEngines = trainingEngines ?? defaults;
  o.solveEngines = solveEngines ?? defaults.filter((id) => id !== "tape");
  return o;
}

const TIMING: Record<"quick" | "full", TimingOptions> = {
  quick: { warmupMs: 80, heapRepeats: 1, roundMs: 4, budgetMs: 1000, minRounds: 3, maxRounds: 30 },
  full: { warmupMs: 300, heapRepeats: 3, roundMs: 10, budgetMs: 5000, minRounds: 9, maxRounds: 80 },
};

/** Loads bench/peers/ (TensorFlow.js, jax-js) if it is there; a peer that fails to load is reported, not fatal. */
async function loadPeers(enabled: boolean): Promise<{ engines: Engine[]; status: string }> {
  if (!enabled) return { engines: [], status: "disabled (--no-peers)" };
  const specifier = "./peers/index.js";
  if (!fs.existsSync(path.join(BENCH_DIR, "peers", "index.ts"))) return { engines: [], status: "none (bench/peers/index.ts not present)" };
  try {
    const mod = (await import(specifier)) as { peerEngines?: () => Promise<Engine[]> };
    if (typeof mod.peerEngines !== "function") return { engines: [], status: "bench/peers/index.ts exports no peerEngines()" };
    const engines = await mod.peerEngines();
    return { engines, status: engines.length > 0 ? engines.map((e) => e.name).join(", ") : "none (peerEngines() returned no engines)" };
  } catch (e) {
    return { engines: [], status: `failed to load: ${errorMessage(e)}` };
  }
}

function log(text: string): void {
  process.stderr.write(`${text}\n`);
}

function progressLine(w: WorkloadResult): string {
  const parts = w.rows
    .filter((r) => r.status !== "unsupported")
    .map((r) => (r.status === "ok" ? `${r.engine} ${r.gradient ? (r.gradient.median < 1 ? `${(r.gradient.median * 1000).toFixed(1)}µs` : `${r.gradient.median.toFixed(2)}ms`) : "?"}` : `${r.engine} ${r.status.toUpperCase()}`));
  return `  ${w.name}: ${parts.join(", ")}`;
}

/** Training throughput, engine after engine; an engine that fails is reported, not fatal. */
async function runTraining(options: Options, results: Results): Promise<void> {
  results.training = [];
  for (const id of options.trainingEngines) {
    const steps = THROUGHPUT_STEPS[id];
    log(`training throughput (${TRAINING_ENGINES[id]}, ${steps} steps)…`);
    gc();
    const t0 = performance.now();
    try {
      const t = await trainingThroughput(steps, id);
      results.training.push(t);
      log(`  ${t.updatesPerSecond.toFixed(1)} updates/s, mean return of the last 10 episodes ${t.meanReturnLast10.toFixed(1)} [${((performance.now() - t0) / 1000).toFixed(1)} s]`);
    } catch (e) {
      results.training.push({ engine: TRAINING_ENGINES[id], steps, error: errorMessage(e) });
      log(`  failed: ${errorMessage(e)}`);
    }
  }
}

/** Time to solve, engine after engine (each up to the config's total_timesteps). */
async function runSolve(options: Options, results: Results): Promise<void> {
  results.solve = [];
  for (const id of options.solveEngines) {
    log(`time to solve (${TRAINING_ENGINES[id]})…`);
    gc();
    try {
      const r = await timeToSolve(id, options.seed, (line) => log(`  ${line}`));
      results.solve.push(r);
      log(r.solved ? `  solved at step ${r.solvedAtStep} after ${r.solvedAtSeconds?.toFixed(1)} s` : `  not solved in ${r.steps} steps (${r.seconds.toFixed(0)} s)`);
    } catch (e) {
      results.solve.push({ engine: TRAINING_ENGINES[id], steps: trainingConfig().total_timesteps, error: errorMessage(e) });
      log(`  failed: ${errorMessage(e)}`);
    }
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  const options = parseOptions(process.argv.slice(2));
  const mode = options.quick ? "quick" : "full";
  const timing = TIMING[mode];
  const cpus = os.cpus();
  const results: Results = {
    mode,
    date: new Date().toISOString(),
    durationSeconds: 0,
    machine: {
      cpu: cpus[0]?.model.trim() ?? "unknown",
      cores: cpus.length,
      node: process.versions.node,
      platform: `${process.platform} ${process.arch}`,
      memoryGB: Math.round(os.totalmem() / 1024 ** 3),
      loadAverageStart: os.loadavg(),
    },
    timing,
    engines: [],
    peers: { status: "", engines: [] },
    filter: options.only,
    workloads: [],
    codeSize: [],
    compileTime: [],
    plots: [],
  };
  log(`gradc benchmark (${mode}): ${results.machine.cpu}, ${results.machine.cores} cores, Node ${results.machine.node} [started after ${process.uptime().toFixed(1)} s]`);

  if (options.solve === "only") {
    await runSolve(options, results);
    results.machine.loadAverageEnd = os.loadavg();
    results.durationSeconds = (performance.now() - started) / 1000;
    const outDir = path.resolve(options.out ?? path.join(BENCH_DIR, "results"));
    fs.mkdirSync(outDir, { recursive: true });
    const md = solveMarkdown(results);
    fs.writeFileSync(path.join(outDir, "solve.json"), `${JSON.stringify(results, null, 2)}\n`);
    fs.writeFileSync(path.join(outDir, "solve.md"), md);
    process.stdout.write(`\n${md}\n`);
    log(`wrote ${path.relative(process.cwd(), outDir) || "."}/solve.json, solve.md in ${results.durationSeconds.toFixed(0)} s`);
    return;
  }

  const peersStarted = performance.now();
  const peers = await loadPeers(options.peers);
  results.peers = { status: peers.status, engines: peers.engines.map((e) => e.name) };
  log(`peers: ${peers.status} [${((performance.now() - peersStarted) / 1000).toFixed(1)} s]`);
  const engines = [...gradcEngines(), ...peers.engines];
  results.engines = engines.map((e) => ({ name: e.name, precision: e.precision, tolerance: e.tolerance ?? defaultTolerance(e.precision) }));

  let probe: ((w: Workload) => StackPeak) | undefined;
  try {
    probe = await gradcStackProbe();
  } catch (e) {
    log(`gradc stack probe unavailable: ${errorMessage(e)}`);
  }

  const list = workloads(options.quick).filter((w) => !options.only || w.name.includes(options.only));
  for (const w of list) {
    gc();
    const t0 = performance.now();
    const r = await benchWorkload(w, engines, timing, probe);
    results.workloads.push(r);
    log(`${progressLine(r)} [${((performance.now() - t0) / 1000).toFixed(1)} s]`);
  }

  const phase = (name: string, t0: number) => log(`  ${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  let t0 = performance.now();
  log("code size…");
  try {
    results.codeSize = measureCodeSize();
  } catch (e) {
    log(`  code size failed: ${errorMessage(e)}`);
  }
  phase("code size", t0);
  t0 = performance.now();
  log("compile time…");
  try {
    results.compileTime = measureCompileTime(options.quick ? 1 : 7);
  } catch (e) {
    log(`  compile time failed: ${errorMessage(e)}`);
  }
  phase("compile time", t0);
  if (options.training) await runTraining(options, results);
  if (options.solve === "with") await runSolve(options, results);

  results.machine.loadAverageEnd = os.loadavg();
  results.durationSeconds = (performance.now() - started) / 1000;
  const write = !options.only || options.out !== undefined;
  const outDir = path.resolve(options.out ?? path.join(BENCH_DIR, "results"));
  if (write) {
    fs.mkdirSync(outDir, { recursive: true });
    try {
      for (const plot of await familyPlots(results, engines.map((e) => e.name))) {
        fs.writeFileSync(path.join(outDir, plot.file), plot.svg);
        results.plots.push(plot.file);
      }
    } catch (e) {
      log(`plots failed: ${errorMessage(e)}`);
    }
  }
  const md = markdown(results);
  if (write) {
    fs.writeFileSync(path.join(outDir, "latest.json"), `${JSON.stringify(results, null, 2)}\n`);
    fs.writeFileSync(path.join(outDir, "latest.md"), md);
  }
  process.stdout.write(`\n${md}\n`);
  if (write) log(`wrote ${path.relative(process.cwd(), outDir) || "."}/latest.json, latest.md${results.plots.length ? `, ${results.plots.join(", ")}` : ""} in ${results.durationSeconds.toFixed(0)} s`);
}

await main();
