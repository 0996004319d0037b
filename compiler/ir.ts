/**
 * The intermediate representation shared by every phase after `front`.
 *
 * A function is a tree of structured statements in A-normal form: every assignment applies one
 * primitive to atoms (variables or constants), so each intermediate value has a name — the
 * lecture's v0…v7. Control flow stays structured (if / loop) because reverse mode replays it
 * backwards; `break`, `continue` and early `return` are lowered to flags before analysis so every
 * loop has a single exit and every block a single entry.
 */

/** `str`: a string (or string enum member), which passes through inactive: compared, branched on, passed on. */
export type Type = "num" | "bool" | "arr" | "str";

/** How each IR type is written in generated TypeScript. */
export const TS_TYPE_NAME: Record<Type, string> = { num: "number", bool: "boolean", arr: "Float64Array", str: "string" };

/** Whether values of a type carry derivatives (numbers and arrays); booleans and strings never do. */
export const carriesDerivative = (t: Type | undefined): boolean => t === "num" || t === "arr";

export type Atom = { k: "var"; name: string } | { k: "num"; value: number } | { k: "bool"; value: boolean } | { k: "str"; value: string };

export interface SourceLoc {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
  /** First line of the source statement, used for the comment above generated blocks. */
  text: string;
}

/** Primitive numeric operations: each is one record of primitives.ts (evaluation, spelling, partials). */
export type { PrimOp } from "./primitives.js";
import type { Partial, PrimOp } from "./primitives.js";

export type CmpOp = "<" | "<=" | ">" | ">=" | "===" | "!==";

export type Expr =
  | { k: "prim"; op: PrimOp; args: Atom[] }
  | { k: "copy"; arg: Atom }
  /** stopGradient(x): the value of x, with a zero derivative. */
  | { k: "stop"; arg: Atom }
  | { k: "cmp"; op: CmpOp; args: [Atom, Atom] }
  | { k: "not"; arg: Atom }
  | { k: "call"; fn: string; args: Atom[] }
  | { k: "load"; arr: string; index: Atom }
  | { k: "len"; arr: string }
  /** A zeroed array: a Float64Array, or an integer typed array (`kind`, e.g. "Int32Array") holding data without derivatives. */
  | { k: "newarr"; size: Atom; kind?: string };

export type Stmt =
  /** `declares`: the assignment made by the variable's declaration, which overwrites nothing. */
  | { k: "assign"; target: string; expr: Expr; loc: SourceLoc; declares?: boolean }
  | { k: "store"; arr: string; index: Atom; value: Atom; loc: SourceLoc }
  /** A call kept for its effect on array arguments (its result is unused). */
  | { k: "effect"; fn: string; args: Atom[]; loc: SourceLoc }
  | { k: "if"; cond: Atom; then: Stmt[]; else: Stmt[]; loc: SourceLoc }
  | LoopStmt;

/**
 * `init; while (true) { test; if (!cond) break; body; update }`, or with `postTest` the do…while
 * form `init; do { body; update; test } while (cond)`. After lowering, body and update never
 * contain break/continue/return: those became flags that `test` and guards read.
 */
export interface LoopStmt {
  k: "loop";
  id: number;
  init: Stmt[];
  test: Stmt[];
  cond: Atom;
  body: Stmt[];
  update: Stmt[];
  postTest: boolean;
  /** Variables declared by the loop's own initializer (`for (let i = …)`), invisible outside it. */
  scoped: string[];
  /**
   * `// @checkpoint` above the loop (a counted loop: lowering checks): reverse mode saves the
   * loop's state every `every` iterations (√trips when absent) and recomputes the iterations in
   * between, instead of saving values on every iteration (differentiate/checkpoint.ts).
   */
  checkpoint?: { every?: number };
  loc: SourceLoc;
}

export interface Param {
  name: string;
  type: Type;
  /** A Float32Array (an "arr" whose stores round): its gradient is a Float32Array too. */
  float32?: boolean;
  /** An integer typed array (Int32Array, Uint8Array, …): data without derivatives, such as indices and labels. */
  integer?: boolean;
  /** An integer array's declared kind ("Int32Array", …), which the wasm engine stores it as. */
  kind?: string;
}

/** Whether a parameter has a derivative: numbers and float arrays; not booleans, strings or integer arrays. */
export const isDifferentiableParam = (p: Param): boolean => carriesDerivative(p.type) && !p.integer;

/**
 * How a parameter of the source maps onto the IR's parameters: a number, boolean or array is one
 * IR parameter (`param` is its index); an object is its fields, in declaration order, each
 * replaced by IR parameters of its own (scalar replacement).
 */
