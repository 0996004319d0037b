/**
 * The differential fuzzer's runner. For each generated program it
 *
 *  1. compiles a module that asks gradc for every engine's derivative of f — compiled reverse
 *     (`grad(f)`, `grad(f, { wrt: [k] })`, `vjp(f)`), compiled forward (`jvp(f)`), the tape
 *     engine (`grad(f, { engine: "tape" })`), the wasm engine and `hvp(f)` — many programs per
 *     module for speed (without the engines gradc refuses for a program: compileRefusing);
 *  2. picks random points away from branch boundaries and kinks: at every coordinate,
 *     Richardson-extrapolated central differences at steps h and h/4 must agree (a jump or kink
 *     within reach of the stencil makes them disagree), otherwise the point is discarded; after
 *     several discarded points the program is counted as non-smooth and skipped;
 *  3. compares reverse, forward along each coordinate and along a random direction, tape, vjp
 *     and the wrt-restricted reverse with one another (exact up to rounding: 1e-9 relative) and
 *     with the finite differences (1e-5 relative to max(1, |g|)), and f's value with the values
 *     the engines report;
 *  4. then checks `hvp(f)` (second order) against central differences of the compiled gradient
 *     along a random direction v, and H's symmetry (vᵀ(H u) = uᵀ(H v)).
 *
 * A transform exception, diagnostics on a program of the subset, generated code that does not
 * build or throws, or a disagreement is a failure: the program is minimised (fuzz/minimize.ts)
 * while the failure persists and written to fuzz/failures/<seed>-<index>.ts.
 *
 * Bad input: programs with one construct from outside the subset injected
 * (generate.ts's MUTATIONS) must give diagnostics located inside the source — never an
 * exception, never silent acceptance.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { type Diagnostic, formatDiagnostic, loadWasmBackend, transformModule } from "../compiler/index.js";
import { wasmBackend } from "../compiler/emit/wasm/binaryen.js";
import * as runtime from "../runtime/index.js";
import { richardsonDerivative } from "../runtime/check.js";
import { type Expr, type ObjField, type Program, type Ty, Printer, allFns, childBlocks, forEachExpr, objectLeaves, printProgram, roundsToFloat32, statementLists } from "./ast.js";
import { generateBadInput, generateProgram } from "./generate.js";
import { minimize } from "./minimize.js";
import { Rng } from "./rng.js";

export const FUZZ_DIR = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_FAILURES_DIR = path.join(FUZZ_DIR, "failures");

/** Tolerances: engines against one another (exact up to rounding), and against finite differences. */
export const EXACT_RTOL = 1e-9;
export const FD_RTOL = 1e-5;
/** Richardson estimates at h and h/4 closer than this (relative): the point counts as smooth. */
export const SMOOTH_RTOL = 1e-6;
/**
 * Engines against one another at a Float32Array's element: its gradient is a Float32Array
 * (DESIGN.md), rounded to float32 (an ulp is 2⁻²³ relative) where forward mode gives a float64.
 */
export const F32_RTOL = 2 ** -22;
/**
 * hvp's symmetry, vᵀ(H u) against uᵀ(H v), relative to the terms summed: exact up to rounding,
 * but the two are different sweeps, each rounding sums of products of second derivatives.
 */
export const HVP_SYMMETRY_RTOL = 1e-9;

/** An argument of f: a number, boolean, string, typed array, or an object of them. */
export type Arg = number | boolean | string | Float64Array | Float32Array | Int32Array | Uint8Array | { [key: string]: Arg };
/** What an engine returns per parameter: a number, a typed array, an object of them. */
type Grad = unknown;
type Vector = ArrayLike<number>;

/**
 * The engines of one program. A number-valued f has `rev`, `fwd`, `tape`, `vjp` and `revw`; an
 * array-valued f (for which `grad` is a build-time diagnostic) has `fwd`, `vjp`, their tape
 * versions `tfwd` and `tvjp`, and `vjpw` (vjp with `wrt`). `f64`: f's float64 shadow, when f
 * rounds to float32 (see `Printer.shadow`): finite differences are taken of it.
 */
export interface Engines {
  f: (...args: Arg[]) => any;
  f64?: (...args: Arg[]) => any;
  rev?: (...args: Arg[]) => Grad[];
  fwd: (primals: Arg[], tangents: Arg[]) => [any, any];
  tape?: (...args: Arg[]) => Grad[];
  vjp: (...args: Arg[]) => [any, (cotangent: any) => Grad[]];
  revw?: (...args: Arg[]) => Grad[];
  tfwd?: (primals: Arg[], tangents: Arg[]) => [Vector, Vector];
  tvjp?: (...args: Arg[]) => [Vector, (cotangent: any) => Grad[]];
  vjpw?: (...args: Arg[]) => [Vector, (cotangent: any) => Grad[]];
  /**
   * The wasm engine (`engine: "wasm"`): `wrev` (grad, number-valued f only), `wfwd` (jvp) and
   * `wvjp` (vjp). Absent when the engine refused the program (a build-time diagnostic naming the
   * construct: counted, not a failure) and in modules built without it.
   */
  wrev?: (...args: Arg[]) => Grad[];
  wfwd?: (primals: Arg[], tangents: Arg[]) => [any, any];
  wvjp?: (...args: Arg[]) => [any, (cotangent: any) => Grad[]];
  /**
   * `hvp(f)` (number-valued f only; absent when gradc refused it: a helper that may recurse, an
   * object parameter): H(x)·v, shaped as grad's result. `g64`: the gradient of f's float64
   * shadow, when f rounds to float32 (`f64`): hvp is checked against its finite differences.
   */
  hvp?: (primals: Arg[], tangents: Arg[]) => Grad[];
  g64?: (...args: Arg[]) => Grad[];
  /** The wasm engine's glue (`$gradcWasm`): after every call its save stacks must be empty. */
  wasmSupport?: WasmSupport;
  /**
   * The generated code's support object (`$gradc`), when the module has one: after every call
   * its value stack and array stack must be empty again — what the forward sweep pushes, the
   * reverse sweep pops. Left-overs corrupt later calls, of this function or of any other
   * function of the same module.
   */
  support?: SupportStacks;
}

export type FailureKind =
  | "crash" // transformModule threw
  | "diagnostic" // diagnostics on a program inside the subset
  | "emit" // generated code does not parse or load
  | "runtime" // generated derivative code threw
  | "mismatch" // engines disagree with one another or with finite differences
  | "generator" // f itself threw or is not deterministic: a fuzzer bug
  | "bad-crash" // bad input: transformModule threw
  | "bad-accepted" // bad input: no diagnostic
  | "bad-location" // bad input: a diagnostic outside the source
  | "garbled-crash"; // syntactically broken input: transformModule threw

export interface Failure {
  kind: FailureKind;
  /** What identifies "the same failure" while minimising. */
  signature: string;
  message: string;
}

export interface FailureRecord extends Failure {
  seed: number;
  index: number;
  /** The reproducer written, if any. */
  file?: string;
  /** For bad input: its index (generateBadInput(seed, badIndex)). */
  badIndex?: number;
  /** The minimised program's source. */
  source: string;
}

export interface CheckOptions {
  /** Smooth points to check per program. */
  points: number;
  /** Points tried before the program is skipped as non-smooth (or untame). */
  attempts: number;
}

export interface ProgramResult {
  status: "ok" | "nonsmooth" | "untame" | "singular" | "failed";
  checkedPoints: number;
  /** Points discarded because a stencil straddled a kink or jump. */
  nonSmoothPoints?: number;
  /** Checked points where hvp was checked too, and where it was not because the gradient is not smooth along v. */
  hvpPoints?: number;
  hvpNonSmoothPoints?: number;
  failure?: Failure;
}

// ── Compiling ─────────────────────────────────────────────────────────────────────────────────

const HEADER = `import { grad, hvp, jvp, vjp } from "gradc";`;
// dtype "float64": the wasm engine computes as the compiled code does, so the two agree to 1e-9
// (without it, Float32Array parameters would compute in float32).
const WASM = `{ engine: "wasm", dtype: "float64" }`;

/** Parameters with a derivative (integer arrays, booleans and strings have none; `wrt` may not name them). */
const differentiable = (t: Ty): boolean => t === "num" || t === "arr" || t === "f32" || t === "obj";

/** The parameter index `grad(f, { wrt: [k] })` uses for this program. */
export function wrtIndex(p: Program): number {
  const rng = new Rng(p.seed, p.index, 0x3a7);
  const candidates = p.f.params.flatMap((q, i) => (differentiable(q.ty) ? [i] : []));
  return rng.pick(candidates);
}

/**
 * Engines gradc refused for a program, each with a diagnostic naming the construct (its label,
 * as counted in the summary): the module asks for the program's other engines only.
 */
export interface Refused {
  wasm?: string;
  hvp?: string;
}

/**
 * The exported engine object for a program, named `name`: without the engines in `refused`. A
 * number-valued f also gets `hvp(f)`, and when f rounds to float32 the gradient of its float64
 * shadow (`g64`), whose finite differences hvp is checked against.
 */
function enginesExport(p: Program, printer: Printer, name: string, refused: Refused): string {
  const f = printer.name("f");
  const shadow = roundsToFloat32(p) ? `, f64: ${f}_f64` : "";
  if (p.f.ret) {
    // grad of an array-valued function is a build-time diagnostic: vjp and jvp only.
    const w = refused.wasm === undefined ? `, wfwd: jvp(${f}, ${WASM}), wvjp: vjp(${f}, ${WASM})` : "";
    return `export const ${name} = { f: ${f}${shadow}, fwd: jvp(${f}), vjp: vjp(${f}), tfwd: jvp(${f}, { engine: "tape" }), tvjp: vjp(${f}, { engine: "tape" }), vjpw: vjp(${f}, { wrt: [${wrtIndex(p)}] })${w} };`;
  }
  const w = refused.wasm === undefined ? `, wrev: grad(${f}, ${WASM}), wfwd: jvp(${f}, ${WASM}), wvjp: vjp(${f}, ${WASM})` : "";
  const h = refused.hvp === undefined ? `, hvp: hvp(${f})${shadow ? `, g64: grad(${f}_f64)` : ""}` : "";
  return `export const ${name} = { f: ${f}${shadow}, rev: grad(${f}), fwd: jvp(${f}), tape: grad(${f}, { engine: "tape" }), vjp: vjp(${f}), revw: grad(${f}, { wrt: [${wrtIndex(p)}] })${w}${h} };`;
}

/** The comment that opens program k's part of a module (its declarations, then its export line). */
const PROGRAM_MARKER = "// program ";

/** The export of hvp alone (a probe for refusals: compileRefusing). */
function hvpExport(p: Program, printer: Printer, name: string): string {
  return `export const ${name} = { hvp: hvp(${printer.name("f")}) };`;
}

/**
 * A module with the programs' declarations and `export const P<k> = { engines }` for each;
 * `refused[k]`: the engines program k is built without.
 */
export function moduleSource(programs: Program[], refused: Refused[] = [], exportOf: (p: Program, printer: Printer, name: string, refused: Refused) => string = enginesExport): string {
  const parts = [HEADER];
  programs.forEach((p, k) => {
    const printer = new Printer(p, programs.length > 1 ? { prefix: `p${k}_` } : {});
    parts.push(`${PROGRAM_MARKER}${p.seed}/${p.index}`, printer.declarations(false));
    if (roundsToFloat32(p)) parts.push(printer.shadow(`${printer.name("f")}_f64`));
    parts.push(exportOf(p, printer, `P${k}`, refused[k] ?? {}));
  });
  return parts.join("\n\n") + "\n";
}

/** The prefix of program k's declarations (and of the functions gradc generates for them) in a module of `count` programs. */
const programPrefix = (k: number, count: number) => (count > 1 ? `p${k}_` : "");

export type CompileResult =
  | {
      ok: true;
      exports: Record<string, any>;
      /** Loops of the wasm module run on f64x2 lanes, by generated function (TransformResult.wasm). */
      vectorizedLoops?: Record<string, number>;
    }
  | {
      ok: false;
      failure: Failure;
      /** Every diagnostic is an engine refusing a construct (the wasm engine, or hvp: `refusingEngine`). */
      refusals?: Diagnostic[];
    };

/** What the wasm engine's diagnostics start with (compiler/index.ts `wasmModule()`). */
const WASM_DIAGNOSTIC = 'engine "wasm": ';

/**
 * hvp's refusals (compiler/index.ts `matrixWrapper`, differentiate/tangent-program.ts): second
 * order inlines every helper, so it refuses a helper that may recurse, and f's object or optional
 * parameters and object results are not supported yet.
 */
const HVP_REFUSALS = [
  /^second derivatives of '[^']+' need every helper inlined, and '[^']+' may recurse/,
  /^hvp\(\) takes functions of numbers, booleans, strings and arrays that return a number; '[^']+' (takes an object or an optional parameter|returns an object)/,
];

/** The engine a diagnostic is a refusal of, if it is one. */
function refusingEngine(d: Diagnostic): keyof Refused | undefined {
  if (d.message.startsWith(WASM_DIAGNOSTIC)) return "wasm";
  return HVP_REFUSALS.some((r) => r.test(d.message)) ? "hvp" : undefined;
}

/**
 * The fuzzer builds every module with the wasm engine, whose binaryen loads asynchronously:
 * `await loadWasmBackend()` (compiler/index.ts) once per process before the synchronous
 * functions here (`runFuzz`, `compileModule`, `runOne`), or call `runFuzzAsync`.
 */
export function assertWasmBackend(): void {
  if (!wasmBackend()) {
    throw new Error('the fuzzer compiles every program with engine "wasm" too: await loadWasmBackend() (from compiler/index.ts) once before runFuzz/compileModule, or use runFuzzAsync');
  }
}

export { loadWasmBackend };

let moduleCounter = 0;

