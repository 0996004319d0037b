/**
 * Memory measurements of the benchmark.
 *
 * 1. What gradc's generated reverse code saves for its reverse sweep. The generated module keeps
 *    its stacks on a module-private support object (`$gradc`, compiler/emit/support.ts), so this
 *    module compiles its own copy of the same marker calls with `transformModule`, exposes that
 *    object (as the fuzzer does, fuzz/run.ts), bundles it with esbuild and loads it. Wrapping the
 *    object's push methods records the peak depth of the value stack (a Float64Array, 8 bytes a
 *    value), of the inactive stack (indices, flags, trip counts: a plain array, 8 bytes a slot on
 *    64-bit Node) and the bytes of arrays saved whole; `buffers` are the per-allocation-site
 *    scratch arrays kept across calls.
 * 2. What the tape records: `sharedTape.size` nodes after one gradient, at 40 bytes a node (value,
 *    two partials: 3 × 8; two parent indices: 2 × 4; the adjoint the backward sweep adds: 8).
 * 3. Heap growth across one gradient call of any engine, after a forced GC: heapUsed plus
 *    arrayBuffers (typed-array storage lives outside the JS heap). Storage an engine keeps across
 *    calls (the tape's arrays, gradc's stacks) shows up in 1 and 2, not here; this is per-call
 *    garbage, a lower bound if a collection ran during the call.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runInNewContext } from "node:vm";
import v8 from "node:v8";
import * as esbuild from "esbuild";
import { transformModule } from "./compiler.js";
import type { Workload } from "./engines/types.js";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);

export const TAPE_BYTES_PER_NODE = 40;

export interface StackPeak {
  /** Peak depth of the value (Float64Array) stack. */
  values: number;
  /** Peak depth of the inactive (plain array) stack. */
  inactive: number;
  /** Peak bytes of arrays saved whole (`pushArray`). */
  arrayBytes: number;
  /** Bytes of the reused scratch buffers (adjoint arrays, local arrays) after the call. */
  bufferBytes: number;
  /** values·8 + inactive·8 + arrayBytes: what the forward sweep saved for the reverse sweep. */
  savedBytes: number;
}

interface Support {
  top: number;
  inactive: number[];
  arrays: Float64Array[];
  buffers: (Float64Array | undefined)[];
  push(v: number): void;
  pushInactive(v: number): void;
  pushArray(a: Float64Array): void;
  popArray(): Float64Array;
}

type Probe = (grads: Float64Array[], ...args: unknown[]) => number;

const PROBE_SOURCE = `import { valueAndGradInto } from "gradc";
import { gmmObjective } from "../dsl-examples/gmm.js";
import { f as lecture } from "../dsl-examples/lecture.js";
import { lstmLoss } from "../dsl-examples/lstm.js";
import { rosenbrock } from "../dsl-examples/rosenbrock.js";
import { weightedTdLoss } from "../runtime/rl/networks/mlp.js";
import { scalarLoop } from "./scalar-loop.js";
export const lectureRev = valueAndGradInto(lecture, { wrt: [0, 1] });
export const rosenbrockRev = valueAndGradInto(rosenbrock, { wrt: [0] });
export const dqnRev = valueAndGradInto(weightedTdLoss, { wrt: [0] });
export const gmmRev = valueAndGradInto(gmmObjective, { wrt: [0, 1, 2] });
export const lstmRev = valueAndGradInto(lstmLoss, { wrt: [0] });
export const loopRev = valueAndGradInto(scalarLoop, { wrt: [0, 1] });
`;

/**
 * Compiles `source` (a module of marker calls, at `file`) with `transformModule`, bundles it and
 * loads it with its support object exported as `__support`.
 */