export type ParamShape =
  | { k: "leaf"; param: number }
  | { k: "object"; fields: [string, ParamShape][] }
  /** An optional or defaulted number or boolean: its value (`param`), and whether the caller gave it (`given`, a boolean IR parameter). */
  | { k: "optional"; param: number; given: number };

/**
 * How an object result is packed into one Float64Array, as JAX's `ravel_pytree` flattens a tree:
 * a number takes one slot; an array its length, then its elements; an object its fields in order.
 * Derivative code sees an array result; only the public wrappers see the object.
 */
export type ResultLayout = "num" | "arr" | { fields: [string, ResultLayout][] };

export interface SourceParam {
  name: string;
  shape: ParamShape;
}

/** The IR parameters that carry a source parameter's values (and gradients), in order. */
export function paramLeaves(shape: ParamShape): number[] {
  return shape.k === "object" ? shape.fields.flatMap(([, s]) => paramLeaves(s)) : [shape.param];
}

/** Every IR parameter of a source parameter, in order (an optional one's `given` flag too). */
export function paramArguments(shape: ParamShape): number[] {
  return shape.k === "object" ? shape.fields.flatMap(([, s]) => paramArguments(s)) : shape.k === "optional" ? [shape.param, shape.given] : [shape.param];
}

export interface FnIR {
  /** Unique name of the function across the whole compilation (source name, made unique). */
  name: string;
  sourceName: string;
  params: Param[];
  /** The source's parameters, objects included; `params` is their leaves, flattened in order. */
  signature: SourceParam[];
  /** Every variable of the body (params included) with its type. */
  vars: Map<string, Type>;
  body: Stmt[];
  /** The variable that holds the return value at the end of the body. */
  result: string;
  resultType: Type;
  /**
   * An object result: the function returns one Float64Array packed as this layout says
   * (lower/object-results.ts), which wrappers unpack into the object. Absent for other results.
   */
  resultLayout?: ResultLayout;
  /**
   * Why a caller inside differentiated code may not use the result: gradc hands callers a new
   * Float64Array where JavaScript would hand back the same array (a parameter, one array in two
   * fields) or another kind of array (a Float32Array). The public wrappers return copies anyway.
   */
  resultCaveat?: string;
  /** False for a procedure (`: void`, or no `return value`): called only as a statement. */
  returnsValue: boolean;
  /**
   * Part of a cycle of calls (direct or mutual recursion): its generated functions may run in
   * several frames at once, so they allocate their arrays anew instead of reusing buffers.
   */
  recursive?: boolean;
  /** Calls (transitively) a recursive function, or is one: its depth depends on run-time data. */
  reachesRecursion?: boolean;
  /**
   * A user-defined derivative (`defineRule`, front/rules.ts): ∂result/∂paramᵢ as expression trees
   * over the parameters and the result, as the primitives table writes them. Derivative code uses
   * these partials for a call of the function; its body only computes the value.
   */
  rule?: { partials: Partial[] };
  /**
   * A function gradc cannot read, known by its rule alone: its value is a call of `name` as
   * module `file` binds it, and it has no body.
   */
  external?: { name: string; file: string };
  loc: SourceLoc;
}

export const num = (value: number): Atom => ({ k: "num", value });
export const bool = (value: boolean): Atom => ({ k: "bool", value });
export const ref = (name: string): Atom => ({ k: "var", name });
export const str = (value: string): Atom => ({ k: "str", value });

export function atomVar(a: Atom): string | undefined {
  return a.k === "var" ? a.name : undefined;
}

/** Array arguments are always variables: lowering never makes an array constant. */
export function arrayName(a: Atom): string {
  if (a.k !== "var") throw new Error("gradc internal error: array operand is not a variable");
  return a.name;
}

/** Variables an expression reads (arrays included). */
export function exprReads(e: Expr): string[] {
  const names: string[] = [];
  const add = (a: Atom) => {
    if (a.k === "var") names.push(a.name);
  };
  switch (e.k) {
    case "prim":
    case "call":
      e.args.forEach(add);
      break;
    case "copy":
    case "stop":
    case "not":
      add(e.arg);
      break;
    case "cmp":
      e.args.forEach(add);
      break;
    case "load":
      names.push(e.arr);
      add(e.index);
      break;
    case "len":
      names.push(e.arr);
      break;
    case "newarr":
      add(e.size);
      break;
    default:
      assertNever(e);
  }
  return names;
}