/**
 * binaryen's optimisation level for the wasm engine's modules (TransformOptions.wasmOptimizeLevel):
 * 3 as in every build, unless runFuzz is told otherwise (the test sample saves time with 1) — for
 * the duration of that run, minimisation included.
 */
let wasmOptimizeLevel = 3;

/** Compiles module source with gradc, strips types with esbuild and evaluates it. */
export function compileModule(source: string, file = `/virtual/fuzz-${++moduleCounter}.ts`): CompileResult {
  if (source.includes(WASM)) assertWasmBackend();
  let result;
  try {
    result = transformModule(source, file, { wasmOptimizeLevel });
  } catch (e) {
    const err = e as Error;
    const first = `${err?.name ?? "Error"}: ${String(err?.message ?? e).split("\n")[0]}`;
    return { ok: false, failure: { kind: "crash", signature: normalise(first), message: `transformModule threw ${first}\n${stackTop(err)}` } };
  }
  if (result.diagnostics.length > 0) {
    const d = result.diagnostics[0];
    const refusals = result.diagnostics.every((x) => refusingEngine(x) !== undefined) ? result.diagnostics : undefined;
    return { ok: false, refusals, failure: { kind: "diagnostic", signature: d.message, message: `gradc rejected a program of the subset:\n${result.diagnostics.map(safeFormat).join("\n\n")}` } };
  }
  if (result.code === undefined) {
    return { ok: false, failure: { kind: "crash", signature: "no code", message: "transformModule returned no code and no diagnostics for a module with marker calls" } };
  }
  let js: string;
  try {
    js = esbuild.transformSync(result.code, { loader: "ts", format: "cjs", target: "node20", sourcefile: file, logLevel: "silent" }).code;
  } catch (e) {
    const message = String((e as Error).message ?? e).split("\n").slice(0, 6).join("\n");
    return { ok: false, failure: { kind: "emit", signature: "generated code does not parse", message: `the generated module does not parse:\n${message}` } };
  }
  // Expose the support object, to check that every call leaves its stacks empty.
  if (/^const \$gradc = \{/m.test(result.code)) js += "\nmodule.exports.__gradcSupport = $gradc;\n";
  // And the wasm engine's glue, to check its save stacks likewise.
  if (/^const \$gradcWasm = \{/m.test(result.code)) js += "\nmodule.exports.__gradcWasm = $gradcWasm;\n";
  try {
    const module = { exports: {} as Record<string, any> };
    const require = (id: string) => {
      if (id === "gradc") return runtime;
      throw new Error(`the generated module requires '${id}'`);
    };
    new Function("module", "exports", "require", js)(module, module.exports, require);
    return { ok: true, exports: module.exports, vectorizedLoops: result.wasm?.vectorizedLoops };
  } catch (e) {
    const err = e as Error;
    return { ok: false, failure: { kind: "emit", signature: `load: ${err?.name}`, message: `the generated module throws when loaded: ${err?.name}: ${err?.message}` } };
  }
}

function safeFormat(d: Diagnostic): string {
  try {
    return formatDiagnostic(d);
  } catch (e) {
    return `${d.file}:${d.line}:${d.col} - ${d.message} (formatDiagnostic threw ${(e as Error).message})`;
  }
}

function stackTop(e: Error): string {
  return (e?.stack ?? "").split("\n").slice(1, 6).join("\n");
}

function normalise(s: string): string {
  return s.replace(/\d+(\.\d+)?/g, "N").replace(/'[^']*'/g, "'…'");
}

// ── Checking ──────────────────────────────────────────────────────────────────────────────────

/** A deep copy: f may write into its arrays (also inside objects), and must never see the caller's. */
function copyArg(a: Arg): Arg {
  if (ArrayBuffer.isView(a)) return (a as Float64Array).slice();
  if (typeof a === "object" && a !== null) return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, copyArg(v)]));
  return a;
}

function copyArgs(args: Arg[]): Arg[] {
  return args.map(copyArg);
}

/** The arguments of f's float64 shadow: a Float32Array becomes a Float64Array of the same values. */
function shadowArgs(args: Arg[]): Arg[] {
  return args.map((a) => (a instanceof Float32Array ? Float64Array.from(a) : copyArg(a)));
}

function objectPoint(fields: ObjField[], arrLen: number, rng: Rng): Arg {
  return Object.fromEntries(
    fields.map((f): [string, Arg] => [
      f.key,
      f.ty === "num" ? rng.uniform(-2, 2) : f.ty === "arr" ? Float64Array.from({ length: arrLen }, () => rng.uniform(-1.5, 1.5)) : objectPoint(f.fields ?? [], arrLen, rng),
    ]),
  );
}

function randomPoint(p: Program, rng: Rng): Arg[] {
  return p.f.params.map((q): Arg => {
    if (q.ty === "num") return rng.uniform(-2, 2);
    if (q.ty === "bool") return rng.chance(0.5);
    if (q.ty === "str") return rng.pick(["fast", "exact"]);
    if (q.ty === "obj") return objectPoint(q.shape?.fields ?? [], p.arrLen, rng);
    // Labels 0–7 (f indexes with `labels[i] % a.length`), mask bits 0 or 1.
    if (q.ty === "i32") return Int32Array.from({ length: p.arrLen }, () => rng.int(0, 7));
    if (q.ty === "u8") return Uint8Array.from({ length: p.arrLen }, () => rng.int(0, 1));
    // A Float32Array holds the float32 nearest each draw.
    if (q.ty === "f32") return Float32Array.from({ length: p.arrLen }, () => rng.uniform(-1.5, 1.5));
    return Float64Array.from({ length: p.arrLen }, () => rng.uniform(-1.5, 1.5));
  });
}

interface Coord {
  param: number;
  /** Field names inside an object parameter ([] for the parameter itself). */
  path: string[];
  /** -1: a number; otherwise an element of an array. */
  element: number;
  label: string;
  /** An element of a Float32Array: its gradient entries are rounded to float32. */
  f32: boolean;
}

function coordinates(p: Program): Coord[] {
  const out: Coord[] = [];
  const elements = (param: number, path: string[], label: string, f32: boolean) => {
    for (let j = 0; j < p.arrLen; j++) out.push({ param, path, element: j, label: `${label}[${j}]`, f32 });
  };
  p.f.params.forEach((q, i) => {
    if (q.ty === "num") out.push({ param: i, path: [], element: -1, label: q.name, f32: false });
    if (q.ty === "arr" || q.ty === "f32") elements(i, [], q.name, q.ty === "f32");
    if (q.ty === "obj") {
      for (const leaf of objectLeaves(q.name, q.shape?.fields ?? [])) {
        if (leaf.ty === "num") out.push({ param: i, path: leaf.path, element: -1, label: leaf.name, f32: false });
        if (leaf.ty === "arr") elements(i, leaf.path, leaf.name, false);
      }
    }
  });
  return out;
}

function at(value: unknown, path: string[]): unknown {
  return path.reduce((v: any, key) => (typeof v === "object" && v !== null ? v[key] : undefined), value);
}

/** An engine's entry for a coordinate, from its list of per-parameter results (NaN if it is not there). */
function component(grads: Grad[] | undefined, c: Coord, param = c.param): number {
  const holder = at(grads?.[param], c.path);
  if (c.element < 0) return typeof holder === "number" ? holder : NaN;
  return holder instanceof Float64Array || holder instanceof Float32Array ? holder[c.element] : NaN;
}

function shifted(args: Arg[], c: Coord, h: number): Arg[] {
  const out = copyArgs(args);
  shiftInPlace(out, c, h);
  return out;
}

function shiftInPlace(args: Arg[], c: Coord, h: number): void {
  if (c.element >= 0) (at(args[c.param], c.path) as Float64Array)[c.element] += h;
  else if (c.path.length === 0) args[c.param] = (args[c.param] as number) + h;
  else (at(args[c.param], c.path.slice(0, -1)) as Record<string, number>)[c.path[c.path.length - 1]] += h;
}

/** x + t·v, at every coordinate. */
function movedAlong(x: Arg[], v: Arg[], coords: Coord[], t: number): Arg[] {
  const out = copyArgs(x);
  for (const c of coords) shiftInPlace(out, c, t * coordValue(v, c));
  return out;
}

function coordValue(args: unknown[], c: Coord): number {
  const holder = at(args[c.param], c.path);
  return c.element < 0 ? (holder as number) : (holder as Float64Array)[c.element];
}

// ── Results: numbers, arrays, objects (pytrees) ─────────────────────────────────────────────

/**
 * f's result as a list of numbers: itself, an array's elements, or an object's leaves in its
 * type's field order (nested objects in place), as JAX's ravel_pytree would. Anything of
 * another shape (a missing field, an array of another length) gives [NaN].
 */
export function flatResult(p: Program, y: unknown): number[] {
  if (p.f.ret === "obj") {
    const out: number[] = [];
    const walk = (v: unknown, fields: ObjField[]): boolean =>
      typeof v === "object" && v !== null && !ArrayBuffer.isView(v) &&
      fields.every((f) => {
        const x = (v as Record<string, unknown>)[f.key];
        if (f.ty === "num") return typeof x === "number" && (out.push(x), true);
        if (f.ty === "arr") return (x instanceof Float64Array || Array.isArray(x)) && x.length === p.arrLen && (out.push(...Array.from(x as ArrayLike<number>)), true);
        return walk(x, f.fields ?? []);
      });
    return walk(y, p.f.retShape?.fields ?? []) ? out : [NaN];
  }
  if (typeof y === "number") return [y];
  return ArrayBuffer.isView(y) || Array.isArray(y) ? Array.from(y as ArrayLike<number>) : [NaN];
}

/** The numbers of `flatResult` shaped as f's result: an object of numbers and Float64Arrays for an object result (a cotangent), else a plain array. */
export function shapedResult(p: Program, numbers: number[]): unknown {
  if (p.f.ret !== "obj") return numbers.slice();
  let at = 0;
  const build = (fields: ObjField[]): Record<string, unknown> =>
    Object.fromEntries(
      fields.map((f) => {
        if (f.ty === "num") return [f.key, numbers[at++]];
        if (f.ty === "arr") {
          const a = Float64Array.from(numbers.slice(at, at + p.arrLen));
          at += p.arrLen;
          return [f.key, a];
        }
        return [f.key, build(f.fields ?? [])];
      }),
    );
  return build(p.f.retShape?.fields ?? []);
}

/** Whether an engine's value or tangent has f's result shape: a Float64Array of f's length, or an object of the result's fields (Float64Arrays for its arrays). */
function resultShapeProblem(p: Program, v: unknown, m: number): string | undefined {
  if (p.f.ret !== "obj") return v instanceof Float64Array && v.length === m ? undefined : `${describe(v)}, expected a Float64Array of length ${m}`;
  const check = (x: unknown, fields: ObjField[], label: string): string | undefined => {
    if (typeof x !== "object" || x === null || ArrayBuffer.isView(x)) return `${label} is ${describe(x)}, expected an object`;
    const keys = Object.keys(x).sort().join(",");
    const want = fields.map((f) => f.key).sort().join(",");
    if (keys !== want) return `${label} has the fields {${keys}}, the result {${want}}`;
    for (const f of fields) {
      const y = (x as Record<string, unknown>)[f.key];
      const where = `${label}.${f.key}`;
      if (f.ty === "num" && typeof y !== "number") return `${where} is ${describe(y)}, expected a number`;
      if (f.ty === "arr" && !(y instanceof Float64Array && y.length === p.arrLen)) return `${where} is ${describe(y)}, expected a Float64Array of length ${p.arrLen}`;
      if (f.ty === "obj") {
        const problem = check(y, f.fields ?? [], where);
        if (problem) return problem;
      }
    }
    return undefined;
  };
  return check(v, p.f.retShape?.fields ?? [], "the result");
}

/** Richardson-extrapolated central differences at steps h and h/4 (runtime/check.ts's formula), of every output of f at once. */
function richardsonVector(g: (t: number) => number[], step: number): number[] {
  const central = (h: number) => {
    const a = g(h);
    const b = g(-h);
    return a.length === b.length ? a.map((ai, i) => (ai - b[i]) / (2 * h)) : [NaN];
  };
  const half = central(step / 2);
  const full = central(step);
  return half.length === full.length ? half.map((v, i) => (4 * v - full[i]) / 3) : [NaN];
}

/** Finite differences of every output along one coordinate; smooth when the estimates at h and h/4 agree for every output. */
function finiteDifference(f: (...args: Arg[]) => unknown, args: Arg[], c: Coord, flat: (y: unknown) => number[]): { value: number[]; smooth: boolean } {
  const x = coordValue(args, c);
  const h = 1e-3 * Math.max(1, Math.abs(x));
  const at = (t: number): number[] => flat(f(...shifted(args, c, t)));
  return richardsonEstimates(at, h);
}

/**
 * The Richardson estimates of g'(0) at steps h and h/4: the finer one, and whether the two agree
 * for every output (a kink or jump within reach of the stencil makes them disagree).
 */
function richardsonEstimates(g: (t: number) => number[], h: number): { value: number[]; smooth: boolean } {
  const coarse = richardsonVector(g, h);
  const fine = richardsonVector(g, h / 4);
  const smooth = coarse.length === fine.length && fine.every((v, i) => Number.isFinite(coarse[i]) && Number.isFinite(v) && Math.abs(coarse[i] - v) <= SMOOTH_RTOL * Math.max(1, Math.abs(v)));
  return { value: fine, smooth };
}

/** Engines against one another, to rounding (float32's at a Float32Array's elements). */
const engineTol = (c: Coord | undefined) => (c?.f32 ? F32_RTOL : EXACT_RTOL);
const exactClose = (a: number, b: number, c?: Coord) => a === b || Math.abs(a - b) <= engineTol(c) * Math.max(1, Math.abs(a), Math.abs(b));
const fdClose = (g: number, fd: number, scale = Math.abs(fd)) => Math.abs(g - fd) <= FD_RTOL * Math.max(1, scale);

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(17).replace(/(\.\d*?)0+(e|$)/, "$1$2").replace(/\.(e|$)/, "$1") : String(x);
}

