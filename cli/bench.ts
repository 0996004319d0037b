/**
 * `gradc bench FILE [--rounds N] [--json OUT]`: benchmarks the user's own functions on gradc's
 * engines — compiled reverse mode, compiled forward mode (one jvp pass per input coordinate), the
 * tape engine — and on central finite differences (Richardson-extrapolated), with the table of
 * the project's own benchmark (bench/results/latest.md): time per gradient, spread, a plain call
 * of the function, gradient / forward, and each engine against gradc reverse. FILE exports
 *
 *   export const benchmarks = {
 *     lecture: { f, args: [1.5, 0.5] },
 *     rosenbrock: { f: rosenbrock, args: [new Float64Array(10).fill(0.5)], wrt: [0] },
 *   };
 *
 * gradc compiles derivatives from marker calls naming the function, so this command reads the
 * object literal from FILE's source to learn each `f`, writes a driver with
 * `valueAndGradInto(f)`, `jvp(f)` and `valueAndGrad(f, { engine: "tape" })` for it
 * (cli/driver.ts), and loads it. Every engine's gradient is checked against gradc reverse mode
 * before anything is timed; a mismatch is reported and makes the command fail.
 */
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { diagnosticAt, formatDiagnostic, syntaxDiagnostics } from "../compiler/diagnostics.js";
import { skipParens } from "../compiler/front/modules.js";
import { richardsonDerivative } from "../runtime/check.js";
import { DriverDiagnostics, freshName, loadDriver, readUserFile, withGradcImport } from "./driver.js";
import { type Timing, formatRatio, formatSeconds, formatSpread, markdownTable, measureInterleaved } from "./measure.js";

export interface BenchOptions {
  rounds: number;
  json?: string;
  /** Target duration of one timed batch, seconds. */
  batchSeconds?: number;
}

/** One entry of FILE's `benchmarks` literal, as read from the source. */
interface EntrySource {
  name: string;
  /** The source text of `f`: an identifier, or an inline function. */
  fText: string;
  /** Literal `wrt`, always as a list. */
  wrt?: number[];
}

type Arg = number | boolean | Float64Array | number[];
type Gradient = number | Float64Array | number[];

/** What the driver exports for each entry. */
interface DriverEntry {
  f: (...args: Arg[]) => number;
  args: unknown;
  /** valueAndGradInto(f, { wrt }): one buffer per listed parameter (length 1 for a number). */
  reverse: (grads: Float64Array[], ...args: Arg[]) => number;
  forward: (primals: unknown[], tangents: unknown[]) => [number, number];
  tape: (...args: Arg[]) => [number, Gradient[]];
}

/** The engines, named as in the project's benchmark. */
export const ENGINES = ["gradc reverse", "gradc forward", "tape", "finite differences"] as const;
export type EngineName = (typeof ENGINES)[number];

export interface EngineResult {
  engine: EngineName;
  /** How the gradient is computed: "1 reverse pass", "10 jvp passes", "40 calls of f". */
  work: string;
  /** Seconds per gradient over rounds. */
  gradient: { median: number; min: number; max: number; callsPerRound: number };
  /** Median gradient time over the median time of a plain call of f. */
  gradientPerForward: number;
  /** Median gradient time over gradc reverse's. */
  relativeToReverse: number;
  /**
   * Against gradc reverse: the largest |g − g_reverse| / max(1, |g_reverse|) over the gradient's
   * coordinates; for gradc reverse itself, its value against a plain call of f.
   */
  error: number;
  tolerance: number;
  ok: boolean;
}

export interface BenchReport {
  file: string;
  rounds: number;
  node: string;
  ok: boolean;
  functions: {
    name: string;
    /** Differentiated input coordinates. */
    inputs: number;
    value: number;
    /** A plain call of f, seconds. */
    forward: { median: number; min: number; max: number; callsPerRound: number };
    engines: EngineResult[];
  }[];
}

/** Tolerances of the check against gradc reverse (its own row: the value against a plain call). */
const TOLERANCE: Record<EngineName, number> = {
  "gradc reverse": 1e-12,
  "gradc forward": 1e-9,
  tape: 1e-9,
  "finite differences": 1e-6,
};