/** Variables a statement reads itself (not counting its nested statements). */
export function statementReads(s: Stmt): string[] {
  const vars = (atoms: Atom[]) => atoms.flatMap((a) => (a.k === "var" ? [a.name] : []));
  switch (s.k) {
    case "assign":
      return exprReads(s.expr);
    case "store":
      return [s.arr, ...vars([s.index, s.value])];
    case "effect":
      return vars(s.args);
    case "if":
    case "loop":
      return vars([s.cond]);
    default:
      return assertNever(s);
  }
}

/**
 * The end of an exhaustive `switch` over a kind: every kind needs its own case, so a new
 * statement or expression kind fails to compile wherever it is not handled, rather than falling
 * into a default that guesses.
 */
export function assertNever(x: never): never {
  throw new Error(`gradc internal error: unhandled IR node ${JSON.stringify(x)}`);
}

/** The arrays a body stores into. */
export function writtenArrays(body: Stmt[]): Set<string> {
  const out = new Set<string>();
  walk(body, (s) => {
    if (s.k === "store") out.add(s.arr);
  });
  return out;
}

/**
 * The arrays stored into by statements that may run after `target`: later in its lists, or
 * anywhere in a loop around it (but for arrays the loop allocates anew on each iteration).
 */
export function writtenAfter(body: Stmt[], target: Stmt): Set<string> {
  const out = new Set<string>();
  const add = (stmts: Stmt[]) => writtenArrays(stmts).forEach((a) => out.add(a));
  const search = (stmts: Stmt[]): boolean => {
    for (const [i, s] of stmts.entries()) {
      let inside = s === target;
      if (!inside && s.k === "if") inside = search(s.then) || search(s.else);
      if (!inside && s.k === "loop") {
        inside = search(s.init) || search(s.test) || search(s.body) || search(s.update);
        // The loop's next iterations write its arrays again — except arrays it allocates anew
        // each iteration: those writes go to the next iteration's array.
        if (inside) {
          const fresh = new Set<string>();
          walk([...s.test, ...s.body, ...s.update], (t) => {
            if (t.k === "assign") fresh.add(t.target);
          });
          writtenArrays([s]).forEach((a) => fresh.has(a) || out.add(a));
        }
      }
      if (inside) {
        add(stmts.slice(i + 1));
        return true;
      }
    }
    return false;
  };
  search(body);
  return out;
}

/** The array parameters `fn` writes into (directly, or through the helpers inlined into it). */
export function writtenParams(fn: FnIR): Param[] {
  const written = writtenArrays(fn.body);
  return fn.params.filter((p) => p.type === "arr" && written.has(p.name));
}

/** Calls `visit` on every statement, depth first, in program order. */
export function walk(stmts: Stmt[], visit: (s: Stmt, loopDepth: number) => void, loopDepth = 0): void {
  for (const s of stmts) {
    visit(s, loopDepth);
    switch (s.k) {
      case "if":
        walk(s.then, visit, loopDepth);
        walk(s.else, visit, loopDepth);
        break;
      case "loop":
        walk(s.init, visit, loopDepth);
        walk(s.test, visit, loopDepth + 1);
        walk(s.body, visit, loopDepth + 1);
        walk(s.update, visit, loopDepth + 1);
        break;
      case "assign":
      case "store":
      case "effect":
        break;
      default:
        assertNever(s);
    }
  }
}

/** Names a statement defines (scalars) — stores are not definitions of the array variable. */
export function stmtDefines(s: Stmt): string | undefined {
  return s.k === "assign" ? s.target : undefined;
}

// -------------------------------------------------------------------------------------------------
// Generated code: what differentiate produces, optimize simplifies and emit prints. It extends the
// statements above with the machinery of derivatives: linear combinations of tangents or adjoints,
// the save/restore stack of reverse mode, and counted loops run backwards.

/** coef · value */
export interface Term {
  coef: Atom;
  value: Atom;
  /** 0 when value is 0, even if coef is infinite: the partial of a primitive with an infinite slope. */
  zeroSafe?: boolean | undefined;
}

/**
 * Where reverse mode saves a value: derivative-carrying values go on a Float64Array stack;
 * inactive ones (indices, sizes, flags, trip counts) on a plain array, where V8 keeps small
 * integers as integers, so index arithmetic after a restore stays in integer registers.
 */
export type SaveStack = "active" | "inactive";

export type GExpr =
  | Expr
  /** Restores a value saved by `push` on the same stack. */
  | { k: "pop"; stack: SaveStack }
  /** Restores an array reference saved by `pushArray`. */
  | { k: "popArray" }
  /** Σ coef·value: a tangent (forward mode). */
  | { k: "lin"; terms: Term[] }
  /** A derivative another generated function left in the module's output slots. */
  | { k: "out"; slot: "tangent" }
  | { k: "out"; slot: "adjoint"; index: number };