function formatArg(a: Arg): string {
  if (a instanceof Float64Array || a instanceof Float32Array || a instanceof Int32Array || a instanceof Uint8Array) {
    return `${a.constructor.name}.from([${Array.from(a as ArrayLike<number>).map(fmt).join(", ")}])`;
  }
  if (typeof a === "number") return fmt(a);
  if (typeof a === "object" && a !== null) return `{ ${Object.entries(a).map(([k, v]) => `${k}: ${formatArg(v)}`).join(", ")} }`;
  return String(a);
}

export function formatArgs(p: Program, args: Arg[]): string {
  return args.map((a, i) => `${p.f.params[i].name} = ${formatArg(a)}`).join(", ");
}

/** The generated code's save stacks (compiler/emit/support.ts), as the module exports them. */
export interface SupportStacks {
  top: number;
  inactive: unknown[];
  arrays: unknown[];
}

/** What a call left on the save stacks ("" when balanced); clears them, so later calls start clean. */
export function takeStackLeftovers(support: SupportStacks): string {
  const what = [
    support.top > 0 ? `${support.top} value(s) left on the stack` : support.top < 0 ? "more values popped than pushed" : "",
    support.inactive.length > 0 ? `${support.inactive.length} inactive value(s) left` : "",
    support.arrays.length > 0 ? `${support.arrays.length} array(s) left` : "",
  ].filter(Boolean).join(", ");
  clearStacks(support);
  return what;
}

/** The wasm engine's glue (`$gradcWasm`, compiler/emit/wasm/glue.ts): its instance's exports, once a call instantiated it. */
export interface WasmSupport {
  exports?: Record<string, { value: number } | unknown>;
}

const WASM_STACKS: [name: string, bytes: number][] = [["active", 8], ["inactive", 8], ["arrays", 4]];

/**
 * What the last wasm call left on its save stacks ("" when balanced). The module resets its heap
 * and stacks at the start of every call, so a left-over cannot spoil later calls, but a call that
 * pushes what it never pops (or pops below the bottom) has a reverse sweep out of step with its
 * forward sweep.
 */
export function takeWasmLeftovers(wasm: WasmSupport): string {
  const e = wasm.exports as Record<string, { value: number }> | undefined;
  if (!e) return "";
  return WASM_STACKS.flatMap(([name, bytes]) => {
    const top = e[`${name}_top`]?.value;
    const bottom = e[`${name}_bottom`]?.value;
    if (top === undefined || bottom === undefined || top === bottom) return [];
    return [top > bottom ? `${(top - bottom) / bytes} value(s) left on the ${name} stack` : `more values popped than pushed on the ${name} stack`];
  }).join(", ");
}

function clearStacks(support: SupportStacks): void {
  support.top = 0;
  support.inactive.length = 0;
  support.arrays.length = 0;
}

/**
 * Whether an engine's per-parameter results have the parameters' shapes (DESIGN.md): a number
 * for a number, a Float64Array for a Float64Array, a Float32Array for a Float32Array, 0 for an
 * integer array, an object of the same fields for an object. `params`: which parameters the
 * results are for (all of f's, or the `wrt` list). Returns a description of the first problem.
 */
function shapeProblem(p: Program, grads: Grad[], params: number[]): string | undefined {
  if (!Array.isArray(grads) || grads.length !== params.length) return `${params.length} results expected, got ${Array.isArray(grads) ? grads.length : typeof grads}`;
  const check = (g: unknown, ty: Ty | ObjField["ty"], fields: ObjField[] | undefined, label: string): string | undefined => {
    switch (ty) {
      case "num":
        return typeof g === "number" ? undefined : `${label}: a number's gradient is ${describe(g)}`;
      case "arr":
        return g instanceof Float64Array && g.length === p.arrLen ? undefined : `${label}: a Float64Array's gradient is ${describe(g)}`;
      case "f32":
        return g instanceof Float32Array && g.length === p.arrLen ? undefined : `${label}: a Float32Array's gradient is ${describe(g)}`;
      case "i32":
      case "u8":
        return g === 0 ? undefined : `${label}: an integer array's gradient is ${describe(g)}, not 0`;
      case "obj": {
        if (typeof g !== "object" || g === null || ArrayBuffer.isView(g)) return `${label}: an object's gradient is ${describe(g)}`;
        const keys = Object.keys(g).sort().join(",");
        const want = (fields ?? []).map((f) => f.key).sort().join(",");
        if (keys !== want) return `${label}: an object's gradient has the fields {${keys}}, the object {${want}}`;
        for (const f of fields ?? []) {
          const problem = check((g as Record<string, unknown>)[f.key], f.ty, f.fields, `${label}.${f.key}`);
          if (problem) return problem;
        }
        return undefined;
      }
      default:
        return undefined;
    }
  };
  for (const [k, i] of params.entries()) {
    const q = p.f.params[i];
    const problem = check(grads[k], q.ty, q.shape?.fields, q.name);
    if (problem) return problem;
  }
  return undefined;
}

function describe(v: unknown): string {
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of length ${(v as Float64Array).length}`;
  if (typeof v === "object" && v !== null) return `an object {${Object.keys(v).join(", ")}}`;
  return typeof v === "number" ? String(v) : typeof v;
}

/** Tangents for every argument: 1 at the coordinate (or a random direction), 0 elsewhere; data without derivatives as it is. */
function tangentsFor(p: Program, x: Arg[], c: Coord | null, dir?: Rng): Arg[] {
  const walk = (a: Arg, i: number, path: string[]): Arg => {
    const here = c !== null && c.param === i && c.path.join("/") === path.join("/");
    if (typeof a === "boolean" || typeof a === "string" || a instanceof Int32Array || a instanceof Uint8Array) return a;
    if (typeof a === "number") return dir ? dir.uniform(-1, 1) : here && c!.element < 0 ? 1 : 0;
    if (a instanceof Float64Array || a instanceof Float32Array) {
      const t = new Float64Array(a.length);
      for (let j = 0; j < t.length; j++) t[j] = dir ? dir.uniform(-1, 1) : here && c!.element === j ? 1 : 0;
      return t;
    }
    return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, walk(v, i, [...path, k])]));
  };
  void p;
  return x.map((a, i) => walk(a, i, []));
}

interface PointContext {
  p: Program;
  engines: Engines;
  x: Arg[];
  coords: Coord[];
  wrt: number;
  second: SecondOrder;
}

/**
 * hvp's checks over one program's points: random directions of their own (so that the points
 * and the first-order checks are the same whether the module has hvp or not), and counts.
 */
interface SecondOrder {
  rng: Rng;
  checked: number;
  nonSmooth: number;
}

type Problem = { engines: string[]; text: string };

/** Runs one engine call, turning an exception or unbalanced save stacks into a failure. */
function runEngine<T>(ctx: PointContext, engine: string, call: () => T): T | Failure {
  const { engines, p, x } = ctx;
  try {
    const result = call();
    // Cleared either way, so that later checks of other programs in this module are not affected.
    const leftovers = [engines.support ? takeStackLeftovers(engines.support) : "", engine.startsWith("wasm") && engines.wasmSupport ? takeWasmLeftovers(engines.wasmSupport) : ""].filter(Boolean).join(", ");
    if (leftovers) {
      const message = `${engine} left ${leftovers} on the generated code's save stacks at ${formatArgs(p, x)}: the reverse sweep did not pop what the forward sweep pushed, which corrupts later calls`;
      return { kind: "runtime", signature: `unbalanced stack: ${leftovers.replace(/\d+ /g, "")}`, message };
    }
    return result;
  } catch (e) {
    // A sweep abandoned half-way leaves its stacks behind: clear them for the next program.
    if (engines.support) clearStacks(engines.support);
    const err = e as Error;
    return { kind: "runtime", signature: `${engine}: ${err?.name}`, message: `${engine} threw ${err?.name}: ${err?.message} at ${formatArgs(p, x)}\n${stackTop(err)}` };
  }
}

const isFailure = (v: unknown): v is Failure => typeof v === "object" && v !== null && "kind" in v && "signature" in v && "message" in v;

/** Integer-array parameters: every engine's gradient entry for them must be 0. */
function integerProblems(p: Program, results: [string, Grad[] | undefined][]): Problem[] {
  const out: Problem[] = [];
  p.f.params.forEach((q, i) => {
    if (q.ty !== "i32" && q.ty !== "u8") return;
    for (const [engine, grads] of results) {
      if (grads?.[i] !== 0) out.push({ engines: [`${engine}-integer`], text: `${engine} gives ${describe(grads?.[i])} as the gradient of the integer array ${q.name}, not 0` });
    }
  });
  return out;
}

function mismatch(p: Program, x: Arg[], fx: string, problems: Problem[], table: string[]): Failure {
  const engineSet = [...new Set(problems.flatMap((q) => q.engines))].sort();
  const message = [
    `at ${formatArgs(p, x)} (f = ${fx}):`,
    ...problems.map((q) => `  MISMATCH [${q.engines.join(", ")}] ${q.text}`),
    "all partial derivatives:",
    ...table.map((row) => `  ${row}`),
  ].join("\n");
  return { kind: "mismatch", signature: engineSet.join(","), message };
}

/**
 * Checks one compiled program at random points. Deterministic given the program (the point
 * generator is seeded from the program's seed and index), so the minimiser can re-run it.
 */
export function checkProgram(p: Program, engines: Engines, options: CheckOptions): ProgramResult {
  const rng = new Rng(p.seed, p.index, 0x901);
  const coords = coordinates(p);
  const wrt = wrtIndex(p);
  // f rounds to float32: finite differences of its float64 shadow (see Printer.shadow).
  const fdF = engines.f64 ?? engines.f;
  const fdArgs = engines.f64 ? shadowArgs : (a: Arg[]) => a;
  const vector = p.f.ret !== undefined;
  const second: SecondOrder = { rng: new Rng(p.seed, p.index, 0x4e55), checked: 0, nonSmooth: 0 };
  let checked = 0;
  let nonSmooth = 0;
  let untame = 0;
  let singularPoints = 0;
  if (engines.support) clearStacks(engines.support);
  for (let attempt = 0; attempt < options.attempts && checked < options.points; attempt++) {
    const x = randomPoint(p, rng);
    let fx: number[];
    try {
      const y = engines.f(...copyArgs(x));
      const again = engines.f(...copyArgs(x));
      fx = vector ? flatResult(p, y) : [y as number];
      const fx2 = vector ? flatResult(p, again) : [again as number];
      if (fx.length !== fx2.length || fx.some((v, i) => !Object.is(v, fx2[i]))) return fail("generator", "f is not deterministic", `f(${formatArgs(p, x)}) gave ${fx.map(fmt)}, then ${fx2.map(fmt)}`);
      if (vector && p.f.ret !== "obj" && !(y instanceof Float64Array || Array.isArray(y))) return fail("generator", "f's result is not an array", `f(${formatArgs(p, x)}) gave ${describe(y)}`);
      const problem = vector && p.f.ret === "obj" ? resultShapeProblem(p, y, 0) : undefined;
      if (problem) return fail("generator", "f's result is not of its type", `f(${formatArgs(p, x)}): ${problem}`);
    } catch (e) {
      return fail("generator", "f threw", `f(${formatArgs(p, x)}) threw ${(e as Error).message}`);
    }
    if (fx.length === 0 || fx.some((v) => !Number.isFinite(v) || Math.abs(v) > 1e8)) {
      untame++;
      continue;
    }
    if (engines.f64) {
      // The shadow is f only where float32 rounding does not steer f (a branch on Math.fround(v)
      // > v takes another path in float64): elsewhere the point is a jump of f, skipped as such.
      const shadow = engines.f64(...fdArgs(copyArgs(x)));
      const fs = vector ? flatResult(p, shadow) : [shadow as number];
      if (fs.length !== fx.length || fs.some((v, i) => !(Math.abs(v - fx[i]!) <= 1e-4 * Math.max(1, Math.abs(fx[i]!))))) {
        nonSmooth++;
        continue;
      }
    }
    const fds: number[][] = [];
    let smooth = true;
    for (const c of coords) {
      const d = finiteDifference(fdF, fdArgs(x), c, (y) => (vector ? flatResult(p, y) : [y as number]));
      if (!d.smooth || d.value.length !== fx.length) {
        smooth = false;
        break;
      }
      fds.push(d.value);
    }
    if (!smooth) {
      nonSmooth++;
      continue;
    }
    const ctx: PointContext = { p, engines, x, coords, wrt, second };
    const r = vector ? checkVectorPoint(ctx, fx, fds, rng) : checkScalarPoint(ctx, fx[0], fds.map((d) => d[0]), rng);
    if (r === "singular") {
      singularPoints++;
      continue;
    }
    if (r) return { status: "failed", checkedPoints: checked, failure: r };
    checked++;
  }
  if (checked > 0) return { status: "ok", checkedPoints: checked, nonSmoothPoints: nonSmooth, hvpPoints: second.checked, hvpNonSmoothPoints: second.nonSmooth };
  const worst = Math.max(nonSmooth, untame, singularPoints);
  return { status: worst === nonSmooth ? "nonsmooth" : worst === untame ? "untame" : "singular", checkedPoints: 0, nonSmoothPoints: nonSmooth };

  function fail(kind: FailureKind, signature: string, message: string): ProgramResult {
    return { status: "failed", checkedPoints: checked, failure: { kind, signature, message } };
  }
}

/** The arguments as a call of f leaves them (f may write into its arrays). */
function argsAfterF(engines: Engines, x: Arg[]): Arg[] {
  const after = copyArgs(x);
  engines.f(...after);
  return after;
}

/**
 * Whether an engine left the caller's arrays as f does (DESIGN.md: arrays f writes into end as a
 * call of f leaves them): `got` the arguments after the engine's call, `want` after f's.
 */
