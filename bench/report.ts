/**
 * The benchmark's results: their shape (written to bench/results/latest.json) and their Markdown
 * rendering (bench/results/latest.md, and what `npm run bench` prints).
 */
import type { CodeSize } from "./code-size.js";
import type { CompileTime } from "./compile-time.js";
import type { Check, Timing, TimingOptions } from "./harness.js";
import type { StackPeak } from "./memory.js";
import type { SolveResult, TrainingFailure, TrainingResult } from "./training.js";

export interface EngineRow {
  engine: string;
  precision: "float64" | "float32";
  /** ok: checked and timed; mismatch: checked, wrong, not timed; error: threw; unsupported: not run. */
  status: "ok" | "mismatch" | "error" | "unsupported";
  error?: string;
  check?: Check;
  value?: number;
  gradient?: Timing;
  forward?: Timing;
  /** Median gradient time over the engine's own median forward time (ADBench's measure). */
  gradientPerForward?: number;
  /** Median gradient time over gradc reverse's. */
  relativeToReverse?: number;
  /** Heap growth across one gradient call (DQN and the scalar loop). */
  heapDeltaBytes?: number;
}

export interface WorkloadResult {
  name: string;
  family: string;
  size: number;
  rows: EngineRow[];
  memory: {
    gradc?: StackPeak;
    tapeNodes?: number;
    tapeBytes?: number;
  };
}

export interface Machine {
  cpu: string;
  cores: number;
  node: string;
  platform: string;
  memoryGB: number;
  loadAverageStart: number[];
  loadAverageEnd?: number[];
}

export interface Results {
  mode: "quick" | "full";
  date: string;
  durationSeconds: number;
  machine: Machine;
  timing: TimingOptions;
  engines: { name: string; precision: string; tolerance: number }[];
  peers: { status: string; engines: string[] };
  filter?: string;
  workloads: WorkloadResult[];
  codeSize: CodeSize[];
  compileTime: CompileTime[];
  training?: TrainingResult[];
  /** Time to solve CartPole-v1 per engine (`--solve`, `--solve-only`). */
  solve?: SolveResult[];
  plots: string[];
}

// ── Formatting ─────────────────────────────────────────────────────────────────────────────────

/** Milliseconds as a readable duration with three significant digits. */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "—";
  const sig = (v: number) => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  if (ms >= 1000) return `${sig(ms / 1000)} s`;
  if (ms >= 1) return `${sig(ms)} ms`;
  if (ms >= 1e-3) return `${sig(ms * 1e3)} µs`;
  return `${sig(ms * 1e6)} ns`;
}

function formatSpread(t: Timing | undefined): string {
  if (!t) return "";
  return `${formatTime(t.q1)}–${formatTime(t.q3)}`;
}

export function formatBytes(b: number | undefined): string {
  if (b === undefined || !Number.isFinite(b)) return "—";
  const sign = b < 0 ? "−" : "";
  const a = Math.abs(b);
  if (a >= 1024 ** 3) return `${sign}${(a / 1024 ** 3).toFixed(2)} GiB`;
  if (a >= 1024 ** 2) return `${sign}${(a / 1024 ** 2).toFixed(a >= 100 * 1024 ** 2 ? 0 : 1)} MiB`;
  if (a >= 1024) return `${sign}${(a / 1024).toFixed(a >= 100 * 1024 ? 0 : 1)} KiB`;
  return `${sign}${a} B`;
}

function formatRatio(r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return "—";
  return r >= 100 ? `${r.toFixed(0)}×` : r >= 10 ? `${r.toFixed(1)}×` : `${r.toFixed(2)}×`;
}

function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

function checkCell(row: EngineRow): string {
  if (row.status === "error") return `error: ${row.error ?? "?"}`;
  if (!row.check) return "";
  const worst = Math.max(row.check.valueError, row.check.gradientError);
  if (row.status === "mismatch") return `**mismatch**: ${row.check.message}`;
  return worst === 0 ? "exact" : `${worst.toExponential(0)}`;
}

// ── Markdown ───────────────────────────────────────────────────────────────────────────────────

export function timingTable(r: Results): string {
  const rows: string[][] = [];
  for (const w of r.workloads) {
    for (const row of w.rows) {
      if (row.status === "unsupported") continue;
      rows.push([
        w.name,
        formatCount(w.size),
        row.engine,
        row.status === "ok" ? formatTime(row.gradient?.median) : "—",
        formatSpread(row.gradient),
        row.status === "ok" ? formatTime(row.forward?.median) : "—",
        formatRatio(row.gradientPerForward),
        formatRatio(row.relativeToReverse),
        checkCell(row),
      ]);
    }
  }
  return table(["workload", "inputs", "engine", "gradient", "spread (IQR)", "forward", "gradient / forward", "vs gradc reverse", "check (rel. error)"], rows);
}

/** Engines whose gradient / forward the summary shows in a column of its own, after the engine's column. */
const SUMMARY_RATIO_ENGINES = new Set(["gradc wasm"]);

/**
 * One row per workload, one column per engine: median time per gradient and its ratio to gradc
 * reverse; gradc reverse's and gradc wasm's gradient / forward in columns of their own.
 */