const timing = (t: Timing) => ({ median: t.median, min: t.min, max: t.max, callsPerRound: t.calls });

export async function bench(file: string, options: BenchOptions): Promise<number> {
  const source = readUserFile("bench", file);
  if (!source) return 1;
  const entries = readBenchmarks(source.path, source.text);
  if (typeof entries === "string") {
    process.stderr.write(`${entries}\n`);
    return 1;
  }

  const taken = new Set<string>();
  const local = {
    valueAndGrad: freshName(source.text, "gradcBench_valueAndGrad", taken),
    valueAndGradInto: freshName(source.text, "gradcBench_valueAndGradInto", taken),
    jvp: freshName(source.text, "gradcBench_jvp", taken),
  };
  const exportName = freshName(source.text, "gradcBenchDriver", taken);
  const lines = entries.map((e) => {
    const key = JSON.stringify(e.name);
    const wrt = e.wrt ? `wrt: [${e.wrt.join(", ")}]` : "";
    return [
      `  ${key}: {`,
      `    f: benchmarks[${key}].f,`,
      `    args: benchmarks[${key}].args,`,
      `    reverse: ${local.valueAndGradInto}(${e.fText}${wrt ? `, { ${wrt} }` : ""}),`,
      `    forward: ${local.jvp}(${e.fText}),`,
      `    tape: ${local.valueAndGrad}(${e.fText}, { ${wrt ? `${wrt}, ` : ""}engine: "tape" }),`,
      `  },`,
    ].join("\n");
  });
  const sf = ts.createSourceFile(source.path, source.text, ts.ScriptTarget.ESNext, true);
  const driver = [
    withGradcImport(sf.text, {
      [local.valueAndGrad]: "valueAndGrad",
      [local.valueAndGradInto]: "valueAndGradInto",
      [local.jvp]: "jvp",
    }),
    "",
    "// ---- gradc bench: one marker call per engine and benchmark ----",
    `export const ${exportName} = {`,
    ...lines,
    "};",
    "",
  ].join("\n");

  let loaded: Record<string, DriverEntry>;
  try {
    loaded = (await loadDriver(source.path, driver, exportName, "gradc-bench")) as Record<string, DriverEntry>;
  } catch (error) {
    if (error instanceof DriverDiagnostics) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }

  const report: BenchReport = { file: path.relative(process.cwd(), source.path) || source.path, rounds: options.rounds, node: process.version, ok: true, functions: [] };
  const batchSeconds = options.batchSeconds ?? 0.002;
  process.stderr.write(`gradc bench: ${entries.length} function(s), ${options.rounds} interleaved rounds of ~${batchSeconds * 1000} ms per engine\n`);
  for (const entry of entries) {
    const result = benchOne(entry, loaded[entry.name]!, options.rounds, batchSeconds);
    if (typeof result === "string") {
      process.stderr.write(`gradc bench: ${entry.name}: ${result}\n`);
      return 1;
    }
    report.functions.push(result);
    if (result.engines.some((r) => !r.ok)) report.ok = false;
  }

  const checkCell = (r: EngineResult) => {
    const error = r.error === 0 ? "exact" : r.error.toExponential(0);
    if (r.ok) return r.engine === "gradc reverse" ? `reference (value ${error})` : error;
    return `**mismatch**: ${r.error.toExponential(1)}, tolerance ${r.tolerance.toExponential(0)}`;
  };
  const rows = report.functions.flatMap((fn) =>
    fn.engines.map((r) => [
      fn.name,
      String(fn.inputs),
      r.engine,
      r.work,
      formatSeconds(r.gradient.median),
      formatSpread(r.gradient),
      formatSeconds(fn.forward.median),
      formatRatio(r.gradientPerForward),
      formatRatio(r.relativeToReverse),
      checkCell(r),
    ]),
  );
  process.stdout.write(
    markdownTable(
      ["function", "inputs", "engine", "work", "gradient", "spread (min–max)", "forward", "gradient / forward", "vs gradc reverse", "check (rel. error)"],
      rows,
      ["l", "r", "l", "l", "r", "r", "r", "r", "r", "l"],
    ) + "\n\n",
  );
  process.stdout.write(
    "Median time per gradient over interleaved rounds; `forward` is a plain call of the function; `check` is the relative error of the gradient against gradc reverse (∞-norm, relative to max(1, |g|)).\n",
  );
  const checked = report.functions.flatMap((fn) => fn.engines.filter((r) => r.engine !== "gradc reverse").map((r) => ({ fn: fn.name, r })));
  const worst = checked.reduce((w, c) => (Number.isNaN(c.r.error) ? NaN : Math.max(w, c.r.error)), 0);
  if (report.ok) {
    process.stdout.write(
      `gradient check: passed — every engine agrees with gradc reverse (worst relative error ${worst.toExponential(1)}; tolerance ${TOLERANCE["gradc forward"].toExponential(0)} for gradc forward and tape, ${TOLERANCE["finite differences"].toExponential(0)} for finite differences)\n`,
    );
  } else {
    for (const fn of report.functions) {
      for (const r of fn.engines.filter((e) => !e.ok)) {
        const what = r.engine === "gradc reverse" ? "the value of gradc reverse differs from a plain call of f" : `${r.engine} differs from gradc reverse`;
        process.stderr.write(`gradc bench: GRADIENT MISMATCH: ${fn.name}: ${what} by ${r.error.toExponential(2)} (relative; tolerance ${r.tolerance.toExponential(0)})\n`);
      }
    }
    process.stdout.write("gradient check: FAILED — see the rows marked mismatch\n");
  }
  if (options.json) {
    fs.mkdirSync(path.dirname(path.resolve(options.json)), { recursive: true });
    fs.writeFileSync(options.json, JSON.stringify(report, null, 2) + "\n");
    process.stderr.write(`gradc bench: wrote ${options.json}\n`);
  }
  return report.ok ? 0 : 1;
}