function writesProblem(p: Program, want: Arg[], got: Arg[], engine: string, reference = "after f"): Problem | undefined {
  const walk = (a: Arg, b: Arg, label: string): string | undefined => {
    if (ArrayBuffer.isView(a)) {
      const [u, v] = [a as Float64Array, b as Float64Array];
      const tol = a instanceof Float32Array ? F32_RTOL : EXACT_RTOL;
      const k = Array.from(u).findIndex((ui, j) => !(Object.is(ui, v[j]) || Math.abs(ui - v[j]) <= tol * Math.max(1, Math.abs(ui))));
      return k >= 0 ? `${label}[${k}] is ${fmt(v[k])} after ${engine}, ${fmt(u[k])} ${reference}` : undefined;
    }
    if (typeof a === "object" && a !== null) {
      for (const key of Object.keys(a)) {
        const problem = walk((a as Record<string, Arg>)[key], (b as Record<string, Arg>)[key], `${label}.${key}`);
        if (problem) return problem;
      }
    }
    return undefined;
  };
  for (const [i, q] of p.f.params.entries()) {
    const problem = walk(want[i], got[i], q.name);
    if (problem) return { engines: [`${engine}-writes`], text: `the caller's arrays: ${problem}` };
  }
  return undefined;
}

/** The wasm engine's results at a point of a number-valued f (checkScalarPoint). */
interface WasmScalar {
  rev: Grad[];
  /** grad called again with fresh arguments: must give the same bits. */
  rev2: Grad[];
  fwd: [number, number][];
  fwdDir: [number, number];
  vjValue: number;
  vjGrads: Grad[];
  vj2: Grad[];
  writes: Problem[];
}

function runWasmScalar(ctx: PointContext, cotangent: number, dir: Arg[]): WasmScalar | Failure {
  const { p, engines, x, coords } = ctx;
  const after = argsAfterF(engines, x);
  const writes: Problem[] = [];
  const written = (engine: string, args: Arg[]) => {
    const problem = writesProblem(p, after, args, engine);
    if (problem) writes.push(problem);
  };
  const args = copyArgs(x);
  const rev = runEngine(ctx, "wasm grad(f)", () => engines.wrev!(...args));
  if (isFailure(rev)) return rev;
  written("wasm grad(f)", args);
  const rev2 = runEngine(ctx, "wasm grad(f)", () => engines.wrev!(...copyArgs(x)));
  if (isFailure(rev2)) return rev2;
  const vjArgs = copyArgs(x);
  const vj = runEngine(ctx, "wasm vjp(f)", () => {
    const [value, pullback] = engines.wvjp!(...vjArgs);
    return { value: value as number, grads: pullback(cotangent), again: pullback(cotangent) };
  });
  if (isFailure(vj)) return vj;
  written("wasm vjp(f)", vjArgs);
  const fwd: [number, number][] = [];
  for (const c of coords) {
    const primals = copyArgs(x);
    const r = runEngine(ctx, "wasm jvp(f)", () => engines.wfwd!(primals, tangentsFor(p, x, c)) as [number, number]);
    if (isFailure(r)) return r;
    if (fwd.length === 0) written("wasm jvp(f)", primals);
    fwd.push(r);
  }
  const fwdDir = runEngine(ctx, "wasm jvp(f)", () => engines.wfwd!(copyArgs(x), copyArgs(dir)) as [number, number]);
  if (isFailure(fwdDir)) return fwdDir;
  return { rev, rev2, fwd, fwdDir, vjValue: vj.value, vjGrads: vj.grads, vj2: vj.again, writes };
}

/** A number-valued f at one smooth point: grad, jvp, the tape, vjp and wrt against the finite differences and one another. */
function checkScalarPoint(ctx: PointContext, fx: number, fds: number[], rng: Rng): Failure | "singular" | undefined {
  const { p, engines, x, coords, wrt } = ctx;
  const rev = runEngine(ctx, "grad(f)", () => engines.rev!(...copyArgs(x)));
  if (isFailure(rev)) return rev;
  const tape = runEngine(ctx, "grad(f, { engine: \"tape\" })", () => engines.tape!(...copyArgs(x)));
  if (isFailure(tape)) return tape;
  const revw = runEngine(ctx, `grad(f, { wrt: [${wrt}] })`, () => engines.revw!(...copyArgs(x)));
  if (isFailure(revw)) return revw;
  const cotangent = 1.5;
  const vj = runEngine(ctx, "vjp(f)", () => {
    const [value, pullback] = engines.vjp(...copyArgs(x));
    return { value: value as number, grads: pullback(cotangent) };
  });
  if (isFailure(vj)) return vj;
  // The pullback may be called again: it must give the same gradients.
  const vj2 = runEngine(ctx, "vjp(f) pullback, called twice", () => {
    const [, pullback] = engines.vjp(...copyArgs(x));
    pullback(cotangent);
    return pullback(cotangent);
  });
  if (isFailure(vj2)) return vj2;
  const fwd: [number, number][] = [];
  for (const c of coords) {
    const r = runEngine(ctx, "jvp(f)", () => engines.fwd(copyArgs(x), tangentsFor(p, x, c)) as [number, number]);
    if (isFailure(r)) return r;
    fwd.push(r);
  }
  const dir = tangentsFor(p, x, null, rng);
  const fwdDir = runEngine(ctx, "jvp(f)", () => engines.fwd(copyArgs(x), copyArgs(dir)) as [number, number]);
  if (isFailure(fwdDir)) return fwdDir;
  const wasm = engines.wrev ? runWasmScalar(ctx, cotangent, dir) : undefined;
  if (isFailure(wasm)) return wasm;

  // Every engine non-finite where finite differences are finite: the chain rule met 0·∞ at a
  // singular point of a primitive (cbrt or hypot at 0, …) — an inherent limit of AD, not a
  // disagreement. Such points are skipped.
  const singular = coords.some((c, k) => [component(rev, c), component(tape, c), fwd[k][1], component(vj.grads, c)].every((g) => !Number.isFinite(g)));
  if (singular) return "singular";

  // Comparisons. Each problem names the engines involved; the signature is their set.
  const problems: Problem[] = [];
  const table: string[] = [];
  const all = p.f.params.map((_, i) => i);
  for (const [engine, grads, params] of [["reverse", rev, all], ["tape", tape, all], ["vjp", vj.grads, all], ["wrt", revw, [wrt]]] as const) {
    const problem = shapeProblem(p, grads, [...params]);
    if (problem) problems.push({ engines: [`${engine}-shape`], text: problem });
  }
  problems.push(...integerProblems(p, [["reverse", rev], ["tape", tape], ["vjp", vj.grads]]));
  if (wasm) {
    for (const [engine, grads] of [["wasm grad(f)", wasm.rev], ["wasm vjp(f)", wasm.vjGrads]] as const) {
      const problem = shapeProblem(p, grads, all);
      if (problem) problems.push({ engines: [`${engine}-shape`], text: problem });
    }
    problems.push(...integerProblems(p, [["wasm grad(f)", wasm.rev], ["wasm vjp(f)", wasm.vjGrads]]), ...wasm.writes);
  }
  coords.forEach((c, k) => {
    const fd = fds[k];
    const r = component(rev, c);
    const t = component(tape, c);
    const fw = fwd[k][1];
    const v = component(vj.grads, c) / cotangent;
    const w = c.param === wrt ? component(revw, c, 0) : r;
    const bad: string[] = [];
    if (!fdClose(r, fd)) bad.push("reverse");
    if (!fdClose(fw, fd)) bad.push("forward");
    if (!fdClose(t, fd)) bad.push("tape");
    if (!fdClose(v, fd)) bad.push("vjp");
    if (!Object.is(component(vj2, c), component(vj.grads, c))) bad.push("vjp-twice");
    if (!fdClose(w, fd)) bad.push("wrt");
    // Engines are exact up to rounding: compare them with one another too.
    // The wasm engine: the compiled engine's operations in the same order (sums on f64x2 lanes reassociated).
    const wr = wasm ? component(wasm.rev, c) : NaN;
    const wf = wasm ? wasm.fwd[k][1] : NaN;
    const wv = wasm ? component(wasm.vjGrads, c) / cotangent : NaN;
    if (wasm) {
      if (!fdClose(wr, fd)) bad.push("wasm grad(f)");
      if (!fdClose(wf, fd)) bad.push("wasm jvp(f)");
      if (!fdClose(wv, fd)) bad.push("wasm vjp(f)");
      if (!Object.is(component(wasm.rev2, c), wr)) bad.push("wasm grad(f) twice");
      if (!Object.is(component(wasm.vj2, c), component(wasm.vjGrads, c))) bad.push("wasm vjp(f) pullback twice");
    }
    if (bad.length === 0) {
      if (!exactClose(r, fw, c)) bad.push("reverse/forward");
      if (!exactClose(r, t, c)) bad.push("reverse/tape");
      if (!exactClose(r, v, c)) bad.push("reverse/vjp");
      if (!exactClose(r, w, c)) bad.push("reverse/wrt");
      if (wasm && !exactClose(wr, r, c)) bad.push("wasm grad(f)/grad(f)");
      if (wasm && !exactClose(wf, fw, c)) bad.push("wasm jvp(f)/jvp(f)");
      if (wasm && !exactClose(wv, v, c)) bad.push("wasm vjp(f)/vjp(f)");
    }
    const wasmRow = wasm ? `; wasm: grad ${fmt(wr)}, jvp ${fmt(wf)}, vjp ${fmt(wv)}` : "";
    const row = `∂f/∂${c.label}: reverse ${fmt(r)}, forward ${fmt(fw)}, tape ${fmt(t)}, vjp ${fmt(v)}${c.param === wrt ? `, wrt ${fmt(w)}` : ""}${wasmRow}; finite differences ${fmt(fd)}`;
    table.push(row);
    if (bad.length > 0) problems.push({ engines: bad, text: row });
  });
  const terms = coords.map((c) => component(rev, c) * coordValue(dir, c));
  const dot = terms.reduce((s, t) => s + t, 0);
  const dotTol = coords.reduce((s, c, k) => s + engineTol(c) * Math.abs(terms[k]), EXACT_RTOL);
  if (!exactClose(fwdDir[1], dot) && Math.abs(fwdDir[1] - dot) > dotTol) {
    problems.push({ engines: ["forward-direction"], text: `jvp along a random direction gives ${fmt(fwdDir[1])}, the gradient's dot product with it ${fmt(dot)}` });
  }
  if (wasm && !exactClose(wasm.fwdDir[1], dot) && Math.abs(wasm.fwdDir[1] - dot) > dotTol) {
    problems.push({ engines: ["wasm jvp(f)-direction"], text: `wasm jvp(f) along a random direction gives ${fmt(wasm.fwdDir[1])}, the gradient's dot product with it ${fmt(dot)}` });
  }
  const values: [string, number][] = [["jvp", fwdDir[0]], ["vjp", vj.value], ...(wasm ? ([["wasm jvp", wasm.fwdDir[0]], ["wasm vjp", wasm.vjValue]] as [string, number][]) : [])];
  for (const [name, value] of values) {
    if (!exactClose(value, fx)) problems.push({ engines: [`${name}-value`], text: `${name}(f) reports the value ${fmt(value)}, f gives ${fmt(fx)}` });
  }
  if (problems.length > 0) return mismatch(p, x, fmt(fx), problems, table);
  // Second order only once the first-order engines agree: hvp's reference is the compiled gradient.
  const second = engines.hvp ? checkHvpPoint(ctx) : undefined;
  if (isFailure(second)) return second;
  return second && second.problems.length > 0 ? mismatch(p, x, fmt(fx), second.problems, second.table) : undefined;
}

/**
 * hvp at a point where the first-order engines agree with the finite differences of f: H·v for
 * a random direction v against Richardson central differences of the compiled gradient along v,
 * (∇f(x + h v) − ∇f(x − h v)) / 2h — second differences of the gradient are as accurate as first
 * differences of f, so with FD_RTOL too; the caller's primals and tangents untouched; H·v called
 * twice giving the same bits; and symmetry: vᵀ(H u) = uᵀ(H v) for a second direction u, to
 * rounding. Where f rounds to float32 the differences are of its float64 shadow's gradient
 * (`g64`), as first order's are of the shadow. Where the gradient is not smooth along v (a kink of
 * f' or a jump within reach of the stencil, which f's own differences along the axes need not
 * see) the point is counted and hvp not checked there.
 */
function checkHvpPoint(ctx: PointContext): Failure | { problems: Problem[]; table: string[] } | undefined {
  const { p, engines, x, coords, second } = ctx;
  const v = tangentsFor(p, x, null, second.rng);
  const u = tangentsFor(p, x, null, second.rng);
  const shadow = engines.g64 !== undefined;
  const gradient = (...args: Arg[]) => (shadow ? engines.g64!(...args) : engines.rev!(...args));
  const fd = runEngine(ctx, shadow ? "grad(f_f64)" : "grad(f)", () => gradientAlong(gradient, shadow ? shadowArgs(x) : x, v, coords));
  if (isFailure(fd)) return fd;
  if (!fd.smooth) {
    second.nonSmooth++;
    return undefined;
  }
  const hv = callHvp(ctx, v);
  if (isFailure(hv)) return hv;
  const again = callHvp(ctx, v);
  if (isFailure(again)) return again;
  const hu = callHvp(ctx, u);
  if (isFailure(hu)) return hu;
  second.checked++;

  const problems: Problem[] = [...hv.writes];
  const shape = shapeProblem(p, hv.result, p.f.params.map((_, i) => i));
  if (shape) problems.push({ engines: ["hvp-shape"], text: shape });
  problems.push(...integerProblems(p, [["hvp", hv.result]]));
  const table = [`v = ${formatArgs(p, v)}`];
  coords.forEach((c, k) => {
    const h = component(hv.result, c);
    const bad = [...(fdClose(h, fd.value[k]) ? [] : ["hvp"]), ...(Object.is(component(again.result, c), h) ? [] : ["hvp twice"])];
    const row = `(H·v) at ${c.label}: hvp ${fmt(h)}${bad.includes("hvp twice") ? ` (then ${fmt(component(again.result, c))})` : ""}, finite differences of ${shadow ? "grad(f_f64)" : "grad(f)"} along v ${fmt(fd.value[k])}`;
    table.push(row);
    if (bad.length > 0) problems.push({ engines: bad, text: row });
  });
  const symmetry = symmetryProblem(coords, v, u, hv.result, hu.result);
  if (symmetry) problems.push(symmetry);
  return { problems, table };
}