export function summaryTable(r: Results): string {
  const engines = r.engines.map((e) => e.name).filter((name) => r.workloads.some((w) => w.rows.some((row) => row.engine === name && row.status !== "unsupported")));
  const reverse = engines[0];
  const rows = r.workloads.map((w) => {
    const byEngine = new Map(w.rows.map((row) => [row.engine, row]));
    const rev = byEngine.get(reverse);
    const cells = engines.slice(1).flatMap((name) => {
      const row = byEngine.get(name);
      const ratio = SUMMARY_RATIO_ENGINES.has(name) ? [row?.status === "ok" ? formatRatio(row.gradientPerForward) : ""] : [];
      if (!row || row.status === "unsupported") return ["", ...ratio];
      if (row.status === "mismatch") return ["mismatch", ...ratio];
      if (row.status === "error") return ["error", ...ratio];
      return [`${formatTime(row.gradient?.median)} (${formatRatio(row.relativeToReverse)})`, ...ratio];
    });
    return [w.name, formatCount(w.size), rev?.status === "ok" ? formatTime(rev.gradient?.median) : (rev?.status ?? "—"), formatRatio(rev?.gradientPerForward), ...cells];
  });
  const header = engines.slice(1).flatMap((name) => (SUMMARY_RATIO_ENGINES.has(name) ? [name, `${name}: gradient / forward`] : [name]));
  return table(["workload", "inputs", reverse, `${reverse}: gradient / forward`, ...header], rows);
}

export function memoryTable(r: Results): string {
  const rows: string[][] = [];
  for (const w of r.workloads) {
    const g = w.memory.gradc;
    if (!g && w.memory.tapeNodes === undefined) continue;
    rows.push([
      w.name,
      g ? `${formatCount(g.values)} / ${formatCount(g.inactive)}${g.arrayBytes ? ` / ${formatBytes(g.arrayBytes)}` : ""}` : "—",
      g ? formatBytes(g.savedBytes) : "—",
      g ? formatBytes(g.bufferBytes) : "—",
      w.memory.tapeNodes === undefined ? "—" : formatCount(w.memory.tapeNodes),
      formatBytes(w.memory.tapeBytes),
      g && w.memory.tapeBytes !== undefined ? (g.savedBytes + g.bufferBytes > 0 ? formatRatio(w.memory.tapeBytes / (g.savedBytes + g.bufferBytes)) : "gradc keeps nothing") : "—",
    ]);
  }
  return table(["workload", "gradc saves: values / inactive (/ arrays)", "gradc saved bytes", "gradc scratch buffers", "tape nodes", "tape bytes", "tape / gradc (saved + scratch)"], rows);
}

export function heapTable(r: Results): string {
  const rows: string[][] = [];
  for (const w of r.workloads) for (const row of w.rows) if (row.heapDeltaBytes !== undefined) rows.push([w.name, row.engine, formatBytes(row.heapDeltaBytes)]);
  return table(["workload", "engine", "heap growth per gradient call"], rows);
}

export function codeSizeTable(r: Results): string {
  return table(
    ["function", "source (with callees): lines / bytes", "generated reverse function: lines / bytes", "all generated reverse code: lines / bytes", "generated / source (lines)"],
    r.codeSize.map((c) => [
      `\`${c.function}\` (${c.file})`,
      `${c.source.lines} / ${formatBytes(c.source.bytes)} (${c.source.functions.length} fn)`,
      `${c.reverse.lines} / ${formatBytes(c.reverse.bytes)}`,
      `${c.generated.lines} / ${formatBytes(c.generated.bytes)} (${c.generated.functions.length} fn)`,
      formatRatio(c.generated.lines / c.source.lines),
    ]),
  );
}

export function compileTimeTable(r: Results): string {
  return table(
    ["module", "lines", "transformModule (median)", "min–max", "first run", "output lines"],
    r.compileTime.map((c) => [c.module, formatCount(c.lines), formatTime(c.medianMs), `${formatTime(c.minMs)}–${formatTime(c.maxMs)}`, formatTime(c.firstMs), formatCount(c.outputLines)]),
  );
}

function rate(v: number): string {
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2);
}

function isFailure(r: TrainingResult | SolveResult): r is TrainingFailure {
  return "error" in r;
}

export function trainingTable(r: Results): string {
  if (!r.training) return "";
  return table(
    ["engine", "env steps", "gradient updates", "env steps/s (whole run)", "env steps/s after learning_starts", "gradient updates/s", "seconds", "episodes", "mean return, last 10 episodes"],
    r.training.map((t) =>
      isFailure(t)
        ? [t.engine, formatCount(t.steps), "—", "—", "—", "—", "—", "—", `error: ${t.error}`]
        : [
            t.engine,
            formatCount(t.steps),
            formatCount(t.updates),
            rate(t.stepsPerSecond),
            rate(t.trainingStepsPerSecond),
            rate(t.updatesPerSecond),
            t.seconds.toFixed(1),
            formatCount(t.episodes),
            t.meanReturnLast10.toFixed(1),
          ],
    ),
  );
}