/**
 * Reads `export const benchmarks = { name: { f, args, wrt? }, … }` from FILE's source: a string
 * on error (formatted like gradc's diagnostics).
 */
export function readBenchmarks(file: string, text: string): EntrySource[] | string {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ESNext, true, file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const syntax = syntaxDiagnostics(sf);
  if (syntax.length > 0) return syntax.map(formatDiagnostic).join("\n\n");
  const shape = "write `export const benchmarks = { name: { f: someFunction, args: [...] } }`, with the object written out in FILE";
  let literal: ts.ObjectLiteralExpression | undefined;
  let declaration: ts.Node | undefined;
  for (const stmt of sf.statements) {
    if (!ts.isVariableStatement(stmt)) continue;
    for (const decl of stmt.declarationList.declarations) {
      if (!ts.isIdentifier(decl.name) || decl.name.text !== "benchmarks") continue;
      declaration = decl;
      const init = decl.initializer && skipParens(decl.initializer);
      if (init && ts.isObjectLiteralExpression(init)) literal = init;
    }
  }
  const fail = (node: ts.Node, message: string, hint = shape) => formatDiagnostic(diagnosticAt(node, message, hint));
  if (!declaration) return `gradc bench: ${path.basename(file)} declares no \`benchmarks\` at its top level; ${shape}`;
  if (!literal) return fail(declaration, "gradc bench reads `benchmarks` from the source: it must be an object literal");
  const entries: EntrySource[] = [];
  for (const prop of literal.properties) {
    if (!ts.isPropertyAssignment(prop) || !(ts.isIdentifier(prop.name) || ts.isStringLiteral(prop.name) || ts.isNumericLiteral(prop.name))) {
      return fail(prop, "each benchmark must be written `name: { f, args }`");
    }
    const name = prop.name.text;
    const value = skipParens(prop.initializer);
    if (!ts.isObjectLiteralExpression(value)) return fail(prop.initializer, `benchmark '${name}' must be an object literal { f, args, wrt? }`);
    let fText: string | undefined;
    let wrt: number[] | undefined;
    let hasArgs = false;
    for (const p of value.properties) {
      const key = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : undefined;
      if (ts.isShorthandPropertyAssignment(p) && key === "f") {
        fText = "f";
      } else if (ts.isShorthandPropertyAssignment(p) && key === "args") {
        hasArgs = true;
      } else if (ts.isPropertyAssignment(p) && key === "f") {
        const target = skipParens(p.initializer);
        if (!(ts.isIdentifier(target) || ts.isArrowFunction(target) || ts.isFunctionExpression(target))) {
          return fail(p.initializer, `benchmark '${name}': f must name a function (or be an inline function): gradc compiles its derivatives from the name`, "write f: someFunction, with someFunction declared in FILE or imported into it");
        }
        fText = target.getText(sf);
      } else if (ts.isPropertyAssignment(p) && key === "args") {
        hasArgs = true;
      } else if (ts.isPropertyAssignment(p) && key === "wrt") {
        const w = skipParens(p.initializer);
        const single = literalNumber(w);
        if (single !== undefined) wrt = [single];
        else if (ts.isArrayLiteralExpression(w) && w.elements.length > 0 && w.elements.every((e) => literalNumber(e) !== undefined)) wrt = w.elements.map((e) => literalNumber(e)!);
        else return fail(p.initializer, `benchmark '${name}': wrt must be a parameter index or a list of indices written as literals`, "e.g. wrt: 0 or wrt: [0, 2]");
      } else {
        return fail(p, `benchmark '${name}': unknown property (known: f, args, wrt)`);
      }
    }
    if (!fText) return fail(prop, `benchmark '${name}' has no f`);
    if (!hasArgs) return fail(prop, `benchmark '${name}' has no args`);
    entries.push({ name, fText, wrt });
  }
  if (entries.length === 0) return fail(literal, "`benchmarks` is empty");
  return entries;
}