/**
 * Whether vᵀ(H u) and uᵀ(H v), from hvp's results, differ by more than rounding: HVP_SYMMETRY_RTOL
 * of the terms summed (float32's resolution for a Float32Array's entries, which hvp rounds).
 */
function symmetryProblem(coords: Coord[], v: Arg[], u: Arg[], hv: Grad[], hu: Grad[]): Problem | undefined {
  const vhu = coords.map((c) => coordValue(v, c) * component(hu, c));
  const uhv = coords.map((c) => coordValue(u, c) * component(hv, c));
  const sum = (terms: number[]) => terms.reduce((s, t) => s + t, 0);
  const tol = coords.reduce((s, c, k) => s + (c.f32 ? F32_RTOL : HVP_SYMMETRY_RTOL) * (Math.abs(vhu[k]) + Math.abs(uhv[k])), HVP_SYMMETRY_RTOL);
  const [a, b] = [sum(vhu), sum(uhv)];
  return Math.abs(a - b) <= tol ? undefined : { engines: ["hvp-symmetry"], text: `vᵀ(H u) = ${fmt(a)} but uᵀ(H v) = ${fmt(b)} (tolerance ${fmt(tol)}), u = ${u.map((t) => formatArg(t)).join(", ")}` };
}

/** hvp(f)(x, dir) on copies of the point and the direction, which it must leave as they were. */
function callHvp(ctx: PointContext, dir: Arg[]): { result: Grad[]; writes: Problem[] } | Failure {
  const { p, engines, x } = ctx;
  const primals = copyArgs(x);
  const tangents = copyArgs(dir);
  const result = runEngine(ctx, "hvp(f)", () => engines.hvp!(primals, tangents));
  if (isFailure(result)) return result;
  const writes = [writesProblem(p, x, primals, "hvp(f)", "before"), writesProblem(p, dir, tangents, "hvp(f) (in the tangents)", "before")];
  return { result, writes: writes.filter((w): w is Problem => w !== undefined) };
}

/**
 * Richardson central differences of the gradient along v, ∂/∂t ∇f(x + t·v) = H(x)·v, at every
 * coordinate; smooth when the estimates at steps h and h/4 agree (as f's own along an axis).
 */
function gradientAlong(gradient: (...args: Arg[]) => Grad[], x: Arg[], v: Arg[], coords: Coord[]): { value: number[]; smooth: boolean } {
  const h = 1e-3 * Math.max(1, ...coords.map((c) => Math.abs(coordValue(x, c))));
  const at = (t: number): number[] => {
    const g = gradient(...movedAlong(x, v, coords, t));
    return coords.map((c) => component(g, c));
  };
  return richardsonEstimates(at, h);
}

/**
 * An array-valued f at one smooth point (`fds[k]`: the finite-difference column of the Jacobian
 * at coordinate k): jvp along each coordinate (a column J·e_k) and along a random direction, the
 * pullback of a random cotangent c (cᵀJ), on the compiled and tape engines and with `wrt`,
 * against the finite differences and one another.
 */
function checkVectorPoint(ctx: PointContext, fx: number[], fds: number[][], rng: Rng): Failure | "singular" | undefined {
  const { p, engines, x, coords, wrt } = ctx;
  const m = fx.length;
  const cot = Array.from({ length: m }, () => rng.uniform(-1, 1));
  // A cotangent of the result's shape: an array of its length, or an object of its fields (the
  // tape takes a Float64Array for an array result).
  const cotangent = () => shapedResult(p, cot);
  const vj = runEngine(ctx, "vjp(f)", () => {
    const [value, pullback] = engines.vjp(...copyArgs(x));
    return { value, grads: pullback(cotangent()) };
  });
  if (isFailure(vj)) return vj;
  const vj2 = runEngine(ctx, "vjp(f) pullback, called twice", () => {
    const [, pullback] = engines.vjp(...copyArgs(x));
    pullback(cotangent());
    return pullback(cotangent());
  });
  if (isFailure(vj2)) return vj2;
  const tvj = runEngine(ctx, "vjp(f, { engine: \"tape\" })", () => {
    const [value, pullback] = engines.tvjp!(...copyArgs(x));
    return { value, grads: pullback(p.f.ret === "obj" ? cotangent() : Float64Array.from(cot)) };
  });
  if (isFailure(tvj)) return tvj;
  const wvj = runEngine(ctx, `vjp(f, { wrt: [${wrt}] })`, () => {
    const [value, pullback] = engines.vjpw!(...copyArgs(x));
    return { value, grads: pullback(cotangent()) };
  });
  if (isFailure(wvj)) return wvj;
  const fwdRaw: [unknown, unknown][] = [];
  const tfwdRaw: [unknown, unknown][] = [];
  for (const c of coords) {
    const r = runEngine(ctx, "jvp(f)", () => engines.fwd(copyArgs(x), tangentsFor(p, x, c)) as [unknown, unknown]);
    if (isFailure(r)) return r;
    fwdRaw.push(r);
    const t = runEngine(ctx, "jvp(f, { engine: \"tape\" })", () => engines.tfwd!(copyArgs(x), tangentsFor(p, x, c)) as [unknown, unknown]);
    if (isFailure(t)) return t;
    tfwdRaw.push(t);
  }
  const dir = tangentsFor(p, x, null, rng);
  const fwdDirRaw = runEngine(ctx, "jvp(f)", () => engines.fwd(copyArgs(x), copyArgs(dir)) as [unknown, unknown]);
  if (isFailure(fwdDirRaw)) return fwdDirRaw;
  // The wasm engine: jvp along each coordinate and the random direction, vjp of the same cotangent.
  let wasm: { vj: { value: unknown; grads: Grad[]; again: Grad[] }; fwdRaw: [unknown, unknown][]; fwdDirRaw: [unknown, unknown]; writes: Problem[] } | undefined;
  if (engines.wvjp && engines.wfwd) {
    const after = argsAfterF(engines, x);
    const writes: Problem[] = [];
    const vjArgs = copyArgs(x);
    const wvj = runEngine(ctx, "wasm vjp(f)", () => {
      const [value, pullback] = engines.wvjp!(...vjArgs);
      return { value, grads: pullback(cotangent()), again: pullback(cotangent()) };
    });
    if (isFailure(wvj)) return wvj;
    const problem = writesProblem(p, after, vjArgs, "wasm vjp(f)");
    if (problem) writes.push(problem);
    const wfwdRaw: [unknown, unknown][] = [];
    for (const c of coords) {
      const primals = copyArgs(x);
      const r = runEngine(ctx, "wasm jvp(f)", () => engines.wfwd!(primals, tangentsFor(p, x, c)) as [unknown, unknown]);
      if (isFailure(r)) return r;
      const problem = wfwdRaw.length === 0 ? writesProblem(p, after, primals, "wasm jvp(f)") : undefined;
      if (problem) writes.push(problem);
      wfwdRaw.push(r);
    }
    const wdir = runEngine(ctx, "wasm jvp(f)", () => engines.wfwd!(copyArgs(x), copyArgs(dir)) as [unknown, unknown]);
    if (isFailure(wdir)) return wdir;
    wasm = { vj: wvj, fwdRaw: wfwdRaw, fwdDirRaw: wdir, writes };
  }

  const problems: Problem[] = [];
  const table: string[] = [];
  // Results: f's value as a Float64Array of f's length (or an object of f's result type), tangents likewise.
  const results: [string, unknown][] = [["vjp value", vj.value], ["tape vjp value", tvj.value], ["vjp wrt value", wvj.value], ["jvp value", fwdDirRaw[0]], ["jvp tangent", fwdDirRaw[1]]];
  fwdRaw.forEach(([v, t], k) => k === 0 && results.push(["jvp value (coordinate)", v], ["jvp tangent (coordinate)", t]));
  tfwdRaw.forEach(([v, t], k) => k === 0 && results.push(["tape jvp value", v], ["tape jvp tangent", t]));
  if (wasm) {
    results.push(["wasm vjp value", wasm.vj.value], ["wasm jvp value", wasm.fwdDirRaw[0]], ["wasm jvp tangent", wasm.fwdDirRaw[1]]);
    wasm.fwdRaw.forEach(([v, t], k) => k === 0 && results.push(["wasm jvp value (coordinate)", v], ["wasm jvp tangent (coordinate)", t]));
  }
  for (const [what, v] of results) {
    const problem = resultShapeProblem(p, v, m);
    if (problem) problems.push({ engines: [what.startsWith("wasm") ? "wasm-result-shape" : "result-shape"], text: `${what}: ${problem}` });
  }
  if (problems.length > 0) return mismatch(p, x, `[${fx.map(fmt).join(", ")}]`, problems, table);
  const flat = (v: unknown) => flatResult(p, v);
  const pair = ([v, t]: [unknown, unknown]): [number[], number[]] => [flat(v), flat(t)];
  const fwd = fwdRaw.map(pair);
  const tfwd = tfwdRaw.map(pair);
  const fwdDir = pair(fwdDirRaw);
  const wfwd = wasm?.fwdRaw.map(pair);
  const wfwdDir = wasm ? pair(wasm.fwdDirRaw) : undefined;
  const values = { vjp: flat(vj.value), tvjp: flat(tvj.value) };
  const singular = coords.some((c, k) => Array.from(fwd[k][1]).some((v, i) => !Number.isFinite(v) && !Number.isFinite(tfwd[k][1][i])) && !Number.isFinite(component(vj.grads, c)));
  if (singular) return "singular";

  const all = p.f.params.map((_, i) => i);
  for (const [engine, grads, params] of [["vjp", vj.grads, all], ["tape-vjp", tvj.grads, all], ["vjp-wrt", wvj.grads, [wrt]]] as const) {
    const problem = shapeProblem(p, grads, [...params]);
    if (problem) problems.push({ engines: [`${engine}-shape`], text: problem });
  }
  problems.push(...integerProblems(p, [["vjp", vj.grads], ["tape-vjp", tvj.grads]]));
  if (wasm) {
    const problem = shapeProblem(p, wasm.vj.grads, all);
    if (problem) problems.push({ engines: ["wasm vjp(f)-shape"], text: problem });
    problems.push(...integerProblems(p, [["wasm vjp(f)", wasm.vj.grads]]), ...wasm.writes);
  }
  const wasmValues: [string, number[]][] = wasm ? [["wasm vjp", flat(wasm.vj.value)], ["wasm jvp", wfwdDir![0]]] : [];
  for (const [name, value] of [["vjp", values.vjp], ["tape-vjp", values.tvjp], ["jvp", fwdDir[0]], ["tape-jvp", tfwd[0]?.[0] ?? fx], ...wasmValues] as const) {
    const bad = fx.findIndex((v, i) => !exactClose(value[i], v));
    if (bad >= 0) problems.push({ engines: [`${name}-value`], text: `${name}(f) reports the value ${fmt(value[bad])} at [${bad}], f gives ${fmt(fx[bad])}` });
  }
  coords.forEach((c, k) => {
    const fd = fds[k];
    const col = Array.from(fwd[k][1]);
    const tcol = Array.from(tfwd[k][1]);
    // cᵀJ at this coordinate, from the finite differences, and its scale (for the tolerance).
    const fdDot = cot.reduce((s, ci, i) => s + ci * fd[i], 0);
    const fdScale = cot.reduce((s, ci, i) => s + Math.abs(ci) * Math.max(1, Math.abs(fd[i])), 0);
    const colDot = cot.reduce((s, ci, i) => s + ci * col[i], 0);
    const colScale = cot.reduce((s, ci, i) => s + Math.abs(ci * col[i]), 0);
    const v = component(vj.grads, c);
    const t = component(tvj.grads, c);
    const w = c.param === wrt ? component(wvj.grads, c, 0) : v;
    const v2 = component(vj2, c);
    const wcol = wfwd ? Array.from(wfwd[k][1]) : [];
    const wv = wasm ? component(wasm.vj.grads, c) : NaN;
    const bad: string[] = [];
    if (wasm) {
      if (wcol.length !== fd.length || wcol.some((g, i) => !fdClose(g, fd[i]))) bad.push("wasm jvp(f)");
      if (!fdClose(wv, fdDot, fdScale)) bad.push("wasm vjp(f)");
      if (!Object.is(component(wasm.vj.again, c), wv)) bad.push("wasm vjp(f) pullback twice");
    }
    if (col.some((g, i) => !fdClose(g, fd[i]))) bad.push("forward");
    if (tcol.some((g, i) => !fdClose(g, fd[i]))) bad.push("tape-forward");
    if (!fdClose(v, fdDot, fdScale)) bad.push("vjp");
    if (!fdClose(t, fdDot, fdScale)) bad.push("tape-vjp");
    if (!fdClose(w, fdDot, fdScale)) bad.push("wrt");
    if (!Object.is(v2, v)) bad.push("vjp-twice");
    if (bad.length === 0) {
      if (col.some((g, i) => !exactClose(g, tcol[i], c))) bad.push("forward/tape-forward");
      if (!exactClose(v, t, c)) bad.push("vjp/tape-vjp");
      if (!exactClose(v, w, c)) bad.push("vjp/wrt");
      // The Jacobian by columns (jvp) and by rows (vjp) is one matrix: cᵀ(J e_k) = (cᵀJ)_k.
      if (Math.abs(v - colDot) > engineTol(c) * Math.max(1, colScale)) bad.push("forward/vjp");
      if (wasm && wcol.some((g, i) => !exactClose(g, col[i], c))) bad.push("wasm jvp(f)/jvp(f)");
      if (wasm && !exactClose(wv, v, c)) bad.push("wasm vjp(f)/vjp(f)");
    }
    const row = `∂f/∂${c.label}: jvp [${col.map(fmt).join(", ")}], tape jvp [${tcol.map(fmt).join(", ")}], finite differences [${fd.map(fmt).join(", ")}]; cᵀJ: vjp ${fmt(v)}, tape vjp ${fmt(t)}${c.param === wrt ? `, wrt ${fmt(w)}` : ""}, jvp ${fmt(colDot)}, finite differences ${fmt(fdDot)}${wasm ? `; wasm: jvp [${wcol.map(fmt).join(", ")}], cᵀJ ${fmt(wv)}` : ""}`;
    table.push(row);
    if (bad.length > 0) problems.push({ engines: bad, text: row });
  });
  // jvp along a random direction t: J·t, the columns' combination.
  const jt = Array.from({ length: m }, (_, i) => coords.reduce((s, c, k) => s + fwd[k][1][i] * coordValue(dir, c), 0));
  const jtTol = Array.from({ length: m }, (_, i) => coords.reduce((s, c, k) => s + engineTol(c) * Math.abs(fwd[k][1][i] * coordValue(dir, c)), EXACT_RTOL));
  const badDir = jt.findIndex((v, i) => !exactClose(fwdDir[1][i], v) && Math.abs(fwdDir[1][i] - v) > jtTol[i]);
  if (badDir >= 0) problems.push({ engines: ["forward-direction"], text: `jvp along a random direction gives ${fmt(fwdDir[1][badDir])} at [${badDir}], the Jacobian's columns combined ${fmt(jt[badDir])}` });
  const wbadDir = wfwdDir ? jt.findIndex((v, i) => !exactClose(wfwdDir[1][i], v) && Math.abs(wfwdDir[1][i] - v) > jtTol[i]) : -1;
  if (wbadDir >= 0) problems.push({ engines: ["wasm jvp(f)-direction"], text: `wasm jvp(f) along a random direction gives ${fmt(wfwdDir![1][wbadDir])} at [${wbadDir}], the Jacobian's columns combined ${fmt(jt[wbadDir])}` });
  return problems.length > 0 ? mismatch(p, x, `[${fx.map(fmt).join(", ")}]`, problems, [`cotangent c = [${cot.map(fmt).join(", ")}]`, ...table]) : undefined;
}

