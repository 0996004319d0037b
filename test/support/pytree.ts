/**
 * Walking arguments of any shape — numbers, float arrays, objects of them — for tests that
 * differentiate functions of objects and arrays: every coordinate with a derivative, the
 * arguments moved along one, a unit tangent at one, a gradient's entry for one.
 */
import { expect } from "vitest";

/** A place inside the arguments: argument index, field path, and element (-1: the number itself). */
export interface Coordinate {
  arg: number;
  path: string[];
  element: number;
}

export function at(value: any, path: string[]): any {
  return path.reduce((v, key) => v[key], value);
}

export const isFloatArray = (v: unknown): v is Float64Array | Float32Array => v instanceof Float64Array || v instanceof Float32Array;

/** Int32Array, Uint8Array, …: data without derivatives. */
export const isIntegerArray = (v: unknown): boolean => ArrayBuffer.isView(v) && !isFloatArray(v);

/** Every number and float-array element inside `value`; booleans, strings and integer arrays have no derivative. */
export function coordinates(value: unknown, arg: number, path: string[] = []): Coordinate[] {
  if (typeof value === "number") return [{ arg, path, element: -1 }];
  if (isFloatArray(value)) return Array.from(value, (_, element) => ({ arg, path, element }));
  if (typeof value === "boolean" || typeof value === "string" || value === undefined || ArrayBuffer.isView(value)) return [];
  return Object.keys(value as object).flatMap((key) => coordinates((value as any)[key], arg, [...path, key]));
}

/** The value at a coordinate. */
export function read(args: unknown[], c: Coordinate): number {
  const holder = at(args[c.arg], c.path);
  return c.element < 0 ? holder : holder[c.element];
}

/** `args` with the coordinate moved by h (a deep copy: f never sees the caller's arrays). */
export function shifted(args: unknown[], c: Coordinate, h: number): unknown[] {
  const copy = (v: any): any => (ArrayBuffer.isView(v) ? (v as Float64Array).slice() : typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)])) : v);
  const out = args.map(copy);
  if (c.element >= 0) at(out[c.arg], c.path)[c.element] += h;
  else if (c.path.length === 0) out[c.arg] = (out[c.arg] as number) + h;
  else at(out[c.arg], c.path.slice(0, -1))[c.path[c.path.length - 1]!] += h;
  return out;
}

/** The gradient's entry for a coordinate, from a list of gradients shaped as the arguments. */
export function entry(gradients: unknown[], c: Coordinate): number {
  return read(gradients, c);
}

/** A tangent shaped as `value`: 1 at the coordinate (if it is inside), 0 elsewhere; data without derivatives as it is. */
export function tangent(value: unknown, arg: number, c: Coordinate | undefined, path: string[] = []): unknown {
  const here = c !== undefined && c.arg === arg && c.path.join("/") === path.join("/");
  if (typeof value === "number") return here && c!.element < 0 ? 1 : 0;
  if (typeof value === "boolean" || typeof value === "string" || value === undefined || isIntegerArray(value)) return value;
  if (isFloatArray(value)) {
    const t = new Float64Array(value.length);
    if (here) t[c!.element] = 1;
    return t;
  }
  return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, tangent(v, arg, c, [...path, k])]));
}

/** Tangents for every argument: 1 at the coordinate, 0 elsewhere. */
export function unitTangents(args: unknown[], c: Coordinate): unknown[] {
  return args.map((a, i) => tangent(a, i, c));
}

/** |actual − expected| ≤ tol · max(1, |expected|). */
export function close(actual: number, expected: number, tol: number, label: string): void {
  expect(Math.abs(actual - expected) / Math.max(1, Math.abs(expected)), `${label}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tol);
}

/** The numbers of a result (a number, an array, an object of them), fields in sorted order. */
export function flatten(value: unknown): number[] {
  if (typeof value === "number") return [value];
  if (isFloatArray(value) || Array.isArray(value)) return Array.from(value as ArrayLike<number>);
  return Object.keys(value as object)
    .sort()
    .flatMap((key) => flatten((value as any)[key]));
}

/** A value shaped as `template` holding `numbers` in `flatten`'s order (arrays become Float64Arrays). */
export function unflatten(template: unknown, numbers: ArrayLike<number>): unknown {
  let at = 0;
  const build = (t: unknown): unknown => {
    if (typeof t === "number") return numbers[at++];
    if (isFloatArray(t) || Array.isArray(t)) {
      const n = (t as ArrayLike<number>).length;
      const a = Float64Array.from({ length: n }, (_, i) => numbers[at + i]!);
      at += n;
      return a;
    }
    return Object.fromEntries(
      Object.keys(t as object)
        .sort()
        .map((key) => [key, build((t as any)[key])]),
    );
  };
  return build(template);
}