function literalNumber(e: ts.Expression): number | undefined {
  if (ts.isNumericLiteral(e)) return Number(e.text);
  return undefined;
}

function copyArg(a: Arg): Arg {
  if (a instanceof Float64Array) return Float64Array.from(a);
  if (Array.isArray(a)) return [...a];
  return a;
}

/** The flat list of coordinates of the differentiated parameters: [param index, element or -1]. */
function coordinates(args: Arg[], wrt: number[]): [number, number][] {
  return wrt.flatMap((i): [number, number][] => {
    const a = args[i]!;
    if (typeof a === "number") return [[i, -1]];
    if (typeof a === "boolean") return [];
    return Array.from({ length: a.length }, (_, j): [number, number] => [i, j]);
  });
}

/** Flattens a gradient list (aligned with `listed`) to the coordinates of `wrt`. */
function flatten(grads: ArrayLike<Gradient>, listed: number[], wrt: number[], args: Arg[]): Float64Array {
  const out: number[] = [];
  for (const i of wrt) {
    const a = args[i]!;
    if (typeof a === "boolean") continue;
    const g = grads[listed.indexOf(i)];
    if (g === undefined) throw new Error(`no gradient for parameter ${i}`);
    if (typeof g === "number") out.push(g);
    else if (typeof a === "number") out.push(g[0]!);
    else out.push(...g);
  }
  return Float64Array.from(out);
}