/** Compiles one program on its own and checks it: the minimiser's oracle. */
export function runOne(p: Program, options: CheckOptions): ProgramResult {
  const compiled = compileProgram(p);
  if (!compiled.ok) return { status: "failed", checkedPoints: 0, failure: compiled.failure };
  return checkProgram(p, compiled.engines, options);
}

function withSupport(exports: Record<string, any>, k: number): Engines {
  return { ...(exports[`P${k}`] as Engines), support: exports.__gradcSupport, wasmSupport: exports.__gradcWasm };
}

/** Loops on f64x2 lanes in the functions gradc generated for the program whose declarations have `prefix`. */
function loopsOf(vectorizedLoops: Record<string, number> | undefined, prefix: string): number {
  return Object.entries(vectorizedLoops ?? {}).reduce((t, [name, n]) => t + (name.startsWith(prefix) ? n : 0), 0);
}

/** A module of programs, built without the engines gradc refused for each (`refused[k]`). */
export type ModuleCompile = { ok: true; exports: Record<string, any>; vectorizedLoops?: Record<string, number>; refused: Refused[] } | { ok: false; failure: Failure };

/**
 * Compiles the programs into one module with every engine. A refusal — a diagnostic of the wasm
 * engine or of hvp naming a construct inside a program — is no failure: those engines cover less
 * than the subset. The module is then compiled again without the refused engines of the programs
 * concerned, so that the others are still checked. hvp refuses while gradc reads the module,
 * the wasm engine when it builds a module without diagnostics, so this takes at most three builds
 * — usually one, as hvp's refusals are probed for first.
 */
export function compileRefusing(programs: Program[]): ModuleCompile {
  const refused = probeHvpRefusals(programs);
  for (;;) {
    const source = moduleSource(programs, refused);
    const file = `/virtual/fuzz-${++moduleCounter}.ts`;
    const compiled = compileModule(source, file);
    if (compiled.ok) return { ...compiled, refused };
    if (!compiled.refusals) return compiled;
    let progress = false;
    for (const d of compiled.refusals) {
      const r = readRefusal(d, source, file);
      if (!r.ok) return r;
      progress ||= refused[r.program][r.engine] === undefined;
      refused[r.program][r.engine] ??= r.label;
    }
    // Only refusals of engines the module no longer asks for: building again would not help.
    if (!progress) return { ok: false, failure: { kind: "diagnostic", signature: "refusal of an engine not asked for", message: `gradc refused engines the module does not ask for:\n${compiled.refusals.map(safeFormat).join("\n\n")}` } };
  }
}

/**
 * hvp's refusals of the programs it likely refuses (f takes an object, or a helper is recursive),
 * read from a module asking for their hvp alone. It fails while gradc reads it, before any code
 * is generated: a fraction of what a failed build of every engine costs, which a quarter of the
 * programs would otherwise bring to nearly every module. Only refusals read here are taken: a
 * program wrongly guessed still gets its hvp, and a refusal missed, or one that points outside its
 * program, fails the build of every engine and is read (or reported) there.
 */
function probeHvpRefusals(programs: Program[]): Refused[] {
  const refused: Refused[] = programs.map(() => ({}));
  const likely = programs.flatMap((p, k) => (p.f.ret === undefined && (p.f.params.some((q) => q.ty === "obj") || p.helpers.some((h) => h.recursive)) ? [k] : []));
  if (likely.length === 0) return refused;
  const source = moduleSource(likely.map((k) => programs[k]), [], hvpExport);
  const file = `/virtual/fuzz-${++moduleCounter}.ts`;
  const probe = compileModule(source, file);
  if (probe.ok || !probe.refusals) return refused;
  for (const d of probe.refusals) {
    const r = readRefusal(d, source, file);
    if (r.ok && r.engine === "hvp") refused[likely[r.program]].hvp = r.label;
  }
  return refused;
}

/** A program compiled on its own, ready to check, and the engines gradc refused for it (it is built without them). */
export type ProgramCompile = { ok: true; engines: Engines; vectorizedLoops: number; refused: Refused } | { ok: false; failure: Failure };

/** Compiles one program with every engine gradc does not refuse for it (compileRefusing). */
export function compileProgram(p: Program): ProgramCompile {
  const compiled = compileRefusing([p]);
  if (!compiled.ok) return compiled;
  return { ok: true, engines: withSupport(compiled.exports, 0), vectorizedLoops: loopsOf(compiled.vectorizedLoops, ""), refused: compiled.refused[0] };
}

export type Refusal = { ok: true; program: number; engine: keyof Refused; label: string } | { ok: false; failure: Failure };

/**
 * A refusal in a module of programs (`source`, compiled as `file`): the program it belongs to,
 * the engine, and the construct it names without the program's own names and numbers (a coverage
 * label) — or a failure when it names no construct or points outside the program. A wasm refusal
 * must point into the program's declarations (the export line with the marker calls is no
 * location of a construct); an hvp refusal may point at its marker call too (f's object
 * parameters are refused there).
 */
export function readRefusal(d: Diagnostic, source: string, file: string): Refusal {
  const engine = refusingEngine(d);
  if (!engine) throw new Error(`not a refusal: ${d.message}`);
  const lines = source.split("\n");
  // Program k's part of the module: from its marker comment to its export line.
  const markers = lines.flatMap((l, i) => (l.startsWith(PROGRAM_MARKER) ? [i + 1] : []));
  const program = markers.filter((m) => m < d.line).length - 1;
  const exportLine = program < 0 ? 0 : lines.findIndex((l, i) => i + 1 > markers[program] && l.startsWith(`export const P${program} =`)) + 1;
  const last = engine === "wasm" ? exportLine - 1 : exportLine;
  const inside = program >= 0 && d.file === file && Number.isInteger(d.line) && Number.isInteger(d.col) && d.line <= last && d.col >= 1 && d.col <= lines[d.line - 1].length + 1;
  const message = engine === "wasm" ? d.message.slice(WASM_DIAGNOSTIC.length) : d.message;
  const named = engine === "hvp" || message.trim().length >= 8;
  let formatted = true;
  try {
    formatDiagnostic(d);
  } catch {
    formatted = false;
  }
  if (!inside || !formatted || !named) {
    const problem = !inside ? "location" : !formatted ? "format" : "construct";
    const what = !inside ? `located at ${d.line}:${d.col}, outside the program's ${engine === "wasm" ? "declarations" : "declarations and marker call"}` : !formatted ? "formatDiagnostic threw" : "names no construct";
    return { ok: false, failure: { kind: "diagnostic", signature: `${engine} refusal: ${problem}`, message: `${engine === "wasm" ? "the wasm engine" : "hvp"} refused a program with a diagnostic ${what}: ${d.file}:${d.line}:${d.col} ${d.message}` } };
  }
  return { ok: true, program, engine, label: normalise(message.split("\n")[0]) };
}

/** Whether a failure found while minimising is "the same" as the original one. */
export function sameFailure(original: Failure, candidate: Failure | undefined): boolean {
  if (!candidate || candidate.kind !== original.kind) return false;
  if (original.kind === "mismatch") {
    const a = new Set(original.signature.split(","));
    return candidate.signature.split(",").some((e) => a.has(e));
  }
  return candidate.signature === original.signature;
}

// ── Bad input ─────────────────────────────────────────────────────────────────────────────────

export function badModuleSource(p: Program): string {
  return `import { grad } from "gradc";\n\n${printProgram(p)}\nexport const g = grad(f);\n`;
}

/** Bad input must give diagnostics located in the source, and must not throw. */
export function checkBadInput(p: Program): { failure?: Failure; diagnostics: Diagnostic[] } {
  const source = badModuleSource(p);
  const file = `/virtual/bad-${++moduleCounter}.ts`;
  let result;
  try {
    result = transformModule(source, file);
  } catch (e) {
    const err = e as Error;
    const first = `${err?.name ?? "Error"}: ${String(err?.message ?? e).split("\n")[0]}`;
    return { diagnostics: [], failure: { kind: "bad-crash", signature: normalise(first), message: `transformModule threw on input outside the subset: ${first}\n${stackTop(err)}` } };
  }
  if (result.diagnostics.length === 0) {
    return { diagnostics: [], failure: { kind: "bad-accepted", signature: "accepted", message: "gradc accepted a program outside the subset without a diagnostic" } };
  }
  const lines = source.split("\n");
  for (const d of result.diagnostics) {
    const inside = d.file === file && Number.isInteger(d.line) && Number.isInteger(d.col) && d.line >= 1 && d.line <= lines.length && d.col >= 1 && d.col <= lines[d.line - 1].length + 1;
    let formatted = true;
    try {
      formatDiagnostic(d);
    } catch {
      formatted = false;
    }
    if (!inside || !formatted || !d.message) {
      return { diagnostics: result.diagnostics, failure: { kind: "bad-location", signature: "location", message: `a diagnostic outside the source (${lines.length} lines): ${d.file}:${d.line}:${d.col} ${d.message}${formatted ? "" : " (formatDiagnostic threw)"}` } };
    }
  }
  return { diagnostics: result.diagnostics };
}

/**
 * Syntactically broken input (a bad-input module with a few characters deleted, a stray token
 * inserted, lines swapped or the text cut short): gradc's plugin runs before the bundler's own
 * parser reports the syntax error, so the transform must not throw on it either. Diagnostics
 * are optional here — only an exception is a failure.
 */
export function garble(source: string, rng: Rng): string {
  const at = rng.int(0, source.length);
  switch (rng.int(0, 3)) {
    case 0:
      return source.slice(0, at) + source.slice(at + rng.int(1, 8));
    case 1:
      return source.slice(0, at) + rng.pick([")", "(", "{", "}", ";", ",", "=", "+", "?", ":", "=>", " let ", " function ", "[", "]", ".", '"', "`", "/*", "<", "return "]) + source.slice(at);
    case 2: {
      const lines = source.split("\n");
      const k = rng.int(0, lines.length - 2);
      [lines[k], lines[k + 1]] = [lines[k + 1], lines[k]];
      return lines.join("\n");
    }
    default:
      return source.slice(0, at);
  }
}

export function checkGarbled(source: string): Failure | undefined {
  try {
    const result = transformModule(source, `/virtual/garbled-${++moduleCounter}.ts`);
    for (const d of result.diagnostics) formatDiagnostic(d);
    return undefined;
  } catch (e) {
    const err = e as Error;
    const first = `${err?.name ?? "Error"}: ${String(err?.message ?? e).split("\n")[0]}`;
    return { kind: "garbled-crash", signature: normalise(first), message: `transformModule threw on syntactically broken input: ${first}\n${stackTop(err)}` };
  }
}

// ── The fuzzing loop ──────────────────────────────────────────────────────────────────────────

export interface FuzzOptions {
  /** Number of generated programs. */
  n: number;
  seed: number;
  /** Index of the first program (default 0). */
  from?: number;
  /** Programs per compiled module (default 20). */
  batch?: number;
  points?: number;
  attempts?: number;
  /** Number of bad-input programs (default n / 10). */
  bad?: number;
  /** Only programs with index ≡ shard.k (mod shard.of). */
  shard?: { k: number; of: number };
  /** Minimise failures and write reproducers (default true). */
  minimize?: boolean;
  /** Where reproducers go (default fuzz/failures); null: write nothing. */
  failuresDir?: string | null;
  /** Candidate evaluations the minimiser may spend per failure (default 800). */
  minimizeBudget?: number;
  /**
   * Failures minimised and written per failure class (kind and engines involved; default 4) and
   * in all (default 40): a compiler bug tends to fail many programs, and each minimisation costs
   * seconds. Further failures are counted and listed without a reproducer.
   */
  minimizePerClass?: number;
  minimizeTotal?: number;
  /** Stop after this many failures (default: never). */
  maxFailures?: number;
  /** Progress lines. */
  log?: (line: string) => void;
  /** binaryen's optimisation level for the wasm engine (default 3, as builds use). */
  wasmOptimizeLevel?: number;
}