export async function loadWithSupport(source: string, file: string): Promise<Record<string, unknown>> {
  const result = transformModule(source, file);
  if (result.diagnostics.length > 0 || result.code === undefined) {
    throw new Error(`the memory probe did not compile: ${result.diagnostics.map((d) => d.message).join("; ")}`);
  }
  const code = `${result.code}\nexport const __support = $gradc;\n`;
  const bundle = await esbuild.build({
    stdin: { contents: code, resolveDir: path.dirname(file), sourcefile: path.basename(file), loader: "ts" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: "node20",
    alias: { gradc: path.join(ROOT, "runtime", "index.ts") },
    logLevel: "silent",
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gradc-bench-"));
  const out = path.join(dir, "memory-probe.mjs");
  fs.writeFileSync(out, bundle.outputFiles[0].text);
  try {
    return (await import(pathToFileURL(out).href)) as Record<string, unknown>;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The support object's save stacks, as the probes below read them. */
export interface StackSupport {
  top: number;
  inactive: unknown[];
  push(v: number): void;
  pushInactive(v: number): void;
}

/**
 * Wraps `s`'s push methods to record the peak depth of its value and inactive stacks; `reset`
 * starts a new measurement.
 */
export function watchStackPeaks(s: StackSupport): { reset(): void; values(): number; inactive(): number } {
  let values = 0;
  let inactive = 0;
  const { push, pushInactive } = s;
  s.push = function (v: number) {
    push.call(this, v);
    if (this.top > values) values = this.top;
  };
  s.pushInactive = function (v: number) {
    pushInactive.call(this, v);
    if (this.inactive.length > inactive) inactive = this.inactive.length;
  };
  return {
    reset: () => {
      values = inactive = 0;
    },
    values: () => values,
    inactive: () => inactive,
  };
}

/** Compiles the probe module and returns a function measuring one gradient's saved state. */
export async function gradcStackProbe(): Promise<(w: Workload) => StackPeak> {
  const mod = await loadWithSupport(PROBE_SOURCE, path.join(BENCH_DIR, "memory-probe.ts"));
  const s = mod.__support as Support;
  const peaks = watchStackPeaks(s);
  let arrayBytes = 0;
  let peakArrayBytes = 0;
  const pushArray = s.pushArray;
  const popArray = s.popArray;
  s.pushArray = function (a: Float64Array) {
    pushArray.call(this, a);
    arrayBytes += a.byteLength;
    if (arrayBytes > peakArrayBytes) peakArrayBytes = arrayBytes;
  };
  s.popArray = function () {
    const a = popArray.call(this);
    arrayBytes -= a.byteLength;
    return a;
  };
  const fn = (name: string) => mod[name] as Probe;

  return (w: Workload): StackPeak => {
    peaks.reset();
    arrayBytes = peakArrayBytes = 0;
    const scalars = () => [new Float64Array(1), new Float64Array(1)];
    switch (w.family) {
      case "lecture":
        fn("lectureRev")(scalars(), w.x[0], w.x[1]);
        break;
      case "rosenbrock":
        fn("rosenbrockRev")([new Float64Array(w.size)], w.x);
        break;
      case "dqn":
        fn("dqnRev")([new Float64Array(w.size)], w.theta, w.sizes, w.obs, w.actions, w.targets, w.weights, w.batch, true);
        break;
      case "gmm":
        fn("gmmRev")([new Float64Array(w.k), new Float64Array(w.k * w.d), new Float64Array(w.icf.length)], w.alphas, w.means, w.icf, w.x, w.d, w.k, w.n, w.gamma, w.m);
        break;
      case "lstm":
        fn("lstmRev")([new Float64Array(w.size)], w.w, w.xs, w.targets, w.hidden);
        break;
      case "scalar-loop":
        fn("loopRev")(scalars(), w.x[0], w.x[1], w.iterations);
        break;
    }
    let bufferBytes = 0;
    for (const b of s.buffers) if (b) bufferBytes += b.byteLength;
    // Buffers belong to allocation sites of every probe function: count this workload's only.
    for (let i = 0; i < s.buffers.length; i++) s.buffers[i] = undefined;
    const [values, inactive] = [peaks.values(), peaks.inactive()];
    return { values, inactive, arrayBytes: peakArrayBytes, bufferBytes, savedBytes: 8 * values + 8 * inactive + peakArrayBytes };
  };
}

let collect: (() => void) | undefined;

/** A forced full GC (through --expose-gc set at run time), or nothing if that is unavailable. */
export function gc(): void {
  if (!collect) {
    try {
      v8.setFlagsFromString("--expose-gc");
      collect = runInNewContext("gc") as () => void;
    } catch {
      collect = () => {};
    }
  }
  collect();
}

/** Heap growth (heapUsed + arrayBuffers) across one call after a forced GC; the median of `repeats`. */
export function heapDelta(run: () => unknown, repeats = 3): number {
  const deltas: number[] = [];
  for (let r = 0; r < repeats; r++) {
    gc();
    const before = process.memoryUsage();
    run();
    const after = process.memoryUsage();
    deltas.push(after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers));
  }
  deltas.sort((a, b) => a - b);
  return deltas[Math.floor(deltas.length / 2)];
}