export function solveTable(r: Results): string {
  if (!r.solve) return "";
  return table(
    ["engine", "seed", "solved at step", "seconds to solve", "episodes to solve", "run: steps / seconds"],
    r.solve.map((s) =>
      isFailure(s)
        ? [s.engine, "—", "—", "—", "—", `error: ${s.error}`]
        : [
            s.engine,
            String(s.seed),
            s.solvedAtStep === null ? `not solved in ${formatCount(s.maxSteps)}` : formatCount(s.solvedAtStep),
            s.solvedAtSeconds === null ? "—" : s.solvedAtSeconds.toFixed(1),
            formatCount(s.episodes),
            `${formatCount(s.steps)} / ${s.seconds.toFixed(1)}`,
          ],
    ),
  );
}

const TRAINING_NOTE =
  "The same DQN on every engine: gradc's trainer (compiled gradient in JavaScript, the same code as WebAssembly, tape), and its loop with the network, TD targets, loss, " +
  "gradient, clipping and Adam step in TensorFlow.js or jax-js (float32; bench/peer-training/). Same config, same initial " +
  "weights, same random draws: the peers replay gradc's episodes until float32 rounding first flips a greedy action.";

function solveNote(r: Results): string {
  const s = r.solve?.find((x) => !isFailure(x));
  const criterion = s && !isFailure(s) ? `the mean return of the last ${s.solveWindow} training episodes reaches ${s.rewardThreshold}` : "the solve criterion holds";
  return (
    `Trained with the config's full schedule until ${criterion} (gradc's criterion; one seed). gradc's trainer then runs on ` +
    "until a greedy evaluation agrees (stop_on_solve), so its run is longer than its time to solve; the peers stop at the solve."
  );
}

export function machineLine(r: Results): string {
  const m = r.machine;
  const load = (l: number[] | undefined) => (l ? l.map((v) => v.toFixed(2)).join(", ") : "?");
  return (
    `${r.mode} run, ${r.date}: ${m.cpu}, ${m.cores} cores, ${m.memoryGB} GB, Node ${m.node} (${m.platform}); ` +
    `load average ${load(m.loadAverageStart)} at the start, ${load(m.loadAverageEnd)} at the end; ${r.durationSeconds.toFixed(0)} s.`
  );
}

export function markdown(r: Results): string {
  const parts: string[] = [];
  parts.push(`# gradc benchmark (${r.mode})`, "", machineLine(r), "");
  parts.push(`Peers: ${r.peers.status}.${r.filter ? ` Workloads filtered by "${r.filter}".` : ""}`, "");
  parts.push(
    "## Summary",
    "",
    "Median time per gradient; in parentheses, relative to gradc reverse (below 1× is faster). Empty: the engine does not support or afford the workload. " +
      "gradient / forward divides by the plain JavaScript function for both gradc reverse and gradc wasm (its wasm forward, `jit`, is not timed here, " +
      "so its ratio includes JavaScript-to-wasm copies of the arrays; a family the wasm engine refused at build time would show as error).",
    "",
    summaryTable(r),
    "",
  );
  parts.push(
    "## Time per gradient",
    "",
    "Median per call over interleaved rounds; spread is the interquartile range over rounds. `forward` is the engine's own plain " +
      "evaluation (for gradc's engines, gradc wasm included, the untransformed source function in JavaScript); `gradient / forward` is ADBench's measure. " +
      "`check` is the relative error against gradc reverse (value and ∞-norm of the gradient), within the engine's tolerance; " +
      "a mismatch is not timed. Engines that do not support or afford a workload are left out.",
    "",
    timingTable(r),
    "",
  );
  parts.push(
    "## Memory",
    "",
    "What the reverse sweep keeps: gradc's generated code at its peak stack depth (values on the Float64Array stack, 8 B each; " +
      "inactive indices/flags/trip counts on a plain array, 8 B a slot; arrays saved whole), plus the scratch buffers it reuses " +
      "across calls (array adjoints, local arrays); the tape's recorded nodes at 40 B a node.",
    "",
    memoryTable(r),
    "",
    "Heap growth across one gradient call after a forced GC (heapUsed + arrayBuffers): per-call allocation, not storage an engine keeps across calls.",
    "",
    heapTable(r),
    "",
  );
  parts.push("## Code size", "", "Code lines (no blank or comment-only lines) and their bytes.", "", codeSizeTable(r), "");
  parts.push("## Compile time", "", compileTimeTable(r), "");
  if (r.training) parts.push("## Training throughput (CartPole-v1, default config)", "", TRAINING_NOTE, "", trainingTable(r), "");
  if (r.solve) parts.push("## Time to solve (CartPole-v1, default config)", "", solveNote(r), "", solveTable(r), "");
  if (r.plots.length > 0) parts.push("## Plots", "", ...r.plots.map((p) => `- [${p}](${p})`), "");
  return parts.join("\n");
}

/** The report of a `--solve-only` run. */
export function solveMarkdown(r: Results): string {
  return [`# gradc benchmark: time to solve`, "", machineLine(r), "", solveNote(r), "", solveTable(r), ""].join("\n");
}
