/**
 * The differential fuzzer's runner. For each generated program it
 *
 *  1. compiles a module that asks gradc for every engine's derivative of f — compiled reverse
 *     (`grad(f)`, `grad(f, { wrt: [k] })`, `vjp(f)`), compiled forward (`jvp(f)`) and the tape
 *     engine (`grad(f, { engine: "tape" })`) — many programs per module for speed;
 *  2. picks random points away from branch boundaries and kinks: at every coordinate,
 *     Richardson-extrapolated central differences at steps h and h/4 must agree (a jump or kink
 *     within reach of the stencil makes them disagree), otherwise the point is discarded; after
 *     several discarded points the program is counted as non-smooth and skipped;
 *  3. compares reverse, forward along each coordinate and along a random direction, tape, vjp
 *     and the wrt-restricted reverse with one another (exact up to rounding: 1e-9 relative) and
 *     with the finite differences (1e-5 relative to max(1, |g|)), and f's value with the values
 *     the engines report.
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
import { type Diagnostic, formatDiagnostic, transformModule } from "../compiler/index.js";
import * as runtime from "../runtime/index.js";
import { richardsonDerivative } from "../runtime/check.js";
import { type Expr, type Program, Printer, allFns, forEachExpr, printProgram, statementLists } from "./ast.js";
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

type Arg = number | boolean | string | Float64Array;
type Grad = number | Float64Array;

export interface Engines {
  f: (...args: Arg[]) => number;
  rev: (...args: Arg[]) => Grad[];
  fwd: (primals: Arg[], tangents: Arg[]) => [number, number];
  tape: (...args: Arg[]) => Grad[];
  vjp: (...args: Arg[]) => [number, (cotangent: number) => Grad[]];
  revw: (...args: Arg[]) => Grad[];
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
  failure?: Failure;
}

// ── Compiling ─────────────────────────────────────────────────────────────────────────────────

const HEADER = `import { grad, jvp, vjp } from "gradc";`;

/** The parameter index `grad(f, { wrt: [k] })` uses for this program. */
export function wrtIndex(p: Program): number {
  const rng = new Rng(p.seed, p.index, 0x3a7);
  const candidates = p.f.params.flatMap((q, i) => (q.ty === "bool" || q.ty === "str" ? [] : [i]));
  return rng.pick(candidates);
}

/** The exported engine object for a program, named `name`. */
function enginesExport(p: Program, printer: Printer, name: string): string {
  const f = printer.name("f");
  return `export const ${name} = { f: ${f}, rev: grad(${f}), fwd: jvp(${f}), tape: grad(${f}, { engine: "tape" }), vjp: vjp(${f}), revw: grad(${f}, { wrt: [${wrtIndex(p)}] }) };`;
}

/** A module with the programs' declarations and `export const P<k> = { engines }` for each. */
export function moduleSource(programs: Program[]): string {
  const parts = [HEADER];
  programs.forEach((p, k) => {
    const printer = new Printer(p, programs.length > 1 ? { prefix: `p${k}_` } : {});
    parts.push(`// program ${p.seed}/${p.index}`, printer.declarations(false), enginesExport(p, printer, `P${k}`));
  });
  return parts.join("\n\n") + "\n";
}

export type CompileResult = { ok: true; exports: Record<string, any> } | { ok: false; failure: Failure };

let moduleCounter = 0;