export interface FuzzSummary {
  seed: number;
  programs: number;
  checkedPrograms: number;
  checkedPoints: number;
  skippedNonSmooth: number;
  /** Points discarded (and replaced by another point) because they were next to a kink or jump. */
  nonSmoothPoints: number;
  skippedUntame: number;
  /** Programs skipped because every engine gave a non-finite derivative at every point tried. */
  skippedSingular: number;
  mismatches: number;
  crashes: number;
  rejected: number;
  emitErrors: number;
  runtimeErrors: number;
  generatorErrors: number;
  /** Programs built with the wasm engine too (its grad, jvp and vjp checked beside the others). */
  wasmPrograms: number;
  /** Of those, programs checked at a smooth point (status ok). */
  wasmChecked: number;
  /** Programs the wasm engine refused with a diagnostic (coverage `wasm refused: <construct>`). */
  wasmRefused: number;
  /** Programs with a loop the wasm engine runs on f64x2 lanes (coverage `wasm vectorized loop`). */
  wasmVectorized: number;
  /** Number-valued programs built with `hvp(f)`. */
  hvpPrograms: number;
  /** Of those, programs whose hvp was checked at a point at least. */
  hvpChecked: number;
  /** Points where hvp was checked (finite differences of the gradient along v, symmetry, arrays untouched). */
  hvpPoints: number;
  /** Checked points where the gradient is not smooth along v (a kink within reach): hvp not checked there. */
  hvpNonSmoothPoints: number;
  /** Number-valued programs hvp refused with a diagnostic (coverage `hvp refused: <construct>`). */
  hvpRefused: number;
  badInputs: number;
  badInputFailures: number;
  /** Syntactically broken inputs (one per bad input), and how many made the transform throw. */
  garbledInputs: number;
  garbledCrashes: number;
  /** Bad inputs whose first diagnostic points at the injected construct (or f's signature). */
  badInputsOnTarget: number;
  seconds: number;
  failures: FailureRecord[];
  /** Failure count per class ("kind: signature"). */
  failureClasses: Record<string, number>;
  /** How many programs use each feature. */
  coverage: Record<string, number>;
}

export function emptySummary(seed: number): FuzzSummary {
  return {
    seed, programs: 0, checkedPrograms: 0, checkedPoints: 0, skippedNonSmooth: 0, nonSmoothPoints: 0, skippedUntame: 0, skippedSingular: 0, mismatches: 0, crashes: 0,
    rejected: 0, emitErrors: 0, runtimeErrors: 0, generatorErrors: 0, wasmPrograms: 0, wasmChecked: 0, wasmRefused: 0, wasmVectorized: 0,
    hvpPrograms: 0, hvpChecked: 0, hvpPoints: 0, hvpNonSmoothPoints: 0, hvpRefused: 0, badInputs: 0, badInputFailures: 0, badInputsOnTarget: 0, garbledInputs: 0, garbledCrashes: 0, seconds: 0,
    failures: [], failureClasses: {}, coverage: {},
  };
}

export function mergeSummaries(a: FuzzSummary, b: FuzzSummary): FuzzSummary {
  const out = { ...a, failures: [...a.failures, ...b.failures], coverage: { ...a.coverage } };
  for (const key of Object.keys(a) as (keyof FuzzSummary)[]) {
    if (typeof a[key] === "number" && key !== "seed" && key !== "seconds") (out as any)[key] = (a[key] as number) + (b[key] as number);
  }
  out.seconds = Math.max(a.seconds, b.seconds);
  for (const [k, v] of Object.entries(b.coverage)) out.coverage[k] = (out.coverage[k] ?? 0) + v;
  out.failureClasses = { ...a.failureClasses };
  for (const [k, v] of Object.entries(b.failureClasses)) out.failureClasses[k] = (out.failureClasses[k] ?? 0) + v;
  return out;
}

/** runFuzz, after loading the wasm engine's binaryen (once per process). */
export async function runFuzzAsync(options: FuzzOptions): Promise<FuzzSummary> {
  await loadWasmBackend();
  return runFuzz(options);
}

/**
 * The fuzzing loop. Every program also runs on the wasm engine, whose binaryen loads
 * asynchronously: call `await loadWasmBackend()` first (or use runFuzzAsync); runFuzz throws
 * otherwise.
 */
export function runFuzz(options: FuzzOptions): FuzzSummary {
  if (options.n > 0) assertWasmBackend();
  const previousLevel = wasmOptimizeLevel;
  wasmOptimizeLevel = options.wasmOptimizeLevel ?? 3;
  try {
    return fuzzLoop(options);
  } finally {
    wasmOptimizeLevel = previousLevel;
  }
}

function fuzzLoop(options: FuzzOptions): FuzzSummary {
  const start = performance.now();
  const batch = options.batch ?? 20;
  const check: CheckOptions = { points: options.points ?? 3, attempts: options.attempts ?? 10 };
  const summary = emptySummary(options.seed);
  const log = options.log ?? (() => {});
  const maxFailures = options.maxFailures ?? Infinity;
  const perClass = options.minimizePerClass ?? 4;
  const totalMinimized = options.minimizeTotal ?? 40;
  let minimized = 0;
  const inShard = (i: number) => !options.shard || i % options.shard.of === options.shard.k;
  const from = options.from ?? 0;
  const indices = Array.from({ length: options.n }, (_, i) => from + i).filter(inShard);

  const record = (p: Program, failure: Failure, oracle: (q: Program) => Failure | undefined, badIndex?: number) => {
    const counter: Record<string, keyof FuzzSummary> = {
      crash: "crashes", diagnostic: "rejected", emit: "emitErrors", runtime: "runtimeErrors", mismatch: "mismatches", generator: "generatorErrors",
      "bad-crash": "badInputFailures", "bad-accepted": "badInputFailures", "bad-location": "badInputFailures", "garbled-crash": "garbledCrashes",
    };
    (summary as any)[counter[failure.kind]]++;
    const cls = `${failure.kind}: ${failure.signature}`;
    const seen = (summary.failureClasses[cls] = (summary.failureClasses[cls] ?? 0) + 1);
    const source = (q: Program) => (failure.kind.startsWith("bad-") ? badModuleSource(q) : printProgram(q));
    if (seen > perClass || minimized >= totalMinimized) {
      summary.failures.push({ ...failure, seed: p.seed, index: p.index, source: source(p) });
      log(`FAILURE ${cls} in program ${p.seed}/${p.index} (not minimised: ${seen} of this class so far)`);
      return;
    }
    minimized++;
    let minimal = p;
    let final = failure;
    if (options.minimize !== false && failure.kind !== "generator") {
      minimal = minimize(p, (q) => sameFailure(failure, oracle(q)), { budget: options.minimizeBudget ?? 800 });
      final = oracle(minimal) ?? failure;
    }
    const rec: FailureRecord = { ...final, seed: p.seed, index: p.index, badIndex, source: source(minimal) };
    if (options.failuresDir !== null) rec.file = writeReproducer(options.failuresDir ?? DEFAULT_FAILURES_DIR, rec, minimal, failure);
    summary.failures.push(rec);
    log(`FAILURE ${rec.kind} in program ${p.seed}/${p.index}: ${rec.message.split("\n").slice(0, 3).join(" | ")}${rec.file ? `\n  reproducer: ${rec.file}` : ""}`);
  };
  const oracle = (q: Program) => runOne(q, check).failure;

  for (let b = 0; b < indices.length && summary.failures.length < maxFailures; b += batch) {
    const programs = indices.slice(b, b + batch).map((i) => generateProgram(options.seed, i));
    for (const p of programs) tallyCoverage(p, summary.coverage);
    summary.programs += programs.length;
    const compiled = compileRefusing(programs);
    let modules: { p: Program; engines: Engines; vectorizedLoops: number; refused: Refused }[];
    if (compiled.ok) {
      const exports = compiled.exports;
      modules = programs.map((p, k) => ({ p, engines: withSupport(exports, k), vectorizedLoops: loopsOf(compiled.vectorizedLoops, programPrefix(k, programs.length)), refused: compiled.refused[k] }));
    } else {
      // Find the culprits: compile each program on its own.
      modules = [];
      for (const p of programs) {
        const one = compileProgram(p);
        if (!one.ok) record(p, one.failure, oracle);
        else modules.push({ p, ...one });
      }
    }
    for (const { p, engines, vectorizedLoops, refused } of modules) {
      tallyRefusals(p, refused, summary, log);
      const onWasm = engines.wfwd !== undefined;
      if (onWasm) summary.wasmPrograms++;
      if (engines.hvp) summary.hvpPrograms++;
      if (vectorizedLoops > 0) {
        summary.wasmVectorized++;
        summary.coverage["wasm vectorized loop"] = (summary.coverage["wasm vectorized loop"] ?? 0) + 1;
      }
      const r = checkProgram(p, engines, check);
      summary.checkedPoints += r.checkedPoints;
      summary.nonSmoothPoints += r.nonSmoothPoints ?? 0;
      if (r.status === "ok" && onWasm) summary.wasmChecked++;
      summary.hvpPoints += r.hvpPoints ?? 0;
      summary.hvpNonSmoothPoints += r.hvpNonSmoothPoints ?? 0;
      if ((r.hvpPoints ?? 0) > 0) summary.hvpChecked++;
      if (r.status === "ok") summary.checkedPrograms++;
      else if (r.status === "nonsmooth") summary.skippedNonSmooth++;
      else if (r.status === "untame") summary.skippedUntame++;
      else if (r.status === "singular") summary.skippedSingular++;
      else record(p, r.failure!, oracle);
    }
    const done = Math.min(b + batch, indices.length);
    if (done % (batch * 10) === 0 || done === indices.length) {
      log(`  ${done}/${indices.length} programs, ${summary.checkedPoints} points, ${summary.failures.length} failures, ${((performance.now() - start) / 1000).toFixed(1)} s`);
    }
  }

  const nBad = options.bad ?? Math.ceil(options.n / 10);
  for (let i = from; i < from + nBad && summary.failures.length < maxFailures; i++) {
    if (!inShard(i)) continue;
    const bad = generateBadInput(options.seed, i);
    summary.badInputs++;
    // The same module, syntactically broken.
    const text = garble(badModuleSource(bad.program), new Rng(options.seed, i, 0x6a7b));
    summary.garbledInputs++;
    const crash = checkGarbled(text);
    if (crash) {
      summary.garbledCrashes++;
      const cls = `${crash.kind}: ${crash.signature}`;
      summary.failureClasses[cls] = (summary.failureClasses[cls] ?? 0) + 1;
      const rec: FailureRecord = { ...crash, seed: options.seed, index: i, source: text };
      if (options.failuresDir !== null) rec.file = writeText(options.failuresDir ?? DEFAULT_FAILURES_DIR, rec);
      summary.failures.push(rec);
      log(`FAILURE ${cls} for garbled input ${options.seed}/${i}${rec.file ? `\n  reproducer: ${rec.file}` : ""}`);
    }
    const r = checkBadInput(bad.program);
    if (r.failure) {
      record(bad.program, { ...r.failure, message: `[${bad.mutation}] ${r.failure.message}` }, (q) => checkBadInput(q).failure, i);
      continue;
    }
    if (diagnosticOnTarget(bad.program, r.diagnostics[0])) summary.badInputsOnTarget++;
  }

  summary.seconds = (performance.now() - start) / 1000;
  return summary;
}

/** Counts the engines gradc refused for a program (coverage `wasm refused: <construct>`, `hvp refused: <construct>`). */
function tallyRefusals(p: Program, refused: Refused, summary: FuzzSummary, log: (line: string) => void): void {
  if (refused.wasm !== undefined) {
    summary.wasmRefused++;
    const label = `wasm refused: ${refused.wasm}`;
    summary.coverage[label] = (summary.coverage[label] ?? 0) + 1;
    // Rare (gradc's front end refuses all the wasm engine would today): worth a line.
    log(`  program ${p.seed}/${p.index}: ${label}`);
  }
  if (refused.hvp !== undefined) {
    summary.hvpRefused++;
    const label = `hvp refused: ${refused.hvp}`;
    summary.coverage[label] = (summary.coverage[label] ?? 0) + 1;
  }
}

