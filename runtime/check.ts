/**
 * checkGrad: gradient checking in the manner of JAX's `check_grads`. gradc replaces
 * `checkGrad(f, args)` at build time so that it receives every engine's derivative of f —
 * compiled reverse mode, compiled forward mode and the tape engine — and compares each with
 * Richardson-extrapolated central differences, parameter by parameter.
 */
import type { DifferentiableFunction } from "./index.js";

/** An argument checkGrad perturbs: gradc refuses checkGrad of functions taking objects at build time. */
type Arg = number | boolean | Float64Array | readonly number[];

/** What the transform passes in place of `f`. Each function takes f's arguments. */
export interface GradEngines {
  name: string;
  /** f itself. */
  f: (...args: never[]) => number;
  /** grad(f): one gradient per parameter (0 for booleans). */
  reverse: (...args: never[]) => (number | Float64Array)[];
  /** jvp(f). */
  forward: (primals: unknown[], tangents: unknown[]) => [number, number];
  /** grad(f, { engine: "tape" }). */
  tape: (...args: never[]) => (number | Float64Array)[];
}

/** Calls one of the engines' functions with f's arguments (which `never[]` above stands for). */
function call<R>(fn: (...args: never[]) => R, args: Arg[]): R {
  return (fn as (...args: Arg[]) => R)(...args);
}

export interface GradCheckOptions {
  /** Largest accepted error, relative to max(1, |finite difference|). Default 1e-6. */
  rtol?: number;
  /** Parameter indices to check (default: every number and array parameter). */
  wrt?: number[];
  /** Throw when an error exceeds rtol (default true), as JAX's check_grads does. */
  throwOnFailure?: boolean;
}

export interface ParameterReport {
  index: number;
  /** Worst error of each engine over the parameter's elements. */
  reverse: number;
  forward: number;
  tape: number;
}

export interface GradCheckReport {
  name: string;
  ok: boolean;
  rtol: number;
  /** The worst error over every engine and parameter. */
  worst: number;
  parameters: ParameterReport[];
}

/**
 * Compares every engine's derivative of `f` at `args` with finite differences. gradc replaces `f`
 * with a `GradEngines` at build time; untransformed, the call throws.
 */
export function checkGrad<F extends DifferentiableFunction>(engines: GradEngines | F, args: Readonly<Parameters<F>>, options: GradCheckOptions = {}): GradCheckReport {
  return checkEngines(engines, args as readonly Arg[], options);
}

function checkEngines(engines: GradEngines | DifferentiableFunction, args: readonly Arg[], options: GradCheckOptions): GradCheckReport {
  if (typeof engines === "function") {
    throw new Error("gradc: checkGrad() was called at run time without the gradc transform; run the file with `npx gradc run` or build it with the gradc plugin.");
  }
  const rtol = options.rtol ?? 1e-6;
  const indices = options.wrt ?? args.flatMap((a, i) => (typeof a === "boolean" ? [] : [i]));
  const copy = () => args.map(copyArg);
  const reverse = call(engines.reverse, copy());
  const tape = call(engines.tape, copy());
  const parameters = indices.map((index): ParameterReport => {
    const arg = args[index];
    if (arg === undefined) throw new RangeError(`checkGrad(${engines.name}): wrt index ${index} is out of range: ${args.length} arguments`);
    const count = typeof arg === "number" ? 1 : (arg as ArrayLike<number>).length;
    const report = { index, reverse: 0, forward: 0, tape: 0 };
    for (let j = 0; j < count; j++) {
      const fd = centralDifference(engines.f, args, index, typeof arg === "number" ? -1 : j);
      const element = (g: number | Float64Array | undefined) => {
        if (g === undefined) throw new Error(`checkGrad(${engines.name}): an engine returned no gradient for parameter ${index}`);
        return typeof g === "number" ? g : g[j]!;
      };
      const tangents = args.map((a, k) => tangent(a, k === index ? (typeof arg === "number" ? -1 : j) : undefined));
      const forward = engines.forward(copy(), tangents)[1];
      const error = (g: number) => Math.abs(g - fd) / Math.max(1, Math.abs(fd));
      report.reverse = Math.max(report.reverse, error(element(reverse[index])));
      report.forward = Math.max(report.forward, error(forward));
      report.tape = Math.max(report.tape, error(element(tape[index])));
    }
    return report;
  });
  const worst = Math.max(0, ...parameters.flatMap((p) => [p.reverse, p.forward, p.tape]));
  const result = { name: engines.name, ok: !(worst > rtol), rtol, worst, parameters };
  if (!result.ok && options.throwOnFailure !== false) {
    const rows = parameters.map((p) => `  parameter ${p.index}: reverse ${p.reverse.toExponential(2)}, forward ${p.forward.toExponential(2)}, tape ${p.tape.toExponential(2)}`);
    throw new Error(`checkGrad(${engines.name}): an error exceeds rtol ${rtol} (worst ${worst.toExponential(2)}):\n${rows.join("\n")}`);
  }
  return result;
}

/** A copy of `arg` that f may write into. */
function copyArg(arg: Arg): Arg {
  if (arg instanceof Float64Array) return Float64Array.from(arg);
  if (typeof arg === "object") return [...arg];
  return arg;
}

/** A zero tangent shaped like `arg`, with 1 at `element` (-1: the number itself) when given. */
function tangent(arg: Arg, element: number | undefined): unknown {
  if (typeof arg === "boolean") return false;
  if (typeof arg === "number") return element === -1 ? 1 : 0;
  const t = new Float64Array(arg.length);
  if (element !== undefined && element >= 0) t[element] = 1;
  return t;
}

/** ∂f/∂args[index] (or its `element`), step 1e-3·max(1, |x|). */
function centralDifference(f: (...args: never[]) => number, args: readonly Arg[], index: number, element: number): number {
  const base = element < 0 ? (args[index] as number) : (args[index] as ArrayLike<number>)[element]!;
  const at = (h: number) => {
    const shifted = args.map(copyArg);
    if (element < 0) shifted[index] = base + h;
    else (shifted[index] as number[] | Float64Array)[element] = base + h;
    return call(f, shifted);
  };
  return richardsonDerivative(at, 1e-3 * Math.max(1, Math.abs(base)));
}

/**
 * The derivative at 0 of `g`, a function of a step along one coordinate: central differences at
 * `step` and `step / 2`, Richardson-extrapolated (error O(step⁴) instead of O(step²)). The one
 * implementation of finite differences in gradc: checkGrad, the fuzzer and the tests use it.
 */
export function richardsonDerivative(g: (h: number) => number, step: number): number {
  const central = (h: number) => (g(h) - g(-h)) / (2 * h);
  return (4 * central(step / 2) - central(step)) / 3;
}