function benchOne(entry: EntrySource, d: DriverEntry, rounds: number, batchSeconds: number): BenchReport["functions"][number] | string {
  if (!Array.isArray(d.args)) return "args must be an array of f's arguments";
  const args = d.args as Arg[];
  for (const [i, a] of args.entries()) {
    if (!(typeof a === "number" || typeof a === "boolean" || a instanceof Float64Array || (Array.isArray(a) && a.every((v) => typeof v === "number")))) {
      return `argument ${i} is neither a number, a boolean, a Float64Array nor a number[]`;
    }
  }
  const wrt = entry.wrt ?? args.flatMap((a, i) => (typeof a === "boolean" ? [] : [i]));
  for (const i of wrt) if (i < 0 || i >= args.length) return `wrt index ${i} is out of range: ${args.length} arguments`;
  // Without `wrt` the gradient list has an entry for every parameter (0 for a boolean).
  const listed = entry.wrt ?? args.map((_, i) => i);
  const coords = coordinates(args, wrt);
  const n = coords.length;

  // Timed as the project's benchmark times them: gradc reverse writes into buffers allocated once.
  const buffers = listed.map((i) => {
    const a = args[i]!;
    return new Float64Array(typeof a === "number" || typeof a === "boolean" ? 1 : a.length);
  });
  const plain = () => d.f(...args);
  const reverse = () => d.reverse(buffers, ...args);
  const tape = () => d.tape(...args);
  // Forward mode: one jvp pass per input coordinate, with a unit tangent.
  const tangents: unknown[] = args.map((a) => (typeof a === "number" ? 0 : typeof a === "boolean" ? false : new Float64Array(a.length)));
  const forward = () => {
    const g = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const [i, j] = coords[k]!;
      if (j < 0) tangents[i] = 1;
      else (tangents[i] as Float64Array)[j] = 1;
      g[k] = d.forward(args, tangents)[1];
      if (j < 0) tangents[i] = 0;
      else (tangents[i] as Float64Array)[j] = 0;
    }
    return g;
  };
  // Central differences at step h and h/2, Richardson-extrapolated: four calls of f per coordinate.
  const work = args.map(copyArg);
  const finiteDifferences = () => {
    const g = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const [i, j] = coords[k]!;
      const cell = work[i] as number[] | Float64Array;
      const base = j < 0 ? (work[i] as number) : cell[j]!;
      const at = (h: number) => {
        if (j < 0) work[i] = base + h;
        else cell[j] = base + h;
        return d.f(...work);
      };
      g[k] = richardsonDerivative(at, 1e-3 * Math.max(1, Math.abs(base)));
      if (j < 0) work[i] = base;
      else cell[j] = base;
    }
    return g;
  };

  // The check, on fresh copies of the arguments (f may write into its arrays).
  const value = d.f(...args.map(copyArg));
  const checkBuffers = buffers.map((b) => new Float64Array(b.length));
  const reverseValue = d.reverse(checkBuffers, ...args.map(copyArg));
  const reference = flatten(checkBuffers, listed, wrt, args);
  const errorOf = (g: Float64Array) => {
    let worst = 0;
    for (let k = 0; k < n; k++) {
      const e = Math.abs(g[k]! - reference[k]!) / Math.max(1, Math.abs(reference[k]!));
      worst = Number.isNaN(e) ? NaN : Math.max(worst, e);
    }
    return worst;
  };
  const errors: Record<EngineName, number> = {
    "gradc reverse": Math.abs(reverseValue - value) / Math.max(1, Math.abs(value)),
    "gradc forward": errorOf(forward()),
    tape: errorOf(flatten(d.tape(...args.map(copyArg))[1], listed, wrt, args)),
    "finite differences": errorOf(finiteDifferences()),
  };

  const timings = measureInterleaved({ forward: plain, "gradc reverse": reverse, "gradc forward": forward, tape, "finite differences": finiteDifferences }, { rounds, batchSeconds });
  const works: Record<EngineName, string> = {
    "gradc reverse": "1 reverse pass",
    "gradc forward": `${n} jvp pass${n === 1 ? "" : "es"}`,
    tape: "1 recording + 1 sweep",
    "finite differences": `${4 * n} calls of f`,
  };
  const engines = ENGINES.map((engine): EngineResult => {
    const t = timings[engine]!;
    const error = errors[engine];
    return {
      engine,
      work: works[engine],
      gradient: timing(t),
      gradientPerForward: t.median / timings.forward!.median,
      relativeToReverse: t.median / timings["gradc reverse"]!.median,
      error,
      tolerance: TOLERANCE[engine],
      ok: error <= TOLERANCE[engine],
    };
  });
  return { name: entry.name, inputs: n, value, forward: timing(timings.forward!), engines };
}
