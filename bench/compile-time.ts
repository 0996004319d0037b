/**
 * Compile time: `transformModule` (compiler/index.ts: parse, lower, analyse, differentiate,
 * simplify, print) on a generated module of about 1,000 lines — 20 functions of about 50 lines,
 * each with straight-line arithmetic, a branch and a loop over an array — once with a
 * `valueAndGrad` marker call per function and once with none (the cost gradc adds to a module that
 * asks nothing of it: parse and scan for marker calls). Each transform starts from a fresh module
 * graph; the figure is the median of several runs.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { transformModule } from "./compiler.js";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));

export interface CompileTime {
  module: string;
  lines: number;
  markers: number;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** The first transform of the process (compiler code not yet optimised by V8), not in the median. */
  firstMs: number;
  /** Lines of the transformed module (generated code included). */
  outputLines: number;
}

function generatedFunction(i: number): string {
  const body: string[] = [];
  body.push(`/** Generated benchmark function ${i}. */`);
  body.push(`export function f${i}(x: Float64Array, a: number, b: number): number {`);
  body.push(`  let s = ${i % 7} * a;`);
  for (let k = 0; k < 12; k++) {
    body.push(`  const c${k} = Math.sin(a * ${k + 1} + b) * ${(k % 3) + 1} + Math.exp(-b * b * ${k + 1} / ${i + 2});`);
    body.push(`  s += c${k} * c${k} / (1 + a * a);`);
  }
  body.push(`  if (s > ${i}) {`);
  body.push(`    s = Math.log(1 + s * s) + b;`);
  body.push(`  } else {`);
  body.push(`    s = s * Math.cos(a - b);`);
  body.push(`  }`);
  body.push(`  for (let j = 0; j < x.length; j++) {`);
  body.push(`    const u = x[j] * a + s;`);
  body.push(`    const v = Math.tanh(u) - b * x[j];`);
  body.push(`    const w = u * v + Math.sqrt(1 + v * v);`);
  for (let k = 0; k < 8; k++) body.push(`    s += w * c${k} * ${1 / (k + 1)} + Math.sin(u * ${k + 1}) * 0.5;`);
  body.push(`    if (w > 1) s -= w * 0.25;`);
  body.push(`  }`);
  body.push(`  const r = s * c0 + c1 * c2 - c3 / (1 + c4 * c4);`);
  body.push(`  return r + c5 * c6 + c7 * c8 + c9 * c10 + c11;`);
  body.push(`}`);
  body.push(``);
  return body.join("\n");
}

/** A module of `count` generated functions, with a marker call per function when `markers`. */
export function generatedModule(count: number, markers: boolean): string {
  const parts: string[] = [];
  if (markers) parts.push(`import { valueAndGrad } from "gradc";\n`);
  for (let i = 0; i < count; i++) parts.push(generatedFunction(i));
  if (markers) for (let i = 0; i < count; i++) parts.push(`export const g${i} = valueAndGrad(f${i}, { wrt: [0, 1, 2] });`);
  return parts.join("\n") + "\n";
}

export function measureCompileTime(runs: number): CompileTime[] {
  const out: CompileTime[] = [];
  for (const markers of [true, false]) {
    const source = generatedModule(20, markers);
    const file = path.join(BENCH_DIR, markers ? "compile-time-20-markers.ts" : "compile-time-no-markers.ts");
    const times: number[] = [];
    let firstMs = NaN;
    let outputLines = source.split("\n").length;
    for (let r = 0; r < runs + 1; r++) {
      const t0 = performance.now();
      const result = transformModule(source, file);
      const ms = performance.now() - t0;
      if (result.diagnostics.length > 0) throw new Error(`compile time: the generated module has diagnostics: ${result.diagnostics[0].message}`);
      if (result.code !== undefined) outputLines = result.code.split("\n").length;
      if (r > 0) times.push(ms);
      else firstMs = ms; // the first run warms the compiler up
    }
    times.sort((a, b) => a - b);
    out.push({
      module: markers ? "20 functions, 20 marker calls" : "20 functions, no marker calls",
      lines: source.split("\n").length,
      markers: markers ? 20 : 0,
      runs,
      medianMs: times[Math.floor(times.length / 2)],
      minMs: times[0],
      maxMs: times[times.length - 1],
      firstMs,
      outputLines,
    });
  }
  return out;
}
