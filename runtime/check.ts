/**
 * checkGrad: gradient checking in the manner of JAX's `check_grads`. gradc replaces
 * `checkGrad(f, args)` at build time so that it receives every engine's derivative of f —
 * compiled reverse mode, compiled forward mode and the tape engine — and compares each with
 * Richardson-extrapolated central differences, parameter by parameter.
 */
import type { DifferentiableFunction } from "./index.js";

/**
 * An argument of f: a number or float array checkGrad perturbs, an object of them (perturbed
 * field by field), or data without a derivative (a boolean, string, integer array, undefined).
 */
type Arg = unknown;

/** What the transform passes in place of `f`. Each function takes f's arguments. */
export interface GradEngines {
  name: string;
  /** f itself. */
  f: (...args: never[]) => number;
  /** grad(f): one gradient per parameter (0 for booleans), shaped as the parameter. */
  reverse: (...args: never[]) => unknown[];
  /** jvp(f). */
  forward: (primals: unknown[], tangents: unknown[]) => [number, number];
  /** grad(f, { engine: "tape" }). */
  tape: (...args: never[]) => unknown[];
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
  const indices = options.wrt ?? args.flatMap((a, i) => (coordinates(a).length > 0 ? [i] : []));
  const copy = () => args.map(copyArg);
  const reverse = call(engines.reverse, copy());
  const tape = call(engines.tape, copy());
  const parameters = indices.map((index): ParameterReport => {
    if (index < 0 || index >= args.length) throw new RangeError(`checkGrad(${engines.name}): wrt index ${index} is out of range: ${args.length} arguments`);
    const report = { index, reverse: 0, forward: 0, tape: 0 };
    for (const place of coordinates(args[index])) {
      const fd = centralDifference(engines.f, args, index, place);
      const element = (g: unknown) => {
        const value = g === undefined ? undefined : read(g, place);
        if (typeof value !== "number") throw new Error(`checkGrad(${engines.name}): an engine returned no gradient for parameter ${index}${describe(place)}`);
        return value;
      };
      const tangents = args.map((a, k) => tangent(a, k === index ? place : undefined));
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

/** A place inside one argument: the field path, and the element of an array there (-1: a number). */
interface Place {
  path: string[];
  element: number;
}

const isFloatArray = (v: unknown): v is Float64Array | Float32Array | number[] => v instanceof Float64Array || v instanceof Float32Array || Array.isArray(v);

/** Every number and float-array element inside `arg`; booleans, strings and integer arrays have none. */
function coordinates(arg: Arg, path: string[] = []): Place[] {
  if (typeof arg === "number") return [{ path, element: -1 }];
  if (isFloatArray(arg)) return Array.from(arg, (_, element) => ({ path, element }));
  if (arg === null || typeof arg !== "object" || ArrayBuffer.isView(arg)) return [];
  return Object.keys(arg).flatMap((key) => coordinates((arg as Record<string, Arg>)[key], [...path, key]));
}

function holder(value: unknown, path: string[]): any {
  return path.reduce((v: any, key) => v?.[key], value);
}

/** The number at `place` inside `value` (an argument, or a gradient shaped as one). */
function read(value: unknown, place: Place): unknown {
  const at = holder(value, place.path);
  return place.element < 0 ? at : at?.[place.element];
}

function describe(place: Place): string {
  return place.path.length === 0 && place.element < 0 ? "" : ` at ${[...place.path, ...(place.element < 0 ? [] : [`[${place.element}]`])].join(".")}`;
}

/** A copy of `arg` that f may write into (arrays keep their kind). */
function copyArg(arg: Arg): Arg {
  if (ArrayBuffer.isView(arg)) return (arg as Float64Array).slice();
  if (Array.isArray(arg)) return [...arg];
  if (arg !== null && typeof arg === "object") return Object.fromEntries(Object.entries(arg).map(([k, v]) => [k, copyArg(v)]));
  return arg;
}

/** A zero tangent shaped like `arg`, with 1 at `place` when given; data without derivatives as it is. */
function tangent(arg: Arg, place: Place | undefined, path: string[] = []): unknown {
  const here = place !== undefined && place.path.join("\u0000") === path.join("\u0000");
  if (typeof arg === "number") return here && place!.element < 0 ? 1 : 0;
  if (isFloatArray(arg)) {
    const t = new Float64Array(arg.length);
    if (here && place!.element >= 0) t[place!.element] = 1;
    return t;
  }
  if (arg === null || typeof arg !== "object" || ArrayBuffer.isView(arg)) return typeof arg === "boolean" ? false : arg;
  return Object.fromEntries(Object.entries(arg).map(([k, v]) => [k, tangent(v, place, [...path, k])]));
}

/** ∂f/∂ at `place` of args[index], step 1e-3·max(1, |x|). */
function centralDifference(f: (...args: never[]) => number, args: readonly Arg[], index: number, place: Place): number {
  const base = read(args[index], place) as number;
  const at = (h: number) => {
    const shifted = args.map(copyArg);
    if (place.path.length === 0 && place.element < 0) shifted[index] = base + h;
    else if (place.element >= 0) holder(shifted[index], place.path)[place.element] = base + h;
    else holder(shifted[index], place.path.slice(0, -1))[place.path[place.path.length - 1]!] = base + h;
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