/** Compiles module source with gradc, strips types with esbuild and evaluates it. */
export function compileModule(source: string, file = `/virtual/fuzz-${++moduleCounter}.ts`): CompileResult {
  let result;
  try {
    result = transformModule(source, file);
  } catch (e) {
    const err = e as Error;
    const first = `${err?.name ?? "Error"}: ${String(err?.message ?? e).split("\n")[0]}`;
    return { ok: false, failure: { kind: "crash", signature: normalise(first), message: `transformModule threw ${first}\n${stackTop(err)}` } };
  }
  if (result.diagnostics.length > 0) {
    const d = result.diagnostics[0];
    return { ok: false, failure: { kind: "diagnostic", signature: d.message, message: `gradc rejected a program of the subset:\n${result.diagnostics.map(safeFormat).join("\n\n")}` } };
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
  try {
    const module = { exports: {} as Record<string, any> };
    const require = (id: string) => {
      if (id === "gradc") return runtime;
      throw new Error(`the generated module requires '${id}'`);
    };
    new Function("module", "exports", "require", js)(module, module.exports, require);
    return { ok: true, exports: module.exports };
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

function copyArgs(args: Arg[]): Arg[] {
  return args.map((a) => (a instanceof Float64Array ? Float64Array.from(a) : a));
}

function randomPoint(p: Program, rng: Rng): Arg[] {
  return p.f.params.map((q): Arg => {
    if (q.ty === "num") return rng.uniform(-2, 2);
    if (q.ty === "bool") return rng.chance(0.5);
    if (q.ty === "str") return rng.pick(["fast", "exact"]);
    return Float64Array.from({ length: p.arrLen }, () => rng.uniform(-1.5, 1.5));
  });
}

interface Coord {
  param: number;
  /** -1: the number parameter itself; otherwise an element of an array parameter. */
  element: number;
  label: string;
}

function coordinates(p: Program): Coord[] {
  const out: Coord[] = [];
  p.f.params.forEach((q, i) => {
    if (q.ty === "num") out.push({ param: i, element: -1, label: q.name });
    if (q.ty === "arr") for (let j = 0; j < p.arrLen; j++) out.push({ param: i, element: j, label: `${q.name}[${j}]` });
  });
  return out;
}

function component(g: Grad | undefined, c: Coord): number {
  if (g === undefined) return NaN;
  if (c.element < 0) return typeof g === "number" ? g : NaN;
  return g instanceof Float64Array ? g[c.element] : NaN;
}

function shifted(args: Arg[], c: Coord, h: number): Arg[] {
  const out = copyArgs(args);
  if (c.element < 0) out[c.param] = (args[c.param] as number) + h;
  else (out[c.param] as Float64Array)[c.element] += h;
  return out;
}

function coordValue(args: Arg[], c: Coord): number {
  return c.element < 0 ? (args[c.param] as number) : (args[c.param] as Float64Array)[c.element];
}

/** Richardson-extrapolated central differences at steps h and h/4; undefined when not smooth. */
function finiteDifference(f: Engines["f"], args: Arg[], c: Coord): { value: number; smooth: boolean } {
  const x = coordValue(args, c);
  const h = 1e-3 * Math.max(1, Math.abs(x));
  const at = (t: number) => f(...shifted(args, c, t));
  const coarse = richardsonDerivative(at, h);
  const fine = richardsonDerivative(at, h / 4);
  const smooth = Number.isFinite(coarse) && Number.isFinite(fine) && Math.abs(coarse - fine) <= SMOOTH_RTOL * Math.max(1, Math.abs(fine));
  return { value: fine, smooth };
}

const exactClose = (a: number, b: number) => a === b || Math.abs(a - b) <= EXACT_RTOL * Math.max(1, Math.abs(a), Math.abs(b));
const fdClose = (g: number, fd: number) => Math.abs(g - fd) <= FD_RTOL * Math.max(1, Math.abs(fd));

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toPrecision(17).replace(/(\.\d*?)0+(e|$)/, "$1$2").replace(/\.(e|$)/, "$1") : String(x);
}

export function formatArgs(p: Program, args: Arg[]): string {
  return args.map((a, i) => `${p.f.params[i].name} = ${a instanceof Float64Array ? `Float64Array.from([${Array.from(a).map(fmt).join(", ")}])` : typeof a === "number" ? fmt(a) : a}`).join(", ");
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

function clearStacks(support: SupportStacks): void {
  support.top = 0;
  support.inactive.length = 0;
  support.arrays.length = 0;
}

/**
 * Checks one compiled program at random points. Deterministic given the program (the point
 * generator is seeded from the program's seed and index), so the minimiser can re-run it.
 */
export function checkProgram(p: Program, engines: Engines, options: CheckOptions): ProgramResult {
  const rng = new Rng(p.seed, p.index, 0x901);
  const coords = coordinates(p);
  const wrt = wrtIndex(p);
  let checked = 0;
  let nonSmooth = 0;
  let untame = 0;
  let singularPoints = 0;
  if (engines.support) clearStacks(engines.support);
  for (let attempt = 0; attempt < options.attempts && checked < options.points; attempt++) {
    const x = randomPoint(p, rng);
    let fx: number;
    try {
      fx = engines.f(...copyArgs(x));
      const again = engines.f(...copyArgs(x));
      if (!Object.is(fx, again)) return fail("generator", "f is not deterministic", `f(${formatArgs(p, x)}) gave ${fx}, then ${again}`);
    } catch (e) {
      return fail("generator", "f threw", `f(${formatArgs(p, x)}) threw ${(e as Error).message}`);
    }
    if (!Number.isFinite(fx) || Math.abs(fx) > 1e8) {
      untame++;
      continue;
    }
    const fds: number[] = [];
    let smooth = true;
    for (const c of coords) {
      const d = finiteDifference(engines.f, x, c);
      if (!d.smooth) {
        smooth = false;
        break;
      }
      fds.push(d.value);
    }
    if (!smooth) {
      nonSmooth++;
      continue;
    }

    // Every engine at this point.
    const run = <T>(engine: string, call: () => T): T | Failure => {
      try {
        const result = call();
        // Cleared either way, so that later checks of other programs in this module are not affected.
        const leftovers = engines.support ? takeStackLeftovers(engines.support) : "";
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
    };
    const isFailure = (v: unknown): v is Failure => typeof v === "object" && v !== null && "kind" in v && "signature" in v;
    const rev = run("grad(f)", () => engines.rev(...copyArgs(x)));
    if (isFailure(rev)) return { status: "failed", checkedPoints: checked, failure: rev };
    const tape = run("grad(f, { engine: \"tape\" })", () => engines.tape(...copyArgs(x)));
    if (isFailure(tape)) return { status: "failed", checkedPoints: checked, failure: tape };
    const revw = run(`grad(f, { wrt: [${wrt}] })`, () => engines.revw(...copyArgs(x)));
    if (isFailure(revw)) return { status: "failed", checkedPoints: checked, failure: revw };
    const cotangent = 1.5;
    const vj = run("vjp(f)", () => {
      const [value, pullback] = engines.vjp(...copyArgs(x));
      return { value, grads: pullback(cotangent) };
    });
    if (isFailure(vj)) return { status: "failed", checkedPoints: checked, failure: vj };
    // The pullback may be called again: it must give the same gradients.
    const vj2 = run("vjp(f) pullback, called twice", () => {
      const [, pullback] = engines.vjp(...copyArgs(x));
      pullback(cotangent);
      return pullback(cotangent);
    });
    if (isFailure(vj2)) return { status: "failed", checkedPoints: checked, failure: vj2 };
    const tangentsFor = (c: Coord | null, dir?: Rng): Arg[] =>
      x.map((a, i): Arg => {
        if (typeof a === "boolean" || typeof a === "string") return a;
        if (typeof a === "number") return dir ? dir.uniform(-1, 1) : c && c.param === i ? 1 : 0;
        const t = new Float64Array(a.length);
        for (let j = 0; j < t.length; j++) t[j] = dir ? dir.uniform(-1, 1) : c && c.param === i && c.element === j ? 1 : 0;
        return t;
      });
    const fwd: [number, number][] = [];
    for (const c of coords) {
      const r = run("jvp(f)", () => engines.fwd(copyArgs(x), tangentsFor(c)));
      if (isFailure(r)) return { status: "failed", checkedPoints: checked, failure: r };
      fwd.push(r);
    }
    const dir = tangentsFor(null, rng);
    const fwdDir = run("jvp(f)", () => engines.fwd(copyArgs(x), copyArgs(dir)));
    if (isFailure(fwdDir)) return { status: "failed", checkedPoints: checked, failure: fwdDir };

    // Every engine non-finite where finite differences are finite: the chain rule met 0·∞ at a
    // singular point of a primitive (cbrt or hypot at 0, …) — an inherent limit of AD, not a
    // disagreement. Such points are skipped.
    const singular = coords.some((c, k) =>
      [component(rev[c.param], c), component(tape[c.param], c), fwd[k][1], component(vj.grads[c.param], c)].every((g) => !Number.isFinite(g)),
    );
    if (singular) {
      singularPoints++;
      continue;
    }

    // Comparisons. Each problem names the engines involved; the signature is their set.
    const problems: { engines: string[]; text: string }[] = [];
    const table: string[] = [];
    coords.forEach((c, k) => {
      const fd = fds[k];
      const r = component(rev[c.param], c);
      const t = component(tape[c.param], c);
      const fw = fwd[k][1];
      const v = component(vj.grads[c.param], c) / cotangent;
      const w = c.param === wrt ? component(revw[0], c) : r;
      const bad: string[] = [];
      if (!fdClose(r, fd)) bad.push("reverse");
      if (!fdClose(fw, fd)) bad.push("forward");
      if (!fdClose(t, fd)) bad.push("tape");
      if (!fdClose(v, fd)) bad.push("vjp");
      if (!Object.is(component(vj2[c.param], c), component(vj.grads[c.param], c))) bad.push("vjp-twice");
      if (!fdClose(w, fd)) bad.push("wrt");
      // Engines are exact up to rounding: compare them with one another too.
      if (bad.length === 0) {
        if (!exactClose(r, fw)) bad.push("reverse/forward");
        if (!exactClose(r, t)) bad.push("reverse/tape");
        if (!exactClose(r, v)) bad.push("reverse/vjp");
        if (!exactClose(r, w)) bad.push("reverse/wrt");
      }
      const row = `∂f/∂${c.label}: reverse ${fmt(r)}, forward ${fmt(fw)}, tape ${fmt(t)}, vjp ${fmt(v)}${c.param === wrt ? `, wrt ${fmt(w)}` : ""}; finite differences ${fmt(fd)}`;
      table.push(row);
      if (bad.length > 0) problems.push({ engines: bad, text: row });
    });
    const dot = coords.reduce((s, c, k) => s + component(rev[c.param], c) * coordValue(dir, c), 0);
    if (!exactClose(fwdDir[1], dot) && Math.abs(fwdDir[1] - dot) > EXACT_RTOL * coords.reduce((s, c, k) => s + Math.abs(component(rev[c.param], c) * coordValue(dir, c)), 1)) {
      problems.push({ engines: ["forward-direction"], text: `jvp along a random direction gives ${fmt(fwdDir[1])}, the gradient's dot product with it ${fmt(dot)}` });
    }
    const values: [string, number][] = [["jvp", fwdDir[0]], ["vjp", vj.value]];
    for (const [name, value] of values) {
      if (!exactClose(value, fx)) problems.push({ engines: [`${name}-value`], text: `${name}(f) reports the value ${fmt(value)}, f gives ${fmt(fx)}` });
    }
    if (problems.length > 0) {
      const engineSet = [...new Set(problems.flatMap((q) => q.engines))].sort();
      const message = [
        `at ${formatArgs(p, x)} (f = ${fmt(fx)}):`,
        ...problems.map((q) => `  MISMATCH [${q.engines.join(", ")}] ${q.text}`),
        "all partial derivatives:",
        ...table.map((row) => `  ${row}`),
      ].join("\n");
      return { status: "failed", checkedPoints: checked, failure: { kind: "mismatch", signature: engineSet.join(","), message } };
    }
    checked++;
  }
  if (checked > 0) return { status: "ok", checkedPoints: checked, nonSmoothPoints: nonSmooth };
  const worst = Math.max(nonSmooth, untame, singularPoints);
  return { status: worst === nonSmooth ? "nonsmooth" : worst === untame ? "untame" : "singular", checkedPoints: 0, nonSmoothPoints: nonSmooth };

  function fail(kind: FailureKind, signature: string, message: string): ProgramResult {
    return { status: "failed", checkedPoints: checked, failure: { kind, signature, message } };
  }
}

/** Compiles one program on its own and checks it: the minimiser's oracle. */
export function runOne(p: Program, options: CheckOptions): ProgramResult {
  const compiled = compileModule(moduleSource([p]));
  if (!compiled.ok) return { status: "failed", checkedPoints: 0, failure: compiled.failure };
  return checkProgram(p, withSupport(compiled.exports, 0), options);
}

function withSupport(exports: Record<string, any>, k: number): Engines {
  return { ...(exports[`P${k}`] as Engines), support: exports.__gradcSupport };
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
    rejected: 0, emitErrors: 0, runtimeErrors: 0, generatorErrors: 0, badInputs: 0, badInputFailures: 0, badInputsOnTarget: 0, garbledInputs: 0, garbledCrashes: 0, seconds: 0,
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

export function runFuzz(options: FuzzOptions): FuzzSummary {
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
    let compiled = compileModule(moduleSource(programs));
    let modules: { p: Program; engines: Engines }[];
    if (compiled.ok) {
      const exports = compiled.exports;
      modules = programs.map((p, k) => ({ p, engines: withSupport(exports, k) }));
    } else {
      // Find the culprits: compile each program on its own.
      modules = [];
      for (const p of programs) {
        compiled = compileModule(moduleSource([p]));
        if (compiled.ok) modules.push({ p, engines: withSupport(compiled.exports, 0) });
        else record(p, compiled.failure, oracle);
      }
    }
    for (const { p, engines } of modules) {
      const r = checkProgram(p, engines, check);
      summary.checkedPoints += r.checkedPoints;
      summary.nonSmoothPoints += r.nonSmoothPoints ?? 0;
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
  if (p.f.params.some((q) => q.ty === "bool")) seen.add("boolean parameter");
  if (p.f.params.some((q) => q.ty === "str")) forEachExpr(p.f.body, (e) => e.k === "strcmp" && seen.add("string parameter compared"));
  if (p.f.params.some((q) => q.ty === "arr")) seen.add("array parameter");
  for (const k of seen) coverage[k] = (coverage[k] ?? 0) + 1;
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
    " * against Richardson central differences (fuzz/run.ts).",
    " */",
  ].join("\n");
  fs.writeFileSync(file, `${header}\n${rec.source}`);
  return file;
}
