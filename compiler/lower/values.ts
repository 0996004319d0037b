/**
 * What a source name stands for during lowering: a number, boolean, string or array held in one
 * IR variable (a Binding), or an object, scalar-replaced into such variables (an ObjectValue).
 */
import type { Type } from "../ir.js";

/** A variable of the source: a number, boolean or array, held in one IR variable. */
export interface Binding {
  ir: string;
  type: Type;
  isConst: boolean;
  object?: undefined;
  /** An optional parameter without a default (`y?: number`): the flag that says whether it was given. */
  given?: string;
  /** A Float32Array: every store rounds to float32 (written out as Math.fround, so every engine rounds alike). */
  float32?: boolean;
  /** An integer typed array: data without derivatives (every store is cut off from the derivative). */
  integer?: boolean;
  /** Declared by a declaration whose initializer was reported: its type is unknown, so uses report nothing more. */
  unknownType?: boolean;
}

/**
 * An object, scalar-replaced: each field is a variable or an object of its own. Objects are
 * references, as in JavaScript: `const q = p` makes q another name for the same ObjectValue, so
 * a write through either is seen through both.
 */
export interface ObjectValue {
  fields: Map<string, Binding | ObjectValue>;
  /**
   * The object (or part of one) a caller passed in: its number and boolean fields may not be
   * assigned, since the caller's object would change and the IR passes fields by value.
   */
  ofParam: boolean;
  /** Also reachable through another name or field: a new object may not be copied into it. */
  shared?: boolean;
}

export function isObjectValue(v: Binding | ObjectValue): v is ObjectValue {
  return "fields" in v;
}