export type GStmt =
  | { k: "assign"; target: string; expr: GExpr; loc?: SourceLoc | undefined }
  /** target += Σ coef·value: adjoint accumulation (reverse mode). */
  | { k: "accum"; target: string; terms: Term[]; loc?: SourceLoc | undefined }
  | { k: "store"; arr: string; index: Atom; value: Atom; loc?: SourceLoc | undefined }
  | { k: "accumElem"; arr: string; index: Atom; terms: Term[]; loc?: SourceLoc | undefined }
  | { k: "push"; value: Atom; stack: SaveStack; loc?: SourceLoc | undefined }
  /** Saves an array reference (an array variable allocated anew on each loop iteration). */
  | { k: "pushArray"; arr: string; loc?: SourceLoc | undefined }
  | { k: "effect"; fn: string; args: Atom[]; loc?: SourceLoc | undefined }
  | { k: "if"; cond: Atom; then: GStmt[]; else: GStmt[]; loc?: SourceLoc | undefined }
  /** `while (true) { test; if (!cond) break; body }`, or test last with `postTest`. */
  | { k: "loop"; test: GStmt[]; cond: Atom; body: GStmt[]; postTest: boolean; loc?: SourceLoc | undefined }
  /** `for (let counter = count - 1; counter >= 0; counter--) body`: a loop replayed backwards. */
  | {
      k: "countdown";
      counter: string;
      count: Atom;
      body: GStmt[];
      /** Run only if one of these adjoints is non-zero (otherwise the loop would add only zeros). */
      unlessAllZero?: string[];
      loc?: SourceLoc | undefined;
    }
  | { k: "setOut"; slot: "tangent"; value: Atom }
  /** The tangent of an array result (a function's own array: the caller copies it). */
  | { k: "setOut"; slot: "tangents"; value: Atom }
  | { k: "setOut"; slot: "adjoint"; index: number; value: Atom }
  | { k: "return"; value: Atom }
  | { k: "comment"; text: string };

/** The statement lists nested in a generated statement, in program order. */
export function generatedBlocks(s: GStmt): GStmt[][] {
  switch (s.k) {
    case "if":
      return [s.then, s.else];
    case "loop":
      return [s.test, s.body];
    case "countdown":
      return [s.body];
    case "assign":
    case "accum":
    case "store":
    case "accumElem":
    case "push":
    case "pushArray":
    case "effect":
    case "setOut":
    case "return":
    case "comment":
      return [];
    default:
      return assertNever(s);
  }
}

/** Calls `visit` on every generated statement, depth first, in program order. */
export function walkGenerated(stmts: GStmt[], visit: (s: GStmt) => void): void {
  for (const s of stmts) {
    visit(s);
    for (const block of generatedBlocks(s)) walkGenerated(block, visit);
  }
}

/** Builders of generated statements, named for what they mean: differentiate writes these. */
export const gen = {
  /** `target = expr` */
  assign: (target: string, expr: GExpr, loc?: SourceLoc): GStmt => ({ k: "assign", target, expr, loc }),
  /** `target = value` */
  copy: (target: string, value: Atom, loc?: SourceLoc): GStmt => ({ k: "assign", target, expr: { k: "copy", arg: value }, loc }),
  /** `target = op(args…)` */
  prim: (target: string, op: PrimOp, args: Atom[], loc?: SourceLoc): GStmt => ({ k: "assign", target, expr: { k: "prim", op, args }, loc }),
  /** `target += coef · value` */
  accum: (target: string, coef: Atom, value: Atom, loc?: SourceLoc, zeroSafe?: boolean): GStmt => ({ k: "accum", target, terms: [{ coef, value, zeroSafe }], loc }),
  /** Saves a value for the reverse sweep. */
  push: (value: Atom, stack: SaveStack, loc?: SourceLoc): GStmt => ({ k: "push", value, stack, loc }),
  /** `target = ` the value saved last on `stack`. */
  pop: (target: string, stack: SaveStack, loc?: SourceLoc): GStmt => ({ k: "assign", target, expr: { k: "pop", stack }, loc }),
};

export interface GVar {
  type: Type;
  /** Initial value for variables that accumulate (tangents and adjoints start at 0). */
  zero?: boolean;
  /** An adjoint (x̄) of reverse mode, scalar or array. */
  adjoint?: boolean;
}

export interface GFn {
  name: string;
  params: Param[];
  vars: Map<string, GVar>;
  body: GStmt[];
  returns: Type;
  /** One-line description printed above the function. */
  doc: string;
  /** May run in several frames at once (recursion): arrays are allocated anew, never reused buffers. */
  reentrant?: boolean;
}