/** Whether the diagnostic's line holds the injected text (or f's header, for signature mutations). */
function diagnosticOnTarget(p: Program, d: Diagnostic): boolean {
  const lines = badModuleSource(p).split("\n");
  const line = lines[d.line - 1] ?? "";
  const raws: string[] = [];
  for (const list of statementLists(p)) for (const s of list) if (s.k === "raw") raws.push(...s.text.split("\n"));
  for (const t of p.rawTop ?? []) raws.push(...t.split("\n"));
  if (raws.some((r) => r.trim() && line.includes(r.trim()))) return true;
  return /function\*? ?f\(/.test(line) && (p.f.rawParams !== undefined || p.f.rawPrefix !== undefined || !!p.f.generator);
}

/** Counts the features a program exercises (each at most once per program). */
export function tallyCoverage(p: Program, coverage: Record<string, number>): void {
  const seen = new Set<string>();
  for (const fn of allFns(p)) {
    forEachExpr(fn.body, (e) => {
      if (e.k === "math") seen.add(`Math.${e.fn}`);
      if (e.k === "bin") seen.add(`op ${e.op}`);
      if (e.k === "cond") seen.add("?:");
      if (e.k === "call") seen.add("helper call");
      if (e.k === "call" && p.helpers.find((h) => h.name === e.fn)?.recursive) seen.add("recursion");
      if (e.k === "call" && e.args.length < (p.helpers.find((h) => h.name === e.fn)?.params.length ?? 0)) seen.add("default parameter left out");
      if (e.k === "newarr") seen.add("new Float64Array");
      if (e.k === "truthy") seen.add("number as condition");
      if (e.k === "assignx") seen.add("assignment in expression");
      if (e.k === "incx") seen.add("++/-- in expression");
      if (e.k === "comma") seen.add("comma operator");
      if (e.k === "arrlit") seen.add("array literal");
    });
  }
  const walk = (stmts: Program["f"]["body"], loops: number) => {
    for (const s of stmts) {
      if (s.k === "for" || s.k === "while" || s.k === "do") seen.add(`${s.k} loop`);
      if (s.k === "forof") seen.add("for…of loop");
      if (s.k === "switch") {
        seen.add("switch");
        if (s.cases.some((c, i) => !c.brk && i < s.cases.length - 1)) seen.add("switch fall-through");
        if (s.cases.some((c) => c.value === null)) seen.add("switch default");
      }
      if (s.k === "while" || s.k === "do") {
        forEachExpr([{ k: "expr", e: s.guard }, ...(s.cond ? [{ k: "expr" as const, e: s.cond }] : [])], (e) => {
          if (e.k === "assignx" || e.k === "incx") seen.add("side effect in loop condition");
        });
      }
      if (s.k === "for" && loops > 0) seen.add("nested loop");
      if (s.k === "break" || s.k === "continue") seen.add(s.k);
      if (s.k === "return" && loops > 0) seen.add("return in loop");
      if (s.k === "assign" && s.target.k === "elem") seen.add("element write");
      if (s.k === "assign" && s.op !== "=") seen.add(`compound ${s.op}`);
      if (s.k === "incdec") seen.add("++/--");
      if (s.k === "objdecl") seen.add("object literal");
      if (s.k === "objset") seen.add(s.spread ? "object spread update" : "object reassigned");
      if (s.k === "destruct") seen.add("destructuring");
      if ((s.k === "assign" || s.k === "incdec") && s.target.k === "var" && s.target.name.includes(".")) seen.add("object field write");
      if (s.k === "expr") seen.add("helper call statement");
      if (loops > 0) forEachExpr([s], (e) => e.k === "call" && seen.add("helper call in loop"));
      const inner = s.k === "for" || s.k === "while" || s.k === "do" || s.k === "forof" ? loops + 1 : loops;
      if (s.k === "if") (walk(s.then, loops), s.else && walk(s.else, loops));
      if (s.k === "switch") s.cases.forEach((c) => walk(c.body, loops));
      if (s.k === "for" || s.k === "while" || s.k === "do" || s.k === "forof") walk(s.body, inner);
    }
  };
  for (const fn of allFns(p)) walk(fn.body, 0);
  if (allFns(p).some((fn) => overwritesInLoop(fn.body, undefined, new Set()))) seen.add("derivative-free overwrite in loop");
  // The fifth stream's loops (generate.ts `vectorizableLoops`), or loops of the same shape: one
  // element write or sum per iteration of `for (let i = 0; i < n; i++)` over f's arrays.
  const vectorizable = (st: Program["f"]["body"][number]) =>
    st.k === "for" && st.init.k === "lit" && st.init.v === 0 && st.cmp === "<" && st.update === "++" && st.body.length === 1 && st.body[0].k === "assign" &&
    ((st.body[0].target.k === "elem" && st.body[0].target.index.k === "ref" && st.body[0].target.index.name === st.v) || (st.body[0].target.k === "var" && st.body[0].op !== "="));
  if (p.f.body.some(vectorizable)) seen.add("vectorizable loop");
  if (p.f.params.some((q) => q.ty === "bool")) seen.add("boolean parameter");
  if (p.f.params.some((q) => q.ty === "str")) forEachExpr(p.f.body, (e) => e.k === "strcmp" && seen.add("string parameter compared"));
  if (p.f.params.some((q) => q.ty === "arr")) seen.add("array parameter");
  // f's object, Float32Array and integer-array parameters, and array results.
  const paramOf = (name: string) => p.f.params.find((q) => q.name === name.split(".")[0]);
  const objects = p.f.params.filter((q) => q.ty === "obj");
  if (objects.length > 0) seen.add("object parameter");
  if (objects.some((q) => q.shape?.fields.some((f) => f.ty === "obj"))) seen.add("nested object parameter");
  if (p.f.params.some((q) => q.ty === "f32")) seen.add("Float32Array parameter");
  if (p.f.params.some((q) => q.ty === "i32" || q.ty === "u8")) seen.add("integer array parameter");
  if (p.f.ret && p.f.ret !== "obj") seen.add("array result");
  if (p.f.ret === "list") seen.add("number[] result");
  forEachExpr(p.f.body, (e) => {
    if (e.k === "load" && paramOf(e.arr)?.ty === "obj") seen.add("object parameter field read");
    if (e.k === "ref" && paramOf(e.name)?.ty === "obj") seen.add("object parameter field read");
    if (e.k === "load" && paramOf(e.arr)?.ty === "i32") seen.add("Int32Array label read");
    if (e.k === "load" && paramOf(e.arr)?.ty === "u8") seen.add("Uint8Array mask read");
    if (e.k === "load" && e.index.k === "bin" && e.index.a.k === "load" && paramOf(e.index.a.arr)?.ty === "i32") seen.add("index from an Int32Array");
  });
  const elementWrites = (stmts: Program["f"]["body"]) => {
    for (const s of stmts) {
      if ((s.k === "assign" || s.k === "incdec") && s.target.k === "elem") {
        const q = paramOf(s.target.arr);
        if (q?.ty === "obj") seen.add("object parameter array write");
        if (q?.ty === "f32") seen.add("Float32Array element write");
      }
      for (const b of childBlocks(s)) elementWrites(b);
    }
  };
  elementWrites(p.f.body);
  tallyResultsAndRecursion(p, seen);
  for (const k of seen) coverage[k] = (coverage[k] ?? 0) + 1;
}

/** Helpers returning arrays and objects, f's object result, recursion over arrays, integer typed array locals. */
function tallyResultsAndRecursion(p: Program, seen: Set<string>): void {
  const helper = (name: string) => p.helpers.find((h) => h.name === name);
  const arrayRecursion = (name: string) => {
    const h = helper(name);
    return h?.recursive && h.params.some((q) => q.ty === "arr") ? h : undefined;
  };
  for (const fn of allFns(p)) {
    /** Arrays from helper results: locals initialised by a call, destructured array fields, `o.v` of an object result. */
    const results = new Set<string>();
    const intLocals = new Map<string, Ty>();
    const walk = (stmts: Program["f"]["body"], loops: number) => {
      for (const s of stmts) {
        if (s.k === "decl" && s.init.k === "call" && s.init.ty === "arr") results.add(s.name);
        if (s.k === "decl" && s.init.k === "call" && s.init.ty === "obj") {
          seen.add("object-returning helper");
          for (const l of objectLeaves(s.name, helper(s.init.fn)?.retShape?.fields ?? [])) if (l.ty === "arr") results.add(l.name);
        }
        if (s.k === "destruct" && s.init) {
          seen.add("object result destructured");
          seen.add("object-returning helper");
          const fields = helper((s.init as Expr & { k: "call" }).fn)?.retShape?.fields ?? [];
          for (const b of s.binds) if (fields.find((f) => f.key === b.key)?.ty === "arr") results.add(b.name);
        }
        if (s.k === "decl" && s.init.k === "newarr" && s.init.ty) {
          intLocals.set(s.name, s.init.ty);
          seen.add(s.init.ty === "i32" ? "Int32Array local" : "Uint8Array local");
        }
        if ((s.k === "assign" || s.k === "incdec") && s.target.k === "elem" && results.has(s.target.arr)) seen.add("helper array result written");
        if (s.k === "assign" && s.target.k === "elem" && intLocals.has(s.target.arr) && s.value.k === "bin" && s.value.a.k === "lit" && (s.value.a.v === 256 || s.value.a.v === 4294967296)) seen.add("integer store wraps");
        forEachExpr(childBlocks(s).length === 0 ? [s] : [], (e) => {
          if (e.k !== "call") return;
          const h = helper(e.fn);
          if (e.ty === "arr") {
            seen.add(h?.ret === "list" ? "number[]-returning helper" : "array-returning helper");
            if (loops > 0) seen.add("array-returning helper in loop");
          }
          if (e.args.some((a) => a.k === "call" && a.ty === "arr")) seen.add("helper array result as argument");
          if (fn !== h && arrayRecursion(e.fn)) {
            seen.add("recursion over an array");
            seen.add(h!.params.some((q) => q.name === "lo") ? "divide-and-conquer recursion" : "linear recursion over an array");
            if (loops > 0) seen.add("recursion over an array in loop");
          }
        });
        const inner = s.k === "for" || s.k === "while" || s.k === "do" || s.k === "forof" ? loops + 1 : loops;
        if (s.k === "if" || s.k === "switch" || inner > loops) {
          // The statement's own expressions (conditions, bounds) outside its blocks.
          const own: Program["f"]["body"] = s.k === "if" ? [{ k: "expr", e: s.cond }] : s.k === "switch" ? [{ k: "expr", e: s.disc }] : [];
          walk(own, loops);
        }
        for (const b of childBlocks(s)) walk(b, inner);
      }
    };
    walk(fn.body, 0);
    forEachExpr(fn.body, (e) => {
      if (e.k === "objlit" && e.fields.some((f) => f.value.k === "call" && f.value.ty === "obj")) seen.add("object result as a field");
      if (e.k === "load" && e.index.k === "bin" && e.index.op === "%" && e.index.a.k === "load" && intLocals.get(e.index.a.arr) === "i32") seen.add("index from an Int32Array local");
      if (e.k === "load" && intLocals.get(e.arr) === "u8") seen.add("Uint8Array local mask read");
    });
    if (fn.ret === "obj" && (fn.retShape?.fields ?? []).some((f) => f.ty === "obj")) seen.add("nested object result");
  }
  if (p.f.ret === "obj") seen.add("object result");
}

/**
 * `v = e` inside a loop, for a `v` declared outside it, where e carries no derivative (constants,
 * loop counters, lengths, comparisons, round/floor/ceil/trunc/sign): the reverse sweep resets v̄
 * there, in a backward loop it may skip (fuzz 777/1008). `locals`: names declared in the
 * innermost loop (undefined outside loops); `counters`: the loop variables and counters in scope.
 */
function overwritesInLoop(stmts: Program["f"]["body"], locals: Set<string> | undefined, counters: Set<string>): boolean {
  const noDerivative = (e: Expr): boolean => {
    switch (e.k) {
      case "lit":
      case "blit":
      case "len":
        return true;
      case "ref":
        return counters.has(e.name);
      case "math":
        return ["round", "floor", "ceil", "trunc", "sign"].includes(e.fn) || e.args.every(noDerivative);
      case "neg":
        return noDerivative(e.a);
      case "bin":
        return ["<", "<=", ">", ">=", "===", "!==", "&&", "||"].includes(e.op) || (noDerivative(e.a) && noDerivative(e.b));
      case "cond":
        return noDerivative(e.a) && noDerivative(e.b);
      default:
        return false;
    }
  };
  return stmts.some((s) => {
    if (s.k === "decl") locals?.add(s.name);
    if (s.k === "assign" && locals && s.op === "=" && s.target.k === "var" && !locals.has(s.target.name) && noDerivative(s.value)) return true;
    if (s.k === "if") return overwritesInLoop(s.then, locals, counters) || (!!s.else && overwritesInLoop(s.else, locals, counters));
    if (s.k === "for") return overwritesInLoop(s.body, new Set([s.v]), new Set([...counters, s.v]));
    if (s.k === "while" || s.k === "do") {
      const counter = s.guard.k === "bin" && s.guard.a.k === "ref" ? [s.guard.a.name] : [];
      return overwritesInLoop(s.body, new Set(), new Set([...counters, ...counter]));
    }
    return false;
  });
}

// ── Reproducers ───────────────────────────────────────────────────────────────────────────────

function writeText(dir: string, rec: FailureRecord): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${rec.seed}-garbled-${rec.index}.ts.txt`);
  fs.writeFileSync(file, `// gradc fuzz failure: ${rec.kind} (${rec.signature})\n// ${rec.message.split("\n").join("\n// ")}\n\n${rec.source}`);
  return file;
}

function writeReproducer(dir: string, rec: FailureRecord, minimal: Program, original: Failure): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${rec.seed}-${rec.index}.ts`);
  const comment = (text: string) => text.split("\n").map((l) => ` * ${l}`.trimEnd()).join("\n");
  const header = [
    "/**",
    ` * gradc fuzz failure: ${rec.kind} (${rec.signature})`,
    rec.badIndex === undefined
      ? ` * program ${rec.seed}/${rec.index}; reproduce: npm run fuzz -- --seed ${rec.seed} --from ${rec.index} --n 1`
      : ` * bad input ${rec.seed}/${rec.badIndex}; reproduce: npm run fuzz -- --seed ${rec.seed} --from ${rec.badIndex} --n 0 --bad 1`,
    " *",
    comment(rec.message),
    ...(original.message !== rec.message ? [" *", " * before minimisation:", comment(original.message)] : []),
    " *",
    ` * Engines compared: grad(f), jvp(f), grad(f, { engine: "tape" }), vjp(f), grad(f, { wrt: [${wrtIndex(minimal)}] }),`,
    ` * grad(f, { engine: "wasm" }), jvp(f, { engine: "wasm" }), vjp(f, { engine: "wasm" }) (vjp and jvp only for an array or object result),`,
    " * against Richardson central differences (fuzz/run.ts); hvp(f) against central differences of grad(f) along v.",
    " */",
  ].join("\n");
  fs.writeFileSync(file, `${header}\n${rec.source}`);
  return file;
}
