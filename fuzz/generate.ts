/**
 * A seeded generator of random programs of gradc's differentiable subset.
 *
 * A program is a module: a few numeric constants, a few helper functions and an entry function
 * `f(numbers…, Float64Arrays…, boolean?)`. Its code mixes straight-line arithmetic over every
 * `Math.*` primitive of the subset, branches on comparisons, `?:`, loops with fixed and
 * data-dependent trip counts (for, while, do…while, forwards, backwards, strided), break /
 * continue / early return inside loops, local arrays, in-place element updates
 * (`y[i] = y[i] * g(y[i - 1]) + …`), accumulation, helper calls (inside loops too, helpers that
 * write into their array arguments), boolean parameters, and loops that overwrite an outer
 * variable with a value carrying no derivative beside a gated accumulator (`FnGen.addOverwrite`).
 * Now and then f also takes an object parameter of an interface type, a Float32Array, an
 * Int32Array of labels or a Uint8Array mask, uses Math.fround, or returns an array
 * (`ProgramGen.extRng`); and helpers return arrays and objects, recurse over arrays they only
 * read, f returns an object or fills Int32Array and Uint8Array locals (`ProgramGen.vecRng`).
 *
 * Values are kept tame so that finite differences mean something: every expression carries an
 * upper bound on its magnitude, operands are scaled or squashed when the bound grows, functions
 * with restricted domains get guarded arguments (`Math.log(1 + x * x)`, `Math.asin(0.9 *
 * Math.tanh(x))`, `Math.acosh(1.5 + x * x)`, a positive base for `pow`), and updates of variables
 * and array elements are contracting (`v *= 0.5; v += e`), so loops cannot blow values up.
 * Non-smooth primitives (abs, sign, floor, min, max, %, atan2 across its cut, comparisons) are
 * generated on purpose; the runner evaluates away from their kinks and jumps.
 *
 * `generateProgram(seed, index)` is a pure function of its arguments.
 */
import { type BinOp, type Expr, type Fn, type LValue, type ObjField, type ObjShape, type Param, type Program, type Stmt, type Ty, forEachExpr, objectLeaves, sameShape } from "./ast.js";
import { Rng } from "./rng.js";

/** Magnitude bound of variables and array elements. */
const CAP = 6;

interface Val {
  e: Expr;
  /** An upper bound on |value|. */
  b: number;
}

interface VarInfo {
  name: string;
  ty: Ty;
  /** num: bound on |value|; arr: bound on |element|. */
  bound: number;
  /** A num variable that contracting updates may assign. */
  assignable: boolean;
  /** Integer-valued with a known range (loop variables, counters, trip counts). */
  int?: { lo: number; hi: number };
  /** An array whose elements may be written. */
  writable?: boolean;
  /** A boolean `let`. */
  boolLet?: boolean;
  /** A parameter of the function. */
  param?: boolean;
  /** An array made by an array literal: a number[], so never a helper's Float64Array argument. */
  literal?: boolean;
  /** An accumulator meant to reach the result only through its gate (see `FnGen.gate`). */
  gated?: boolean;
  /** A field of a local object (named `o1.a`): the object's name, its fields, whether it is a `let`. */
  object?: ObjectInfo;
  /** A Float32Array (f's parameter): stores round to float32; never a helper's Float64Array argument. */
  f32?: boolean;
  /** A field of a helper's object result (named `o3.s`, `o3.inner.c`): the object's name. */
  owner?: string;
}

interface ObjectInfo {
  name: string;
  keys: string[];
  isLet: boolean;
}

interface HelperSig {
  name: string;
  params: Param[];
  /** Writes into its array parameter. */
  writes: boolean;
  /** Recursive: its last parameter is a depth, which callers set to 0–4. */
  recursive?: boolean;
  /** An array or object result (see `ProgramGen.genVectorHelper`). */
  ret?: "f64" | "list" | "obj";
  retShape?: ObjShape;
  /**
   * Recursion over a Float64Array it only reads (see `ProgramGen.genArrayRecursion`): "range"
   * takes `lo, hi` last (callers pass 0 and the length), "index" takes `at` last (callers pass an
   * index; the recursion stops below 0).
   */
  arrayRecursion?: "range" | "index";
}

interface Ctx {
  loops: number;
  depth: number;
}

const lit = (v: number): Expr => ({ k: "lit", v });
const ref = (name: string, ty: Ty = "num"): Expr => ({ k: "ref", name, ty });
const bin = (op: BinOp, a: Expr, b: Expr): Expr => ({ k: "bin", op, a, b });
const math = (fn: string, ...args: Expr[]): Expr => ({ k: "math", fn, args });
const sq = (e: Expr): Expr => ({ k: "sq", a: e });
/** Marks a guard's fixed shape (see ast.ts): the minimiser keeps it. */
const frozen = (e: Expr): Expr => ((e.frozen = true), e);
/** c + x·x, positive for every x. */
const pos = (c: number, x: Expr): Expr => frozen(bin("+", frozen(lit(c)), frozen(sq(x))));
/** c + sin(x) (or another bounded function), positive for c > 1. */
const offset = (c: number, fn: string, x: Expr): Expr => frozen(bin("+", frozen(lit(c)), frozen(math(fn, x))));
/** c · tanh(x) (or another bounded function), inside (−c, c). */
const scaled = (c: number, fn: string, x: Expr): Expr => frozen(bin("*", frozen(lit(c)), frozen(math(fn, x))));

/** Freezes every node of `e` except the free operand `free` (and what is inside it), if any. */
function frozenTree(e: Expr, free?: Expr): Expr {
  if (e === free) return e;
  e.frozen = true;
  for (const v of Object.values(e)) {
    if (Array.isArray(v)) v.forEach((c) => typeof c === "object" && c && frozenTree(c, free));
    else if (typeof v === "object" && v) frozenTree(v as Expr, free);
  }
  return e;
}

/** Every Math member of the subset; the generator draws from these uniformly. */
export const MATH_UNARY = [
  "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
  "exp", "expm1", "log", "log1p", "log2", "log10", "sqrt", "cbrt", "abs", "sign", "floor", "ceil", "round", "trunc",
] as const;
export const MATH_MULTI = ["atan2", "pow", "hypot", "min", "max"] as const;

export interface GenerateOptions {
  /** Upper bound on helpers (default 3). */
  maxHelpers?: number;
  /** Statement budget of f (default 28). */
  entryBudget?: number;
  /** Whether f may return an array (default true; bad input, checked through `grad`, says false). */
  arrayResults?: boolean;
}

/** What f uses beyond numbers, Float64Arrays, booleans and strings (drawn from `ProgramGen.extRng`). */
interface EntryExtras {
  /** `Math.fround(…)` in f's expressions. */
  fround: boolean;
  /** f writes into its Float32Array parameter (also where its other parameter arrays are read-only). */
  f32Writable?: boolean;
  /** An array result: f (or a helper) returns a Float64Array or a number[]; or an object of `retShape`. */
  ret?: "f64" | "list" | "obj";
  retShape?: ObjShape;
  /** Int32Array and Uint8Array locals (filled from data, used as indices and masks). */
  intLocals?: boolean;
}

/** Parameters that recursion steps (a depth, an index range, an index): never assigned. */
const STRUCTURAL = new Set(["depth", "lo", "hi", "at"]);

export function generateProgram(seed: number, index: number, options: GenerateOptions = {}): Program {
  const rng = new Rng(seed, index, 0x51ab);
  return new ProgramGen(rng, seed, index, options).generate();
}

class ProgramGen {
  readonly arrLen: number;
  readonly consts: { name: string; value: number }[] = [];
  readonly helpers: HelperSig[] = [];
  private readonly helperFns: Fn[] = [];
  /**
   * A second stream for decisions added after programs of a seed were first published (such as
   * `FnGen.loop`'s overwrite): a program in which such a construct is not chosen stays the same
   * program, so the reproducers written before it still reproduce.
   */
  readonly sideRng: Rng;

  constructor(
    readonly rng: Rng,
    private readonly seed: number,
    private readonly index: number,
    private readonly options: GenerateOptions,
  ) {
    this.arrLen = rng.int(2, 5);
    this.sideRng = new Rng(seed, index, 0x0e7e);
    this.extRng = new Rng(seed, index, 0x0b7e);
    this.vecRng = new Rng(seed, index, 0x7ec7);
  }

  /**
   * A fourth stream, for helpers returning arrays and objects, recursion over arrays, f's object
   * result and integer typed array locals: like `extRng`, its decisions are all drawn (before f)
   * whatever they are, and a program choosing none of these constructs is the program it was.
   */
  readonly vecRng: Rng;
  /** Helpers returning arrays or objects (callable by later ones and by f). */
  readonly vecHelpers: HelperSig[] = [];
  /** Recursive helpers over read-only arrays (called by f only). */
  readonly recHelpers: HelperSig[] = [];

  /**
   * A third stream, for f's object, Float32Array and integer-array parameters, Math.fround and
   * array results. Drawn at f's start on every program, it would shift the second stream's later
   * decisions if it shared it; on its own, a program that chooses none of these constructs is
   * exactly the program it was before they existed.
   */
  readonly extRng: Rng;

  generate(): Program {
    const rng = this.rng;
    const nConsts = rng.weighted([[0, 3], [1, 2], [2, 1]] as const);
    for (let i = 0; i < nConsts; i++) this.consts.push({ name: `K${i}`, value: rng.pick([0.25, 0.5, 0.75, 1.5, 2, -0.5, -1.25, 0.1]) });
    const nHelpers = rng.int(0, this.options.maxHelpers ?? 3);
    for (let i = 0; i < nHelpers; i++) this.helperFns.push(this.genHelper(i));
    // The fourth stream's decisions, all drawn here.
    const vec = this.vecRng;
    const nVector = vec.weighted([[0, 10], [1, 1.3], [2, 0.6]] as const);
    const vectorKinds = [0, 1].map(() => vec.weighted([["f64", 3], ["list", 1.6], ["obj", 3]] as const));
    const recursion = vec.weighted([["none", 12], ["range", 0.7], ["index", 0.7]] as const);
    const intLocals = vec.chance(0.09);
    const objectResult = vec.chance(0.07);
    // f's object result comes with a helper returning an object more often than not (whose
    // result may fill one of its fields).
    const withObjectHelper = vec.chance(0.6);
    if (objectResult && withObjectHelper && nVector === 0) this.helperFns.push(this.genVectorHelper(this.helperFns.length, "obj"));
    for (let k = 0; k < nVector; k++) this.helperFns.push(this.genVectorHelper(this.helperFns.length, vectorKinds[k]));
    if (recursion !== "none") this.helperFns.push(this.genArrayRecursion(this.helperFns.length, recursion));
    const f = this.genEntry({ intLocals, objectResult });
    return { seed: this.seed, index: this.index, arrLen: this.arrLen, consts: this.consts, helpers: this.helperFns, f };
  }

  private genHelper(i: number): Fn {
    if (this.sideRng.chance(0.15)) return this.genRecursiveHelper(i);
    const rng = this.rng;
    const params: Param[] = [];
    const nNums = rng.int(1, 3);
    for (let k = 0; k < nNums; k++) params.push({ name: `p${k}`, ty: "num" });
    const hasArr = rng.chance(0.5);
    if (hasArr) params.push({ name: "q", ty: "arr" });
    if (rng.chance(0.2)) params.push({ name: "b", ty: "bool" });
    rng.shuffle(params);
    // A trailing number parameter with a default, which calls may leave out.
    const last = params[params.length - 1];
    if (last.ty === "num" && this.sideRng.chance(0.3)) last.init = this.sideRng.pick([0.5, 1, -0.75, 2]);
    const writes = hasArr && rng.chance(0.5);
    const sig: HelperSig = { name: `h${i}`, params, writes };
    const gen = new FnGen(this, params, this.helpers.slice(), rng.int(2, 7), false, writes);
    const fn: Fn = { name: sig.name, params, body: gen.body() };
    this.helpers.push(sig);
    return fn;
  }

  /**
   * `h(p0, p1, depth)`: below depth 1 a base case, otherwise a body that calls h again with new
   * arguments and depth − 1 (the call's shape is frozen, so the minimiser cannot make it endless).
   * Callers pass a depth of 0 to 4.
   */
  private genRecursiveHelper(i: number): Fn {
    const rng = this.sideRng;
    const name = `h${i}`;
    const params: Param[] = [{ name: "p0", ty: "num" }, ...(rng.chance(0.5) ? [{ name: "p1", ty: "num" as const }] : []), { name: "depth", ty: "num" }];
    const sig: HelperSig = { name, params, writes: false, recursive: true };
    const base = new FnGen(this, params, this.helpers.slice(), rng.int(1, 3), false, false).body();
    const step = new FnGen(this, params, this.helpers.slice(), rng.int(1, 4), false, false);
    const stepBody = step.body();
    const last = stepBody.pop() as Stmt & { k: "return" };
    const args: Expr[] = params.slice(0, -1).map((p) => frozenTree(bin("*", lit(0.5), math("tanh", bin("+", ref(p.name), lit(rng.pick([0.3, -0.7, 1.1])))))));
    const call = frozen({ k: "call", fn: name, args: [...args, frozen(bin("-", frozen(ref("depth")), frozen(lit(1))))] });
    const value = bin("+", last.value, bin("*", lit(rng.pick([0.5, 0.25, -0.5])), call));
    const isBase = frozen(bin("<", frozen(ref("depth")), frozen(lit(1))));
    const body: Stmt[] = [{ k: "if", cond: isBase, then: base, else: null, pin: true }, ...stepBody, { k: "return", value, pin: true }];
    this.helpers.push(sig);
    return { name, params, body, recursive: true };
  }

  /**
   * A helper returning a new Float64Array (filled in a loop, or a local it built), a number[]
   * (a literal of the program's length), or an object of numbers, Float64Arrays and perhaps a
   * nested object (`objectShape`) — never one of its array parameters. It may call earlier such
   * helpers; it writes none of its arrays' parameters.
   */
  private genVectorHelper(i: number, kind: "f64" | "list" | "obj"): Fn {
    const rng = this.rng;
    const params: Param[] = [];
    const nNums = rng.int(1, 3);
    for (let k = 0; k < nNums; k++) params.push({ name: `p${k}`, ty: "num" });
    const nArrs = rng.weighted([[0, 1], [1, 3], [2, 1.2]] as const);
    ["q", "q2"].slice(0, nArrs).forEach((name) => params.push({ name, ty: "arr" }));
    rng.shuffle(params);
    const retShape = kind === "obj" ? this.objectShape(`Out${i}`) : undefined;
    const sig: HelperSig = { name: `h${i}`, params, writes: false, ret: kind, retShape };
    const gen = new FnGen(this, params, this.helpers.slice(), rng.int(2, 6), false, false, { fround: false, ret: kind, retShape }, this.vecHelpers.slice());
    const fn: Fn = { name: sig.name, params, body: gen.body(), ret: kind, ...(retShape ? { retShape } : {}) };
    this.vecHelpers.push(sig);
    return fn;
  }

  /**
   * An object result's type: `s: number`, perhaps `v: Float64Array`, `scale: number` and a nested
   * object — the type of an earlier helper's object result now and then, so that a call of that
   * helper can fill the field. An interface (`Out3`), or a type literal.
   */
  private objectShape(iface: string): ObjShape {
    const rng = this.rng;
    const fields: ObjField[] = [{ key: "s", ty: "num" }];
    if (rng.chance(0.75)) fields.push({ key: "v", ty: "arr" });
    if (rng.chance(0.3)) fields.push({ key: "scale", ty: "num" });
    const earlier = this.vecHelpers.filter((h) => h.ret === "obj");
    if (rng.chance(earlier.length > 0 ? 0.75 : 0.35)) {
      const inner: ObjField[] =
        earlier.length > 0 && rng.chance(0.85) ? structuredClone(rng.pick(earlier).retShape!.fields) : [{ key: "c", ty: "num" }, ...(rng.chance(0.6) ? [{ key: "u", ty: "arr" as const }] : [])];
      fields.push({ key: "inner", ty: "obj", fields: inner });
    }
    return { iface: rng.chance(0.6) ? iface : "", fields: rng.shuffle(fields) };
  }

  /**
   * Recursion over Float64Arrays it only reads: `h(q, [q2,] p0, [p1,] lo, hi)` halving the range
   * (a base case below two elements, reading `q[lo]`), or `h(q, [q2,] p0, [p1,] at)` stepping an
   * index down to −1. Its frame (the base test, `mid`, the recursive calls) is frozen against the
   * minimiser, so it always ends; the numbers it returns stay bounded (the recursive terms'
   * coefficients sum to at most 1 in absolute value).
   */
  private genArrayRecursion(i: number, kind: "range" | "index"): Fn {
    const rng = this.rng;
    const L = this.arrLen;
    const name = `h${i}`;
    const arrays: Param[] = [{ name: "q", ty: "arr" }, ...(rng.chance(0.3) ? [{ name: "q2", ty: "arr" as const }] : [])];
    const nums: Param[] = [{ name: "p0", ty: "num" }, ...(rng.chance(0.4) ? [{ name: "p1", ty: "num" as const }] : [])];
    const steps: Param[] = kind === "range" ? [{ name: "lo", ty: "num" }, { name: "hi", ty: "num" }] : [{ name: "at", ty: "num" }];
    const params = [...arrays, ...nums, ...steps];
    const sig: HelperSig = { name, params, writes: false, recursive: true, arrayRecursion: kind };
    const F = (e: Expr) => frozenTree(e);
    /** A squashed argument for the next level (frozen like the scalar recursion's). */
    const next = (p: Param): Expr => frozenTree(bin("*", lit(0.5), math("tanh", bin("+", ref(p.name), lit(rng.pick([0.3, -0.7, 1.1]))))));
    const numArgs = () => nums.map((p) => (rng.chance(0.5) ? frozen(ref(p.name)) : next(p)));
    const arrArgs = () => arrays.map((p) => frozen(ref(p.name, "arr")));
    const base = new FnGen(this, params, this.helpers.slice(), rng.int(1, 2), false, false);
    const step = new FnGen(this, params, this.helpers.slice(), rng.int(1, 3), false, false);
    let body: Stmt[];
    if (kind === "range") {
      // lo < hi always (the first call covers two elements or more; halves are never empty).
      for (const g of [base, step]) g.restrict({ lo: { lo: 0, hi: L - 1 }, hi: { lo: 1, hi: L } });
      const baseBody = base.body();
      const baseReturn = baseBody[baseBody.length - 1] as Stmt & { k: "return" };
      baseReturn.value = base.withLeaf(baseReturn.value, "q", ref("lo"));
      step.declareInt("mid", { lo: 1, hi: L - 1 });
      const stepBody = step.body();
      const last = stepBody.pop() as Stmt & { k: "return" };
      const [c1, c2] = rng.pick([[0.5, 0.5], [0.6, 0.4], [0.5, -0.5], [0.3, 0.7], [-0.4, 0.6]] as const);
      const call = (lo: string, hi: string): Expr => frozen({ k: "call", fn: name, args: [...arrArgs(), ...numArgs(), frozen(ref(lo)), frozen(ref(hi))] });
      const value = bin("+", bin("*", lit(0.5), step.squash(last.value)), bin("+", bin("*", frozen(lit(c1)), call("lo", "mid")), bin("*", frozen(lit(c2)), call("mid", "hi"))));
      body = [
        { k: "if", cond: F(bin("<=", bin("-", ref("hi"), ref("lo")), lit(1))), then: baseBody, else: null, pin: true },
        { k: "decl", kw: "const", name: "mid", ty: "num", init: F(math("floor", bin("/", bin("+", ref("lo"), ref("hi")), lit(2)))), pin: true },
        ...stepBody,
        { k: "return", value, pin: true },
      ];
    } else {
      // Below 0 the base case (which reads no element at `at`); from 0 on a step reading q[at].
      step.restrict({ at: { lo: 0, hi: L - 1 } });
      const baseBody = base.body();
      const baseReturn = baseBody[baseBody.length - 1] as Stmt & { k: "return" };
      baseReturn.value = base.squash(baseReturn.value);
      const stepBody = step.body();
      const last = stepBody.pop() as Stmt & { k: "return" };
      const coefficient: Expr = rng.chance(0.5) ? frozen(lit(rng.pick([0.5, -0.5, 0.4]))) : frozenTree(bin("*", lit(0.5), math("tanh", ref(nums[0].name))));
      const call: Expr = frozen({ k: "call", fn: name, args: [...arrArgs(), ...numArgs(), F(bin("-", ref("at"), lit(1)))] });
      const value = bin("+", bin("*", lit(0.5), step.squash(step.withLeaf(last.value, "q", ref("at")))), bin("*", coefficient, call));
      body = [{ k: "if", cond: F(bin("<", ref("at"), lit(0))), then: baseBody, else: null, pin: true }, ...stepBody, { k: "return", value, pin: true }];
    }
    this.recHelpers.push(sig);
    return { name, params, body, recursive: true };
  }

  private genEntry(choices: { intLocals: boolean; objectResult: boolean } = { intLocals: false, objectResult: false }): Fn {
    const rng = this.rng;
    const params: Param[] = [];
    const nNums = rng.weighted([[1, 2], [2, 3], [3, 2]] as const);
    ["x", "y", "z"].slice(0, nNums).forEach((name) => params.push({ name, ty: "num" }));
    const nArrs = rng.weighted([[0, 2], [1, 6], [2, 2]] as const);
    ["a", "w"].slice(0, nArrs).forEach((name) => params.push({ name, ty: "arr" }));
    if (rng.chance(0.3)) params.push({ name: "flag", ty: "bool" });
    if (this.sideRng.chance(0.15)) params.push({ name: "mode", ty: "str" });
    rng.shuffle(params);
    // Object, Float32Array and integer-array parameters, fround and array results: all from the
    // third stream, every decision drawn whatever the options (so the stream stays in step).
    const ext = this.extRng;
    const extra: Param[] = [];
    if (ext.chance(0.1)) extra.push({ name: "p", ty: "obj", shape: { iface: "Params", fields: this.objectFields() } });
    if (ext.chance(0.08)) extra.push({ name: "w32", ty: "f32" });
    const ints = ext.weighted([["none", 10], ["labels", 0.45], ["mask", 0.45], ["both", 0.2]] as const);
    if (ints === "labels" || ints === "both") extra.push({ name: "labels", ty: "i32" });
    if (ints === "mask" || ints === "both") extra.push({ name: "mask", ty: "u8" });
    for (const q of extra) params.splice(ext.int(0, params.length), 0, q);
    const fround = ext.chance(0.06);
    const f32Writable = ext.chance(0.6);
    const retKind = ext.pick(["f64", "f64", "list"] as const);
    let ret: EntryExtras["ret"] = ext.chance(0.09) && this.options.arrayResults !== false ? retKind : undefined;
    // An object result (the fourth stream; checked through vjp and jvp like an array result).
    let retShape: ObjShape | undefined;
    if (!ret && choices.objectResult && this.options.arrayResults !== false) {
      ret = "obj";
      retShape = this.objectShape("Result");
    }
    const gen = new FnGen(this, params, this.helpers.slice(), this.options.entryBudget ?? rng.int(8, 28), true, rng.chance(0.6), { fround, ret, retShape, f32Writable, intLocals: choices.intLocals }, this.vecHelpers.slice(), this.recHelpers.slice());
    const body = [...this.vectorizableLoops(params), ...gen.body()];
    return { name: "f", params, body, ...(ret ? { ret } : {}), ...(retShape ? { retShape } : {}) };
  }

  /**
   * A fifth stream (its own, drawn after everything else: a program choosing none of this is the
   * program it was): loops at f's start that the wasm engine's vectorizer takes (compiler/emit/wasm/
   * vectorize.ts) — innermost `for (let i = 0; i < a.length; i++)` loops over f's Float64Array
   * parameters with independent iterations: an element-wise update `a[i] = 0.5·a[i] + 0.5·g(w[i]·x)`,
   * a sum `acc0 += h(a[i])` (or `-=`, or a dot product) folded into `a[0]` after the loop, a
   * neighbour read `a[i] = 0.5·a[i] + 0.25·w[i + 1]` up to `a.length − 1`. Their reverse sweeps
   * are the countdowns the vectorizer also takes (coverage label `vectorizable loop`).
   */
  private vectorizableLoops(params: Param[]): Stmt[] {
    const lr = new Rng(this.seed, this.index, 0x51d0);
    const count = lr.weighted([[0, 13], [1, 5], [2, 2]] as const);
    const arrays = params.filter((q) => q.ty === "arr").map((q) => q.name);
    const sources = [...arrays, ...params.filter((q) => q.ty === "f32").map((q) => q.name)];
    const nums = params.filter((q) => q.ty === "num").map((q) => q.name);
    if (count === 0 || arrays.length === 0) return [];
    const out: Stmt[] = [];
    const load = (arr: string, index: Expr): Expr => ({ k: "load", arr, index });
    const i = ref("i");
    /** A bounded smooth function of t (now and then a kink: abs, max). */
    const g = (t: Expr): Expr => {
      const fn = lr.weighted([["tanh", 3], ["sin", 2], ["cos", 1], ["atan", 2], ["id", 1], ["sqrt", 1], ["abs", 0.4], ["max", 0.4]] as const);
      if (fn === "id") return bin("*", lit(0.5), t);
      if (fn === "sqrt") return math("sqrt", pos(1.5, t));
      if (fn === "max") return math("max", t, lit(lr.pick([-0.25, 0.1])));
      return math(fn, t);
    };
    const scale = (): Expr => (nums.length > 0 && lr.chance(0.7) ? ref(lr.pick(nums)) : lit(lr.pick([0.5, 1.5, -0.75])));
    for (let k = 0; k < count; k++) {
      const target = lr.pick(arrays);
      const other = lr.pick(sources);
      const form = lr.weighted([["map", 3], ["sum", 3], ["dot", 1.5], ["neighbour", arrays.length > 1 ? 1 : 0]] as const);
      const loop = (limit: Expr, body: Stmt[]): Stmt => ({ k: "for", v: "i", init: lit(0), cmp: "<", limit, update: "++", body });
      const length: Expr = { k: "len", arr: target };
      if (form === "map") {
        const value = bin("+", bin("*", lit(0.5), load(target, i)), bin("*", lit(0.5), g(bin("*", load(other, i), scale()))));
        out.push(loop(length, [{ k: "assign", target: { k: "elem", arr: target, index: i }, op: "=", value }]));
        continue;
      }
      if (form === "neighbour") {
        const source = lr.pick(arrays.filter((a) => a !== target));
        const value = bin("+", bin("*", lit(0.5), load(target, i)), bin("*", lit(0.25), g(load(source, bin("+", i, lit(1))))));
        out.push(loop(bin("-", length, lit(1)), [{ k: "assign", target: { k: "elem", arr: target, index: i }, op: "=", value }]));
        continue;
      }
      const acc = `acc${k}`;
      const term = form === "dot" ? bin("*", load(other, i), load(lr.pick(sources), i)) : g(bin("*", load(other, i), scale()));
      out.push(
        { k: "decl", kw: "let", name: acc, ty: "num", init: lit(0) },
        loop({ k: "len", arr: other }, [{ k: "assign", target: { k: "var", name: acc }, op: lr.chance(0.25) ? "-=" : "+=", value: term }]),
        { k: "assign", target: { k: "elem", arr: target, index: lit(0) }, op: "=", value: bin("+", bin("*", lit(0.5), load(target, lit(0))), bin("*", lit(0.25), math("tanh", ref(acc)))) },
      );
    }
    return out;
  }

  /** An object parameter's fields: numbers, Float64Arrays (all of the program's length), perhaps a nested object. */
  private objectFields(): ObjField[] {
    const ext = this.extRng;
    const fields: ObjField[] = [];
    if (ext.chance(0.75)) fields.push({ key: "w", ty: "arr" });
    if (ext.chance(0.75)) fields.push({ key: "b", ty: "num" });
    if (ext.chance(0.3)) fields.push({ key: "scale", ty: "num" });
    if (ext.chance(0.35)) fields.push({ key: "inner", ty: "obj", fields: ext.shuffle([{ key: "c", ty: "num" }, ...(ext.chance(0.6) ? [{ key: "v", ty: "arr" as const }] : [])]) });
    if (fields.length === 0) fields.push({ key: "b", ty: "num" });
    return ext.shuffle(fields);
  }
}

class FnGen {
  private readonly rng: Rng;
  private readonly scopes: VarInfo[][] = [];
  private budget: number;
  private counter = 0;
  /**
   * Integer variables that enclosing conditions pin to a literal (`i` in the then-branch of
   * `if (i === 1)`, the else-branch of `if (i !== 1)`, after `if (i !== 1) continue;`, on the
   * right of `i === 1 &&`). TypeScript narrows `i` to the type `1` there and rejects `i === 2`
   * ("no overlap"), so `bool` compares such a variable with another literal by < or > instead.
   */
  private narrowed = new Map<string, number>();

  constructor(
    private readonly prog: ProgramGen,
    params: Param[],
    private readonly helpers: HelperSig[],
    budget: number,
    private readonly entry: boolean,
    paramArraysWritable: boolean,
    private readonly extras: EntryExtras = { fround: false },
    /** Helpers returning arrays or objects that this function may call. */
    private readonly vecHelpers: HelperSig[] = [],
    /** Recursive helpers over read-only arrays that this function may call (f only). */
    private readonly recHelpers: HelperSig[] = [],
  ) {
    this.rng = prog.rng;
    this.budget = budget;
    this.scopes.push(
      params.flatMap((p): VarInfo[] => {
        // An object parameter: its number fields are read-only variables `p.b` (gradc refuses
        // writes to them), its arrays `p.w` parameter arrays; a Float32Array is a parameter array
        // whose stores round; integer arrays are data (indices, masks).
        if (p.ty === "obj") {
          return objectLeaves(p.name, p.shape?.fields ?? []).flatMap((l): VarInfo[] =>
            l.ty === "num" ? [{ name: l.name, ty: "num", bound: CAP, assignable: false, param: true }] : l.ty === "arr" ? [{ name: l.name, ty: "arr", bound: CAP, assignable: false, writable: paramArraysWritable, param: true }] : [],
          );
        }
        if (p.ty === "f32") return [{ name: p.name, ty: "arr", bound: CAP, assignable: false, writable: paramArraysWritable || this.extras.f32Writable, param: true, f32: true }];
        if (p.ty === "i32" || p.ty === "u8") return [{ name: p.name, ty: p.ty, bound: p.ty === "u8" ? 1 : 7, assignable: false, param: true }];
        return [{
          name: p.name,
          ty: p.ty,
          bound: p.ty === "num" ? CAP : p.ty === "arr" ? CAP : 1,
          // A recursive helper's depth (or index range, or index) is never assigned: each call steps it.
          assignable: p.ty === "num" && !STRUCTURAL.has(p.name) && this.rng.chance(0.5),
          writable: p.ty === "arr" ? paramArraysWritable : undefined,
          param: true,
        }];
      }),
    );
  }

  body(): Stmt[] {
    const top: Ctx = { loops: 0, depth: 0 };
    // Integer typed array locals first, so that the rest of f can index and mask with them.
    const intro = this.extras.intLocals ? this.intArrayDecl() : [];
    const stmts = [...intro, ...this.block(top, this.entry ? this.rng.int(4, 9) : this.rng.int(2, 5))];
    // Helpers returning arrays or objects, and recursion over arrays, are called at least once.
    const called = new Set<string>();
    forEachExpr(stmts, (e) => e.k === "call" && called.add(e.fn));
    if (this.entry && this.vecHelpers.length > 0 && !this.vecHelpers.some((h) => called.has(h.name))) {
      stmts.push(...this.pinned(this.exitPins(stmts), () => this.vectorUse(top)));
    }
    if (this.entry && this.recHelpers.length > 0 && !this.recHelpers.some((h) => called.has(h.name))) {
      stmts.push(...this.pinned(this.exitPins(stmts), () => this.recursionUse()));
    }
    if (this.extras.ret) {
      stmts.push(...this.pinned(this.exitPins(stmts), () => this.arrayResult()));
      return stmts;
    }
    stmts.push({ k: "return", value: this.pinned(this.exitPins(stmts), () => this.finalValue().e), pin: true });
    return stmts;
  }

  /** Integer-valued variables among the parameters (a recursion's index range). */
  restrict(ranges: Record<string, { lo: number; hi: number }>): void {
    for (const v of this.scopes[0]) {
      const r = ranges[v.name];
      if (r) Object.assign(v, { int: r, bound: Math.max(Math.abs(r.lo), Math.abs(r.hi)), assignable: false });
    }
  }

  /** An integer local declared ahead of the generated statements (a recursion's `mid`). */
  declareInt(name: string, range: { lo: number; hi: number }): void {
    this.scopes[0].push({ name, ty: "num", bound: Math.max(Math.abs(range.lo), Math.abs(range.hi)), assignable: false, int: range });
  }

  /** `value` squashed into (−1, 1). */
  squash(value: Expr): Expr {
    return math("tanh", value);
  }

  /** A recursion's leaf: a smooth function of `arr[index]` plus a squashed `value` (|·| < 2). */
  withLeaf(value: Expr, arr: string, index: Expr): Expr {
    const rng = this.rng;
    const element: Expr = { k: "load", arr, index };
    const term = rng.pick([() => math("tanh", element), () => math("sin", element), () => bin("*", lit(0.25), element)])();
    return bin("+", bin("*", lit(rng.pick([0.5, 1, -0.75])), term), bin("*", lit(0.5), this.squash(value)));
  }

  // ── Array results (f only) ──────────────────────────────────────────────────────────────────

  /**
   * The end of an array-valued f: a new Float64Array filled in a loop, an existing Float64Array
   * (a local, or a parameter f may have written) after one more element write, or for a
   * `number[]` result an array literal or a literal local.
   */
  private arrayResult(): Stmt[] {
    const rng = this.rng;
    const ret = (value: Expr): Stmt => ({ k: "return", value, pin: true });
    if (this.extras.ret === "obj") {
      const pre: Stmt[] = [];
      const value = this.objectLiteral(this.extras.retShape?.fields ?? [], new Set(), pre)!;
      return [...pre, ret(value)];
    }
    // A call of a helper returning the same kind of array, returned as it is.
    const direct = this.vecHelpers.filter((h) => h.ret === this.extras.ret && this.canCallVec(h));
    if (direct.length > 0 && rng.chance(0.25)) return [ret(this.vecCall(rng.pick(direct)))];
    if (this.extras.ret === "list") {
      const locals = this.vars((v) => v.ty === "arr" && !!v.literal);
      if (locals.length > 0 && rng.chance(0.4)) return [ret(ref(rng.pick(locals).name, "arr"))];
      return [ret(this.arrayValue())];
    }
    const existing = this.resultArrays();
    if (existing.length > 0 && rng.chance(0.35)) {
      const a = rng.pick(existing);
      return [...(a.writable ? this.updateElement(a) : []), ret(ref(a.name, "arr"))];
    }
    // f's elements may reach 4·CAP; a helper's, which its callers read, stay within CAP.
    const made = this.filledArray(this.entry ? 4 * CAP : CAP);
    return [...made.stmts, ret(ref(made.name, "arr"))];
  }

  /** `const v3 = new Float64Array(n); for (let i = 0; i < v3.length; i++) v3[i] = …;` (not declared: returned at once). */
  private filledArray(cap: number): { name: string; stmts: Stmt[] } {
    const rng = this.rng;
    const L = this.prog.arrLen;
    const name = this.fresh("v");
    const arrays = this.readable("arr");
    const size: Expr = arrays.length > 0 && rng.chance(0.6) ? { k: "len", arr: rng.pick(arrays).name } : lit(L);
    const i = this.loopVar();
    const value = this.inLoop(name, () => this.withScope([{ name: i, ty: "num", bound: L, assignable: false, int: { lo: 0, hi: L - 1 } }], () => this.withoutSideEffects(() => this.fit(this.num(rng.int(2, 3)), cap).e)));
    return {
      name,
      stmts: [
        { k: "decl", kw: "const", name, ty: "arr", init: { k: "newarr", size }, annotate: rng.chance(0.2) },
        { k: "for", v: i, init: lit(0), cmp: "<", limit: { k: "len", arr: name }, update: "++", body: [{ k: "assign", target: { k: "elem", arr: name, index: ref(i) }, op: "=", value }] },
      ],
    };
  }

  /**
   * An object result of type `fields`: numbers, a distinct Float64Array per array field (an
   * existing one, or with `pre` one made and filled there), nested objects as literals or calls of
   * helpers returning that type. Without `pre` (an early return) undefined when arrays run out.
   */
  private objectLiteral(fields: ObjField[], used: Set<string>, pre?: Stmt[]): Expr | undefined {
    const rng = this.rng;
    const out: { key: string; value: Expr }[] = [];
    for (const f of fields) {
      if (f.ty === "num") {
        out.push({ key: f.key, value: this.fit(this.num(2), CAP).e });
      } else if (f.ty === "arr") {
        const existing = this.resultArrays().filter((a) => !used.has(a.name));
        let name: string;
        if (existing.length > 0 && (!pre || rng.chance(0.4))) name = rng.pick(existing).name;
        else if (pre) {
          const made = this.filledArray(CAP);
          pre.push(...made.stmts);
          name = made.name;
        } else return undefined;
        used.add(name);
        out.push({ key: f.key, value: ref(name, "arr") });
      } else {
        const callers = this.vecHelpers.filter((h) => h.ret === "obj" && sameShape(h.retShape?.fields ?? [], f.fields ?? []) && this.canCallVec(h));
        const value = callers.length > 0 && rng.chance(0.75) ? this.vecCall(rng.pick(callers)) : this.objectLiteral(f.fields ?? [], used, pre);
        if (!value) return undefined;
        out.push({ key: f.key, value });
      }
    }
    // Returns may list the fields in another order.
    return { k: "objlit", fields: pre && rng.chance(0.7) ? out : rng.shuffle(out) };
  }

  /**
   * Float64Arrays a function may return as they are: locals made with `new` or by helpers, and f's
   * parameters (not a Float32Array, not a literal). A helper's callers use its result, so it
   * never returns a parameter (JavaScript would hand back the caller's array: a diagnostic).
   */
  private resultArrays(): VarInfo[] {
    return this.vars((v) => v.ty === "arr" && !v.literal && !v.f32 && (this.entry || !v.param));
  }

  /** An array to return early: a literal for a number[] result, an existing Float64Array for a Float64Array result, an object of existing arrays (see `canReturn`). */
  private arrayValue(): Expr {
    if (this.extras.ret === "obj") return this.withoutSideEffects(() => this.objectLiteral(this.extras.retShape?.fields ?? [], new Set()))!;
    if (this.extras.ret === "list") {
      return { k: "arrlit", items: Array.from({ length: this.prog.arrLen }, () => this.fit(this.num(2), CAP).e) };
    }
    return ref(this.rng.pick(this.resultArrays()).name, "arr");
  }

  /** Whether an early `return` can give the function's result type here. */
  private canReturn(): boolean {
    if (this.extras.ret === "obj") return arrayLeaves(this.extras.retShape?.fields ?? []) <= this.resultArrays().length;
    return this.extras.ret !== "f64" || this.resultArrays().length > 0;
  }

  // ── Scope ───────────────────────────────────────────────────────────────────────────────────

  private vars(pred: (v: VarInfo) => boolean = () => true): VarInfo[] {
    const seen = new Set<string>();
    const out: VarInfo[] = [];
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      for (const v of this.scopes[i]) {
        if (seen.has(v.name)) continue;
        seen.add(v.name);
        if (pred(v)) out.push(v);
      }
    }
    return out;
  }

  private declare(v: VarInfo): void {
    this.scopes[this.scopes.length - 1].push(v);
    this.touch(v.name);
    // An array declared in a loop is written there, as gradc sees it (see `recArrays`).
    if (v.ty === "arr") this.noteWrite(v.name);
  }

  /** Recency weights: each declaration or write makes a variable the most recent. */
  private readonly recency = new Map<string, number>();
  private clock = 0;
  private touch(name: string): void {
    this.recency.set(name, ++this.clock);
  }

  private fresh(prefix: string): string {
    const taken = new Set([...this.vars().flatMap((v) => [v.name, ...(v.object ? [v.object.name] : []), ...(v.owner ? [v.owner] : [])]), ...this.prog.consts.map((c) => c.name)]);
    let name: string;
    do name = `${prefix}${this.counter++}`;
    while (taken.has(name));
    return name;
  }

  private withScope<T>(vars: VarInfo[], body: () => T): T {
    this.scopes.push(vars);
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  // ── Expressions ─────────────────────────────────────────────────────────────────────────────

  /** Scales or squashes `v` until its bound is at most `cap`. */
  private fit(v: Val, cap: number): Val {
    if (v.b <= cap) return v;
    const rng = this.rng;
    if (rng.chance(0.6)) {
      const factors = [0.5, 0.25, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001, 0.0001];
      const c = factors.find((c) => c * v.b <= cap) ?? 1e-6;
      return { e: rng.chance(0.5) ? bin("*", lit(c), v.e) : bin("*", v.e, lit(c)), b: c * v.b };
    }
    const squash = rng.pick(["tanh", "atan", "sin", "ratio"]);
    let inner = v.e;
    // Keep arguments of periodic squashes moderate so derivatives stay moderate.
    if (squash === "sin" && v.b > 4) inner = bin("*", lit(this.prog.rng.pick([0.5, 0.25, 0.1])), v.e);
    const e = squash === "ratio" ? bin("/", inner, offset(1, "abs", structuredClone(inner))) : math(squash, inner);
    const b = squash === "atan" ? 1.58 : 1;
    if (b <= cap) return { e, b };
    return { e: bin("*", lit(0.5), e), b: 0.5 * b };
  }

  private readable(ty: Ty): VarInfo[] {
    return this.vars((v) => v.ty === ty);
  }

  private leaf(): Val {
    const rng = this.rng;
    const nums = this.readable("num");
    const arrays = this.readable("arr");
    const consts = this.prog.consts;
    const ints = this.vars((v) => v.ty === "i32" || v.ty === "u8");
    const choice = rng.weighted([
      ["var", nums.length > 0 ? 6 : 0],
      ["load", arrays.length > 0 ? 4 : 0],
      ["const", consts.length > 0 ? 0.7 : 0],
      ["lit", 1.2],
      ["len", arrays.length > 0 ? 0.2 : 0],
      // An element of an integer array (a label, a mask bit): a number without derivative.
      ["intLoad", ints.length > 0 ? 0.8 : 0],
    ] as const);
    switch (choice) {
      case "var": {
        // Recently declared or written variables are likelier, so that values flow onwards.
        const v = rng.weighted(nums.map((x) => [x, 1 + (this.recency.get(x.name) ?? 0)] as const));
        return { e: ref(v.name), b: v.int ? Math.max(Math.abs(v.int.lo), Math.abs(v.int.hi)) : v.bound };
      }
      case "load": {
        const a = rng.pick(arrays);
        return { e: { k: "load", arr: a.name, index: this.index(a.name) }, b: a.bound };
      }
      case "const": {
        const c = rng.pick(consts);
        return { e: ref(c.name), b: Math.abs(c.value) };
      }
      case "len":
        return { e: { k: "len", arr: rng.pick(arrays).name }, b: this.prog.arrLen };
      case "intLoad": {
        const a = rng.pick(ints);
        return { e: { k: "load", arr: a.name, index: this.index(a.name) }, b: a.bound };
      }
      case "lit": {
        const v = rng.pick([0.5, 1, 2, 0.25, 1.5, 3, 0.75, -0.5, -1, 0.3, 1.7]);
        return { e: lit(v), b: Math.abs(v) };
      }
    }
  }

  /** An index expression valid for `arr` (every array has the program's length). */
  private index(arr: string): Expr {
    const rng = this.rng;
    const L = this.prog.arrLen;
    const len: Expr = { k: "len", arr };
    const options: [() => Expr, number][] = [[() => lit(rng.int(0, L - 1)), 1]];
    for (const v of this.vars((v) => v.ty === "num" && v.int !== undefined)) {
      const { lo, hi } = v.int!;
      if (lo >= 0 && hi <= L - 1) {
        options.push([() => ref(v.name), 6]);
        options.push([() => bin("-", bin("-", len, lit(1)), ref(v.name)), 1]);
        options.push([() => bin("%", bin("+", ref(v.name), lit(1)), structuredClone(len)), 0.7]);
      }
      if (lo >= 1 && hi <= L) options.push([() => bin("-", ref(v.name), lit(1)), 3]);
      if (lo >= 0 && hi + 1 <= L - 1) options.push([() => bin("+", ref(v.name), lit(1)), 1]);
    }
    options.push([() => math("min", bin("-", len, lit(1)), math("floor", math("abs", this.num(1).e))), 0.3]);
    // `a[labels[i] % a.length]`: an index read from an Int32Array of non-negative labels (the
    // index of the label itself is any index but another label).
    const labels = this.indexDepth === 0 ? this.vars((v) => v.ty === "i32") : [];
    if (labels.length > 0) {
      options.push([() => {
        const l = rng.pick(labels).name;
        this.indexDepth++;
        try {
          return bin("%", { k: "load", arr: l, index: this.index(l) }, structuredClone(len));
        } finally {
          this.indexDepth--;
        }
      }, 2]);
    }
    return rng.weighted(options)();
  }

  /** Nesting of `index` inside a label's index. */
  private indexDepth = 0;

  /** A number expression of nesting depth at most d. */
  num(d: number): Val {
    const rng = this.rng;
    if (d <= 0) return this.leaf();
    const pureHelpers = this.helpers.filter((h) => !h.writes && this.canCall(h));
    const choice = rng.weighted([
      ["leaf", 2],
      ["add", 3],
      ["mul", 2.5],
      ["div", 1],
      ["neg", 0.5],
      ["unary", 5],
      ["multi", 2],
      ["powop", 0.6],
      ["mod", 0.3],
      ["cond", 0.8],
      ["call", pureHelpers.length > 0 ? 1.2 : 0],
      ["sideEffect", this.sideEffects && this.vars((v) => v.ty === "num" && v.assignable).length > 0 ? 0.4 : 0],
      ["fround", this.extras.fround ? 0.7 : 0],
      ["masked", this.vars((v) => v.ty === "u8").length > 0 ? 1 : 0],
      ["recursion", this.recHelpers.length > 0 && this.recArrays().length > 0 ? 1.2 : 0],
    ] as const);
    switch (choice) {
      case "leaf":
        return this.leaf();
      case "add": {
        const a = this.num(d - 1);
        const b = this.num(d - 1);
        return { e: bin(rng.pick(["+", "-"] as const), a.e, b.e), b: a.b + b.b };
      }
      case "mul": {
        const a = this.fit(this.num(d - 1), 4);
        const b = this.fit(this.num(d - 1), 4);
        return { e: bin("*", a.e, b.e), b: a.b * b.b };
      }
      case "div": {
        const a = this.num(d - 1);
        const q = this.fit(this.num(d - 1), 2);
        switch (rng.int(0, 3)) {
          case 0:
            return { e: bin("/", a.e, pos(1.5, q.e)), b: a.b / 1.5 };
          case 1:
            return { e: bin("/", a.e, lit(rng.pick([2, 3, -4, 0.5]))), b: a.b * 2 };
          case 2:
            return { e: bin("/", a.e, offset(2, "cos", q.e)), b: a.b };
          default:
            return { e: bin("/", a.e, frozen(math("cosh", q.e))), b: a.b };
        }
      }
      case "neg": {
        const a = this.num(d - 1);
        return { e: { k: "neg", a: a.e }, b: a.b };
      }
      case "unary":
        return this.unary(rng.pick(MATH_UNARY), d);
      case "multi":
        return this.multi(rng.pick(MATH_MULTI), d);
      case "powop":
        return this.power(d, true);
      case "mod": {
        const a = this.num(d - 1);
        if (rng.chance(0.6)) {
          const m = rng.pick([1.5, 2, 0.75]);
          return { e: bin("%", a.e, lit(m)), b: Math.min(a.b, m) };
        }
        const q = this.fit(this.num(d - 1), 2);
        return { e: bin("%", a.e, pos(1, q.e)), b: a.b };
      }
      case "cond": {
        const c = this.condition(d - 1);
        const a = this.assuming(c, true, () => this.num(d - 1));
        const b = this.assuming(c, false, () => this.num(d - 1));
        return { e: { k: "cond", c, a: a.e, b: b.e }, b: Math.max(a.b, b.b) };
      }
      case "call": {
        const h = rng.pick(pureHelpers);
        return { e: this.call(h, d - 1), b: CAP };
      }
      case "sideEffect":
        return this.sideEffect(d);
      case "fround": {
        // Rounded to float32: the derivative passes through as for the identity.
        const a = this.num(d - 1);
        return { e: math("fround", a.e), b: a.b * 1.0001 };
      }
      case "masked": {
        // A term switched on and off by a Uint8Array mask: `mask[i] * e`.
        const m = rng.pick(this.vars((v) => v.ty === "u8"));
        const a = this.num(d - 1);
        const mask: Expr = { k: "load", arr: m.name, index: this.index(m.name) };
        return { e: rng.chance(0.5) ? bin("*", mask, a.e) : bin("*", a.e, mask), b: a.b };
      }
      case "recursion":
        return { e: this.recCall(rng.pick(this.recHelpers)), b: CAP };
    }
  }

  /**
   * An assignment, a compound assignment or ++/-- (after a comma) used as a value, on a variable
   * whose bound is CAP: what it stores stays within it (`(t = e)` with e fitted, `(t *= 0.5)`,
   * `(t *= 0.5, t++)`), however often a loop repeats it.
   */
  private sideEffect(d: number): Val {
    const rng = this.rng;
    const v = rng.pick(this.vars((x) => x.ty === "num" && x.assignable));
    this.touch(v.name);
    const halve: Expr = { k: "assignx", target: v.name, op: "*=", value: lit(0.5) };
    switch (rng.int(0, 2)) {
      case 0: {
        const value = this.fit(this.num(Math.max(0, d - 1)), CAP);
        return { e: { k: "assignx", target: v.name, op: "=", value: value.e }, b: value.b };
      }
      case 1:
        return { e: halve, b: CAP / 2 };
      default:
        return { e: { k: "comma", a: halve, b: { k: "incx", target: v.name, op: rng.pick(["++", "--"] as const), prefix: rng.chance(0.5) } }, b: CAP / 2 + 1 };
    }
  }

  /** Whether expressions may assign variables (see `withoutSideEffects`). */
  private sideEffects = true;

  private withoutSideEffects<T>(body: () => T): T {
    const saved = this.sideEffects;
    this.sideEffects = false;
    try {
      return body();
    } finally {
      this.sideEffects = saved;
    }
  }

  /** A condition: a boolean expression or, as JavaScript allows, a number tested for truthiness. */
  private condition(d: number): Expr {
    const rng = this.rng;
    // A string parameter decides now and then (drawn from the second stream).
    const strings = this.vars((v) => v.ty === "str");
    if (strings.length > 0 && this.prog.sideRng.chance(0.25)) return { k: "strcmp", name: strings[0].name, negate: this.prog.sideRng.chance(0.5) };
    switch (rng.weighted([["bool", 8], ["truthy", 1], ["mixed", d > 0 ? 0.7 : 0]] as const)) {
      case "bool":
        return this.bool(d);
      case "truthy": {
        const value = this.num(Math.max(0, d - 1)).e;
        // TypeScript rejects a condition that is always truthy or falsy by its syntax (`if (1.5)`).
        // (`c ? 0.25 : 0.75` too: TypeScript calls a ?: of two such literals always truthy.)
        if (value.k === "lit" || value.k === "neg" || value.k === "comma" || alwaysTruthy(value)) return this.bool(d);
        const t: Expr = { k: "truthy", a: value };
        return rng.chance(0.3) ? { k: "not", a: t } : t;
      }
      case "mixed": {
        const a = this.condition(d - 1);
        const op = rng.pick(["&&", "||"] as const);
        return bin(op, a, this.assuming(a, op === "&&", () => this.condition(d - 1)));
      }
    }
  }

  private call(h: HelperSig, d: number): Expr {
    // A defaulted trailing parameter is left out now and then.
    const given = h.params.filter((p, i) => !(i === h.params.length - 1 && p.init !== undefined && this.prog.sideRng.chance(0.5)));
    // The arguments of a helper that writes its array hold no recursion over arrays: the array
    // written might be the one passed to it, written after the recursive call.
    if (h.writes) this.noRec++;
    try {
      const args = given.map((p, i): Expr => {
        if (h.recursive && i === h.params.length - 1) return frozen(lit(this.prog.sideRng.int(0, 4)));
        if (p.ty === "num") return this.fit(this.num(d), CAP).e;
        if (p.ty === "bool") return this.bool(d);
        return this.arrayArgument(h.writes);
      });
      return { k: "call", fn: h.name, args };
    } finally {
      if (h.writes) this.noRec--;
    }
  }

  /** Arrays a helper may take as a Float64Array argument (not a number[], not a Float32Array); writable ones for a helper that writes. */
  private arrayArgs(writes: boolean): VarInfo[] {
    return this.readable("arr").filter((a) => (!writes || a.writable) && !a.literal && !a.f32);
  }

  /** Nesting of helper calls in array arguments (`g(h(a))`: one level). */
  private nesting = 0;

  /** A Float64Array argument: an array in scope, or now and then a helper's new array (`g(h(a))`). */
  private arrayArgument(writes: boolean): Expr {
    const nested = this.nesting === 0 ? this.vecHelpers.filter((g) => g.ret === "f64" && this.canCallVec(g)) : [];
    if (nested.length > 0 && this.rng.chance(0.45)) {
      this.nesting++;
      try {
        return this.vecCall(this.rng.pick(nested));
      } finally {
        this.nesting--;
      }
    }
    const a = this.rng.pick(this.arrayArgs(writes));
    if (writes) this.noteWrite(a.name);
    return ref(a.name, "arr");
  }

  private canCallVec(h: HelperSig): boolean {
    return !h.params.some((p) => p.ty === "arr") || this.arrayArgs(false).length > 0;
  }

  /** A call of a helper returning an array or an object (`fixed`: arguments chosen by the caller, by position). */
  private vecCall(h: HelperSig, fixed: Map<number, Expr> = new Map()): Expr {
    const args = h.params.map((p, i): Expr => fixed.get(i) ?? (p.ty === "num" ? this.fit(this.num(1), CAP).e : this.arrayArgument(false)));
    return { k: "call", fn: h.name, args, ty: h.ret === "obj" ? "obj" : "arr" };
  }

  // ── Recursion over arrays (f only) ──────────────────────────────────────────────────────────

  /** Arrays written in the bodies of the loops being generated (innermost last): see `recArrays`. */
  private readonly loopWrites: Set<string>[] = [];
  /** Inside an element write or the arguments of a helper that writes: no recursion over arrays. */
  private noRec = 0;

  /** Generates the body of a loop that writes `written` (for `recArrays`). */
  private inLoop<T>(written: string, body: () => T): T {
    this.loopWrites.push(new Set([written]));
    try {
      return body();
    } finally {
      this.loopWrites.pop();
    }
  }

  private noteWrite(name: string): void {
    for (const set of this.loopWrites) set.add(name);
  }

  /**
   * Arrays f may pass to a recursive helper here: Float64Arrays not written in an enclosing loop
   * (the next iteration would write them after the call). Once passed, an array is read-only
   * (`writable` false) for the rest of f: gradc refuses a write after the call. An array
   * declared in a loop counts as written there: gradc refuses it even though each iteration
   * makes a new one (fuzz/README.md).
   */
  private recArrays(): VarInfo[] {
    if (this.noRec > 0) return [];
    return this.readable("arr").filter((a) => !a.literal && !a.f32 && !this.loopWrites.some((set) => set.has(a.name)));
  }

  /** `h(a, x, 0, a.length)` or `h(a, x, a.length - 1)`: the range or index arguments frozen. `given`: the first array. */
  private recCall(h: HelperSig, given?: string): Expr {
    const rng = this.rng;
    const L = this.prog.arrLen;
    let first: string | undefined;
    const args = h.params.map((p): Expr => {
      if (p.ty === "arr") {
        // (Not in a loop: gradc refuses a temporary passed to recursion there — fuzz/FOUND.md.)
        const nested = this.nesting === 0 && given === undefined && this.loopWrites.length === 0 ? this.vecHelpers.filter((g) => g.ret === "f64" && this.canCallVec(g)) : [];
        if (nested.length > 0 && rng.chance(0.2)) {
          // A helper's new array, which nothing writes afterwards.
          this.nesting++;
          try {
            return this.vecCall(rng.pick(nested));
          } finally {
            this.nesting--;
          }
        }
        const name = first === undefined && given !== undefined ? given : rng.pick(this.recArrays()).name;
        for (const v of this.vars((v) => v.name === name)) v.writable = false;
        first ??= name;
        return ref(name, "arr");
      }
      if (p.name === "lo") return frozen(lit(0));
      if (p.name === "hi") return first !== undefined ? frozen({ k: "len", arr: first }) : frozen(lit(L));
      if (p.name === "at") return first !== undefined && rng.chance(0.6) ? frozenTree(bin("-", { k: "len", arr: first }, lit(1))) : frozen(lit(rng.int(0, L - 1)));
      return this.fit(this.num(1), CAP).e;
    });
    return { k: "call", fn: h.name, args };
  }

  /** f's call of a recursive helper when it made none: over an array in scope, or over a local filled first. */
  private recursionUse(): Stmt[] {
    const rng = this.rng;
    const h = rng.pick(this.recHelpers);
    const stmts: Stmt[] = [];
    let given: string | undefined;
    if (this.recArrays().length === 0 || rng.chance(0.35)) {
      const made = this.filledArray(CAP);
      stmts.push(...made.stmts);
      this.declare({ name: made.name, ty: "arr", bound: CAP, assignable: false, writable: false });
      given = made.name;
    }
    const call = this.recCall(h, given);
    const name = this.fresh("t");
    this.declare({ name, ty: "num", bound: CAP, assignable: false });
    return [...stmts, { k: "decl", kw: "const", name, ty: "num", init: call }];
  }

  private canCall(h: HelperSig): boolean {
    if (!h.params.some((p) => p.ty === "arr")) return true;
    return this.readable("arr").some((a) => (!h.writes || a.writable) && !a.literal && !a.f32);
  }

  /** A guarded application of a one-argument Math function. */
  private unary(fn: (typeof MATH_UNARY)[number], d: number): Val {
    const rng = this.rng;
    const arg = (cap: number) => this.fit(this.num(d - 1), cap);
    switch (fn) {
      case "sin":
      case "cos":
        return { e: math(fn, arg(4).e), b: 1 };
      case "tan":
        return rng.chance(0.5) ? { e: math("tan", scaled(1.2, "tanh", arg(CAP).e)), b: 2.6 } : { e: math("tan", scaled(1.2, "sin", arg(4).e)), b: 2.6 };
      case "asin":
      case "acos": {
        const inner = rng.chance(0.5) ? scaled(0.9, "tanh", arg(CAP).e) : scaled(0.8, "sin", arg(4).e);
        return { e: math(fn, inner), b: fn === "asin" ? 1.2 : 3.15 };
      }
      case "atan":
        return { e: math("atan", arg(CAP).e), b: 1.58 };
      case "sinh":
      case "cosh":
        return { e: math(fn, arg(2).e), b: 3.8 };
      case "tanh":
        return { e: math("tanh", arg(CAP).e), b: 1 };
      case "asinh":
        return { e: math("asinh", arg(CAP).e), b: 2.5 };
      case "acosh": {
        const x = arg(2);
        return rng.chance(0.6) ? { e: math("acosh", pos(1.5, x.e)), b: 2.4 } : { e: math("acosh", offset(2, "sin", x.e)), b: 1.8 };
      }
      case "atanh": {
        const inner = rng.chance(0.5) ? scaled(0.8, "tanh", arg(CAP).e) : scaled(0.6, "sin", arg(4).e);
        return { e: math("atanh", inner), b: 1.1 };
      }
      case "exp":
      case "expm1":
        return { e: math(fn, arg(2).e), b: 7.4 };
      case "log": {
        const x = arg(2);
        const c = rng.pick([1, 1.5, 0.5]);
        return rng.chance(0.75) ? { e: math("log", pos(c, x.e)), b: 1.7 } : { e: math("log", offset(1.5, "sin", x.e)), b: 1 };
      }
      case "log1p": {
        const x = arg(2);
        return rng.chance(0.6) ? { e: math("log1p", frozen(sq(x.e))), b: 1.7 } : { e: math("log1p", scaled(0.9, "tanh", x.e)), b: 2.4 };
      }
      case "log2":
        return { e: math("log2", pos(1, arg(2).e)), b: 2.4 };
      case "log10":
        return { e: math("log10", pos(2, arg(2).e)), b: 0.8 };
      case "sqrt": {
        const x = arg(2);
        return rng.chance(0.7) ? { e: math("sqrt", pos(rng.pick([1, 0.25, 2]), x.e)), b: 2.5 } : { e: math("sqrt", offset(2, "sin", x.e)), b: 1.8 };
      }
      case "cbrt": {
        const x = arg(CAP);
        // Away from 0, where cbrt′ is infinite: positive or negative arguments.
        const inner = this.fit(x, 2).e;
        return rng.chance(0.6) ? { e: math("cbrt", pos(1, inner)), b: 1.8 } : { e: math("cbrt", offset(-2, "sin", inner)), b: 1.5 };
      }
      case "abs": {
        const x = arg(CAP);
        return { e: math("abs", x.e), b: x.b };
      }
      case "sign": {
        // sign(a) · b, so that b still carries a derivative.
        const s = math("sign", arg(CAP).e);
        const other = this.fit(this.num(d - 1), CAP);
        return rng.chance(0.6) ? { e: bin("*", s, other.e), b: other.b } : { e: s, b: 1 };
      }
      case "floor":
      case "ceil":
      case "round":
      case "trunc": {
        const x = arg(CAP);
        const r = math(fn, x.e);
        // x − floor(x) is a sawtooth with derivative 1; plain floor(x) has derivative 0.
        return rng.chance(0.4) ? { e: bin("-", structuredClone(x.e), r), b: 2 * x.b + 1 } : { e: r, b: x.b + 1 };
      }
    }
  }

  private power(d: number, operator: boolean): Val {
    const rng = this.rng;
    const mk = (a: Expr, b: Expr): Expr => (operator ? bin("**", a, b) : math("pow", a, b));
    switch (rng.int(0, 4)) {
      case 0: {
        const base = this.fit(this.num(d - 1), 1.5);
        const ex = this.fit(this.num(d - 1), 1.5);
        return { e: mk(pos(1.5, base.e), ex.e), b: 7.4 };
      }
      case 1: {
        const x = this.fit(this.num(d - 1), 2.4);
        return { e: mk(x.e, frozen(lit(2))), b: x.b * x.b };
      }
      case 2: {
        const x = this.fit(this.num(d - 1), 1.8);
        return { e: mk(x.e, frozen(lit(3))), b: x.b ** 3 };
      }
      case 3: {
        const x = this.fit(this.num(d - 1), 2.5);
        return { e: mk(lit(2), x.e), b: 2 ** x.b };
      }
      default: {
        const x = this.fit(this.num(d - 1), 2);
        return { e: mk(pos(1, x.e), lit(rng.pick([-1, 0.5, -0.5, 1.5]))), b: 5 ** 1.5 };
      }
    }
  }

  private multi(fn: (typeof MATH_MULTI)[number], d: number): Val {
    const rng = this.rng;
    const arg = () => this.fit(this.num(d - 1), CAP);
    switch (fn) {
      case "atan2": {
        const y = arg();
        const x = arg();
        // Away from the origin (where atan2 is singular): x > 0 keeps off the branch cut too; y > 0
        // with x of either sign sweeps the upper half-plane.
        return rng.chance(0.5)
          ? { e: math("atan2", y.e, pos(1.5, this.fit(x, 2).e)), b: 1.6 }
          : { e: math("atan2", offset(1.5, "sin", this.fit(y, 2).e), x.e), b: 3.15 };
      }
      case "pow":
        return this.power(d, false);
      case "hypot": {
        // Away from the origin, where hypot is not differentiable: one argument stays away from 0.
        const n = rng.int(1, 3);
        const args = Array.from({ length: n }, arg);
        const k = rng.int(0, n - 1);
        args[k] = rng.chance(0.4) && n > 1 ? { e: frozen(lit(rng.pick([1, 0.5, -2]))), b: 2 } : { e: pos(0.5, this.fit(args[k], 2).e), b: 4.5 };
        return { e: math("hypot", ...args.map((a) => a.e)), b: args.reduce((s, a) => s + a.b, 0) };
      }
      case "min":
      case "max": {
        const args = Array.from({ length: rng.weighted([[2, 4], [3, 1], [1, 0.3]] as const) }, arg);
        return { e: math(fn, ...args.map((a) => a.e)), b: Math.max(...args.map((a) => a.b)) };
      }
    }
  }

  /** A boolean expression. */
  bool(d: number): Expr {
    const rng = this.rng;
    const bools = this.readable("bool");
    const ints = this.vars((v) => v.ty === "num" && v.int !== undefined);
    const choice = rng.weighted([
      ["cmp", 6],
      ["var", bools.length > 0 ? 2 : 0],
      ["int", ints.length > 0 ? 1 : 0],
      ["not", d > 0 ? 0.6 : 0],
      ["and", d > 0 ? 1 : 0],
      ["or", d > 0 ? 0.8 : 0],
      ["intCmp", this.vars((v) => v.ty === "u8" || v.ty === "i32").length > 0 ? 1 : 0],
    ] as const);
    switch (choice) {
      case "intCmp": {
        // `mask[i] === 0`, `labels[j] > 2`: conditions on data without derivatives.
        const a = rng.pick(this.vars((v) => v.ty === "u8" || v.ty === "i32"));
        const load: Expr = { k: "load", arr: a.name, index: this.index(a.name) };
        const c = a.ty === "u8" ? bin(rng.pick(["===", "!=="] as const), load, lit(rng.int(0, 1))) : bin(rng.pick(["<", ">", "==="] as const), load, lit(rng.int(0, 7)));
        // TypeScript narrows an element at a literal index (`m[3]` after `m[3] === 1`): then
        // `m[3] === 0` has "no overlap". Such an element is compared by < or > instead.
        const key = narrowKey(load);
        if (c.k === "bin" && c.b.k === "lit" && key && (c.op === "===" || c.op === "!==") && this.narrowed.has(key) && this.narrowed.get(key) !== c.b.v) c.op = c.op === "===" ? "<" : ">";
        return c;
      }
      case "cmp": {
        const op = rng.pick(["<", "<=", ">", ">="] as const);
        const a = this.num(Math.max(0, d - 1)).e;
        const b = rng.chance(0.5) ? this.num(Math.max(0, d - 1)).e : lit(rng.pick([0, 0.5, -0.5, 1, 0.2]));
        return bin(op, a, b);
      }
      case "var":
        return ref(rng.pick(bools).name, "bool");
      case "int": {
        const v = rng.pick(ints);
        const { lo, hi } = v.int!;
        if (rng.chance(0.4)) return bin(rng.pick(["===", "!=="] as const), bin("%", ref(v.name), lit(2)), lit(rng.int(0, 1)));
        let op = rng.pick(["===", "!==", "<", ">"] as const);
        const c = rng.int(lo, Math.max(lo, hi));
        const pinned = this.narrowed.get(v.name);
        if (pinned !== undefined && pinned !== c && (op === "===" || op === "!==")) op = op === "===" ? "<" : ">";
        return bin(op, ref(v.name), lit(c));
      }
      case "not":
        return { k: "not", a: this.bool(d - 1) };
      case "and": {
        const a = this.bool(d - 1);
        return bin("&&", a, this.assuming(a, true, () => this.bool(d - 1)));
      }
      case "or": {
        const a = this.bool(d - 1);
        return bin("||", a, this.assuming(a, false, () => this.bool(d - 1)));
      }
    }
  }

  /** What `c` being `truth` pins integer variables to (see `narrowed`). */
  private pins(c: Expr, truth: boolean): [string, number][] {
    if (c.k === "not") return this.pins(c.a, !truth);
    if (c.k !== "bin") return [];
    const key = narrowKey(c.a);
    if ((c.op === "===" || c.op === "!==") && key && c.b.k === "lit") return (c.op === "===") === truth ? [[key, c.b.v]] : [];
    if (c.op === "&&" && truth) return [...this.pins(c.a, true), ...this.pins(c.b, true)];
    if (c.op === "||" && !truth) return [...this.pins(c.a, false), ...this.pins(c.b, false)];
    return [];
  }

  /** Generates with `c` known to be `truth` (a branch, the right operand of && or ||). */
  private assuming<T>(c: Expr, truth: boolean, body: () => T): T {
    return this.pinned(this.pins(c, truth), body);
  }

  private pinned<T>(pins: [string, number][], body: () => T): T {
    const saved = this.narrowed;
    this.narrowed = new Map([...saved, ...pins]);
    try {
      return body();
    } finally {
      this.narrowed = saved;
    }
  }

  /** The pins that hold after `stmts` from their early exits (`if (i !== 1) continue;`). */
  private exitPins(stmts: Stmt[]): [string, number][] {
    return stmts.flatMap((s) => {
      const last = s.k === "if" && !s.else ? s.then[s.then.length - 1] : undefined;
      return s.k === "if" && last && (last.k === "break" || last.k === "continue" || last.k === "return") ? this.pins(s.cond, false) : [];
    });
  }

  /** The function's final value: a combination of several live variables. */
  private finalValue(): Val {
    const rng = this.rng;
    // The most recently written variables, and a few others.
    const nums = this.readable("num").filter((v) => !v.int && !v.gated);
    nums.sort((a, b) => (this.recency.get(b.name) ?? 0) - (this.recency.get(a.name) ?? 0));
    const recent = nums.slice(0, 3);
    const others = rng.shuffle(nums.slice(3)).slice(0, rng.int(0, 3));
    const terms: Val[] = [...recent, ...others].map((v) => ({ e: ref(v.name), b: v.bound }));
    const arrays = this.readable("arr");
    if (arrays.length > 0 && rng.chance(0.5)) {
      const a = rng.pick(arrays);
      terms.push({ e: { k: "load", arr: a.name, index: lit(rng.int(0, this.prog.arrLen - 1)) }, b: a.bound });
    }
    if (terms.length === 0 || rng.chance(0.3)) terms.push(this.num(2));
    let acc = terms[0];
    for (const t of terms.slice(1)) {
      const op = rng.pick(["+", "-", "*", "+"] as const);
      if (op === "*") {
        const a = this.fit(acc, 4);
        const b = this.fit(t, 4);
        acc = { e: bin("*", a.e, b.e), b: a.b * b.b };
      } else {
        acc = { e: bin(op, acc.e, t.e), b: acc.b + t.b };
      }
    }
    return this.fit(acc, 4 * CAP);
  }

  // ── Statements ──────────────────────────────────────────────────────────────────────────────

  private block(ctx: Ctx, n: number, allowShadow = true): Stmt[] {
    // Pins from early exits in this block (`if (i !== 1) continue;`) end with it.
    const narrowed = this.narrowed;
    try {
      return this.blockStatements(ctx, n, allowShadow);
    } finally {
      this.narrowed = narrowed;
    }
  }

  private blockStatements(ctx: Ctx, n: number, allowShadow: boolean): Stmt[] {
    const out: Stmt[] = [];
    // Now and then an inner block starts by shadowing an outer local (first, so that nothing in
    // the block reads the name before its declaration).
    if (allowShadow && ctx.depth > 0 && this.rng.chance(0.12)) {
      const shadowed = this.shadowDeclaration();
      if (shadowed) out.push(shadowed);
    }
    for (let i = 0; i < n && this.budget > 0; i++) {
      this.budget--;
      out.push(...this.statement(ctx));
    }
    return out;
  }

  private statement(ctx: Ctx): Stmt[] {
    const rng = this.rng;
    const assignableNums = this.vars((v) => v.ty === "num" && v.assignable);
    const writableArrays = this.vars((v) => v.ty === "arr" && !!v.writable);
    const boolLets = this.vars((v) => v.ty === "bool" && !!v.boolLet);
    const writers = this.helpers.filter((h) => h.writes && this.canCall(h));
    const vecArrays = this.vecHelpers.filter((h) => h.ret !== "obj" && this.canCallVec(h));
    const vecObjects = this.vecHelpers.filter((h) => h.ret === "obj" && this.canCallVec(h));
    const kind = rng.weighted([
      ["declNum", ctx.depth === 0 ? 4 : 1.5],
      ["declBool", 0.6],
      ["declArr", ctx.depth <= 2 ? 0.8 : 0],
      ["assign", assignableNums.length > 0 ? 3 : 0],
      ["assignBool", boolLets.length > 0 ? 0.4 : 0],
      ["elem", writableArrays.length > 0 ? 3 : 0],
      ["if", ctx.depth < 3 ? 2 : 0],
      ["switch", ctx.depth < 3 ? 0.6 : 0],
      ["loop", ctx.loops < 2 && ctx.depth < 3 ? 2.5 : 0],
      ["helper", writers.length > 0 ? 1 : 0],
      ["declObj", 0.5],
      ["setObj", this.objects().some((o) => o.isLet) ? 1 : 0],
      ["destruct", this.objects().length > 0 ? 0.6 : 0],
      ["exit", ctx.loops > 0 ? 1.3 : 0],
      ["earlyReturn", !this.canReturn() ? 0 : ctx.loops === 0 && ctx.depth > 0 ? 0.3 : ctx.loops === 0 ? 0.15 : 0],
      // Helpers returning arrays and objects, integer typed array locals (the fourth stream's constructs).
      ["vecDecl", vecArrays.length > 0 ? 1.6 : 0],
      ["vecObject", vecObjects.length > 0 ? 1.4 : 0],
      ["vecLoop", vecArrays.length > 0 && ctx.loops < 2 && ctx.depth < 3 ? 0.8 : 0],
      ["intArray", this.extras.intLocals ? 0.9 : 0],
    ] as const);
    switch (kind) {
      case "declNum":
        return [this.declNum()];
      case "declBool": {
        const name = this.fresh("c");
        const isLet = rng.chance(0.4);
        const init = this.bool(2);
        this.declare({ name, ty: "bool", bound: 1, assignable: false, boolLet: isLet });
        // A boolean `const` initialised with a literal would get a literal type; always annotate literals.
        return [{ k: "decl", kw: isLet ? "let" : "const", name, ty: "bool", init, annotate: init.k === "blit" || rng.chance(0.3) }];
      }
      case "declArr":
        return this.declArr(ctx);
      case "assign":
        return this.assignNum(rng.pick(assignableNums));
      case "assignBool": {
        const v = rng.pick(boolLets);
        const value = rng.chance(0.5) ? ({ k: "not", a: ref(v.name, "bool") } as Expr) : this.bool(2);
        return [{ k: "assign", target: { k: "var", name: v.name }, op: "=", value }];
      }
      case "elem": {
        // A Float32Array parameter is written more often than its share (its stores round).
        const f32 = writableArrays.filter((a) => a.f32);
        const a = f32.length > 0 && rng.chance(0.4) ? f32[0] : rng.pick(writableArrays);
        return this.updateElement(a);
      }
      case "if":
        return [this.ifStatement(ctx)];
      case "switch":
        return [this.switchStatement(ctx)];
      case "loop":
        return this.loop(ctx);
      case "helper": {
        const h = rng.pick(writers);
        return [{ k: "expr", e: this.call(h, 1) }];
      }
      case "declObj":
        return [this.declObject()];
      case "setObj":
        return [this.setObject(rng.pick(this.objects().filter((o) => o.isLet)))];
      case "destruct":
        return [this.destructure(rng.pick(this.objects()))];
      case "exit":
        return [this.exit(ctx)];
      case "earlyReturn": {
        const cond = this.condition(2);
        const value = this.assuming(cond, true, () => (this.extras.ret ? this.arrayValue() : this.fit(this.num(2), CAP).e));
        this.afterExit(cond);
        return [{ k: "if", cond, then: [{ k: "return", value }], else: null, compact: rng.chance(0.5) }];
      }
      case "vecDecl":
        return this.vectorDecl(rng.pick(vecArrays));
      case "vecObject":
        return this.vectorObject(rng.pick(vecObjects));
      case "vecLoop":
        return this.vectorLoop(ctx, rng.pick(vecArrays));
      case "intArray": {
        const locals = this.vars((v) => (v.ty === "i32" || v.ty === "u8") && !v.param);
        if (ctx.loops < 2 && locals.length < 3 && (locals.length === 0 || rng.chance(0.35))) return this.intArrayDecl();
        return locals.length > 0 ? this.intArrayWrite(rng.pick(locals)) : [this.declNum()];
      }
    }
  }

  // ── Helpers returning arrays and objects ────────────────────────────────────────────────────

  /** `const r3 = h(x, a);`: a new array (a number[] for a number[] result), read and written like a local. */
  private vectorDecl(h: HelperSig): Stmt[] {
    const name = this.fresh("r");
    const call = this.vecCall(h);
    const v: VarInfo = { name, ty: "arr", bound: CAP, assignable: false, writable: true, literal: h.ret === "list" };
    this.declare(v);
    const decl: Stmt = { k: "decl", kw: "const", name, ty: "arr", init: call, annotate: h.ret === "f64" && this.rng.chance(0.2) };
    // The result is the caller's own array: written now and then right away.
    return this.rng.chance(0.35) ? [decl, ...this.updateElement(v)] : [decl];
  }

  /**
   * `const o3 = h(x)` (its fields variables `o3.s`, `o3.v`, `o3.inner.c`, numbers assignable,
   * arrays writable) or `const { s: t4, v: v5 } = h(x)` (some of its number and array fields).
   */
  private vectorObject(h: HelperSig): Stmt[] {
    const rng = this.rng;
    const fields = h.retShape?.fields ?? [];
    const call = this.vecCall(h);
    const top = fields.filter((f) => f.ty !== "obj");
    if (top.length > 0 && rng.chance(0.4)) {
      const isLet = rng.chance(0.3);
      const binds = top
        .filter((_, k) => k === 0 || rng.chance(0.7))
        .map((f) => {
          const name = this.fresh(f.ty === "num" ? "t" : "v");
          this.declare(f.ty === "num" ? { name, ty: "num", bound: CAP, assignable: isLet } : { name, ty: "arr", bound: CAP, assignable: false, writable: true });
          return { key: f.key, name };
        });
      return [{ k: "destruct", kw: isLet ? "let" : "const", obj: "", binds, init: call }];
    }
    const name = this.fresh("o");
    for (const l of objectLeaves(name, fields)) {
      if (l.ty === "num") this.declare({ name: l.name, ty: "num", bound: CAP, assignable: true, owner: name });
      if (l.ty === "arr") this.declare({ name: l.name, ty: "arr", bound: CAP, assignable: false, writable: true, owner: name });
    }
    return [{ k: "decl", kw: "const", name, ty: "obj", init: call }];
  }

  /**
   * A loop calling `h` once per iteration, each result a new array `r`: numbers fed back into the
   * next call (`let u = …` before the loop, `u = 0.5 * r[k] + …` after the call, as in
   * `rotations`), perhaps an array too (passed in, then updated from r).
   */
  private vectorLoop(ctx: Ctx, h: HelperSig): Stmt[] {
    const rng = this.rng;
    const n = rng.int(1, 4);
    const pre: Stmt[] = [];
    const fixed = new Map<number, Expr>();
    const feeds: VarInfo[] = [];
    const numbers = h.params.flatMap((p, k) => (p.ty === "num" ? [k] : []));
    for (const k of rng.shuffle(numbers).slice(0, rng.int(1, Math.min(2, numbers.length)))) {
      const name = this.fresh("u");
      pre.push({ k: "decl", kw: "let", name, ty: "num", init: this.fit(this.num(1), CAP).e });
      feeds.push({ name, ty: "num", bound: CAP, assignable: true });
      fixed.set(k, ref(name));
    }
    const arrayAt = h.params.findIndex((p) => p.ty === "arr");
    const states = this.arrayArgs(true);
    const state = arrayAt >= 0 && states.length > 0 && rng.chance(0.5) ? rng.pick(states) : undefined;
    if (state) fixed.set(arrayAt, ref(state.name, "arr"));
    feeds.forEach((v) => this.declare(v));
    const i = this.loopVar();
    const iv: VarInfo = { name: i, ty: "num", bound: n - 1, assignable: false, int: { lo: 0, hi: n - 1 } };
    const r = this.fresh("r");
    this.loopWrites.push(new Set());
    try {
      const body = this.withScope([iv], (): Stmt[] => {
        if (state) this.noteWrite(state.name);
        const call = this.vecCall(h, fixed);
        this.declare({ name: r, ty: "arr", bound: CAP, assignable: false, writable: true, literal: h.ret === "list" });
        const out: Stmt[] = [{ k: "decl", kw: "const", name: r, ty: "arr", init: call }];
        for (const u of feeds) {
          this.touch(u.name);
          const value = bin("+", bin("*", lit(0.5), { k: "load", arr: r, index: this.index(r) }), bin("*", lit(0.5), this.fit(this.num(1), CAP).e));
          out.push({ k: "assign", target: { k: "var", name: u.name }, op: "=", value });
        }
        if (state) {
          const index = this.index(state.name);
          const value = bin("+", bin("*", lit(0.5), { k: "load", arr: state.name, index: structuredClone(index) }), bin("*", lit(0.5), math("tanh", { k: "load", arr: r, index: this.index(r) })));
          out.push({ k: "assign", target: { k: "elem", arr: state.name, index }, op: "=", value });
        }
        if (rng.chance(0.5)) out.push(...this.block({ loops: ctx.loops + 1, depth: ctx.depth + 1 }, rng.int(1, 2), false));
        return out;
      });
      return [...pre, { k: "for", v: i, init: lit(0), cmp: "<", limit: lit(n), update: "++", body }];
    } finally {
      this.loopWrites.pop();
    }
  }

  /** f's call of a helper returning an array or object when it made none, its result read at once. */
  private vectorUse(ctx: Ctx): Stmt[] {
    const rng = this.rng;
    const pre: Stmt[] = [];
    if (!this.vecHelpers.some((h) => this.canCallVec(h))) {
      // No Float64Array to pass: a local one, filled from the numbers.
      const made = this.filledArray(CAP);
      pre.push(...made.stmts);
      this.declare({ name: made.name, ty: "arr", bound: CAP, assignable: false, writable: true });
    }
    const h = rng.pick(this.vecHelpers.filter((g) => this.canCallVec(g)));
    if (h.ret === "obj") return [...pre, ...this.vectorObject(h)];
    if (ctx.loops === 0 && rng.chance(0.3)) return [...pre, ...this.vectorLoop(ctx, h)];
    const decl = this.vectorDecl(h);
    const r = (decl[0] as Stmt & { k: "decl" }).name;
    const name = this.fresh("t");
    const value = this.fit({ e: bin("+", { k: "load", arr: r, index: this.index(r) }, bin("*", lit(0.5), { k: "load", arr: r, index: this.index(r) })), b: 1.5 * CAP }, CAP);
    this.declare({ name, ty: "num", bound: value.b, assignable: false });
    return [...pre, ...decl, { k: "decl", kw: "const", name, ty: "num", init: value.e }];
  }

  // ── Integer typed array locals (f only) ─────────────────────────────────────────────────────

  /**
   * `const ix3 = new Int32Array(n)` filled with labels 0–7 computed from data (floor, a store that
   * truncates, %, 2³² + k that wraps to k), or `const m4 = new Uint8Array(n)` with mask bits
   * (`c ? 1 : 0`, 256 + bit wrapping, 1.9·|tanh e| truncated). Their guards are frozen, so the
   * minimiser keeps labels non-negative (they index as `a[ix3[i] % a.length]`) and bits 0 or 1.
   */
  private intArrayDecl(): Stmt[] {
    const rng = this.rng;
    const L = this.prog.arrLen;
    const mask = rng.chance(0.4);
    const ty = mask ? ("u8" as const) : ("i32" as const);
    const name = this.fresh(mask ? "m" : "ix");
    const arrays = this.readable("arr");
    const size: Expr = arrays.length > 0 && rng.chance(0.5) ? { k: "len", arr: rng.pick(arrays).name } : lit(L);
    const i = this.loopVar();
    const iv: VarInfo = { name: i, ty: "num", bound: L, assignable: false, int: { lo: 0, hi: L - 1 } };
    const value = this.inLoop(name, () => this.withScope([iv], () => this.withoutSideEffects(() => (mask ? this.maskValue(i) : this.labelValue(i)))));
    this.declare({ name, ty, bound: mask ? 1 : 7, assignable: false });
    return [
      { k: "decl", kw: "const", name, ty, init: { k: "newarr", size, ty }, annotate: rng.chance(0.2) },
      { k: "for", v: i, init: lit(0), cmp: "<", limit: { k: "len", arr: name }, update: "++", body: [{ k: "assign", target: { k: "elem", arr: name, index: ref(i) }, op: "=", value }] },
    ];
  }

  /** An element write of an integer array local: a new label or bit, or a step (`(ix[k] + 1) % 8`, `1 - m[k]`). */
  private intArrayWrite(a: VarInfo): Stmt[] {
    const rng = this.rng;
    const index = this.index(a.name);
    const current: Expr = { k: "load", arr: a.name, index: structuredClone(index) };
    const value = this.withoutSideEffects(() =>
      a.ty === "u8"
        ? rng.chance(0.5) ? frozenTree(bin("-", lit(1), current)) : this.maskValue(undefined)
        : rng.chance(0.4) ? frozenTree(bin("%", bin("+", current, lit(rng.int(1, 3))), lit(8))) : this.labelValue(undefined),
    );
    return [{ k: "assign", target: { k: "elem", arr: a.name, index }, op: "=", value }];
  }

  /** A label 0–7 as the Int32Array stores it (`i`: the fill loop's counter, if any). */
  private labelValue(i: string | undefined): Expr {
    const rng = this.rng;
    const x = this.fit(this.num(2), CAP).e;
    switch (rng.weighted([["floor", 3], ["truncated", 3], ["mod", 2], ["wrapped", 1], ["counter", i ? 1 : 0]] as const)) {
      case "floor":
        return frozenTree(math("floor", bin("*", lit(1.3), math("abs", x))), x);
      case "truncated":
        // Stored as its integer part.
        return frozenTree(bin("*", math("abs", x), lit(1.2)), x);
      case "mod":
        return frozenTree(bin("%", math("abs", bin("*", lit(3), x)), lit(rng.pick([5, 7, 8]))), x);
      case "wrapped":
        // 2³² + k: an Int32Array stores k.
        return frozenTree(bin("+", lit(4294967296), math("floor", bin("*", lit(1.2), math("abs", x)))), x);
      case "counter":
        return frozenTree(bin("%", bin("+", bin("*", ref(i!), lit(3)), lit(1)), lit(this.prog.arrLen)));
    }
  }

  /** A mask bit 0 or 1 as the Uint8Array stores it. */
  private maskValue(i: string | undefined): Expr {
    const rng = this.rng;
    switch (rng.weighted([["cmp", 3], ["wrapped", 1.5], ["truncated", 2], ["parity", i ? 1 : 0]] as const)) {
      case "cmp": {
        const c = this.bool(1);
        return frozenTree({ k: "cond", c, a: lit(1), b: lit(0) }, c);
      }
      case "wrapped": {
        // 256 + bit: a Uint8Array stores the bit.
        const c = this.bool(1);
        return frozenTree(bin("+", lit(256), { k: "cond", c, a: lit(1), b: lit(0) }), c);
      }
      case "truncated": {
        const x = this.fit(this.num(2), CAP).e;
        return frozenTree(bin("*", lit(1.9), math("abs", math("tanh", x))), x);
      }
      case "parity":
        return frozenTree(bin("%", bin("+", ref(i!), lit(rng.int(0, 1))), lit(2)));
    }
  }

  // ── Objects: their fields are number variables named `o1.a` ─────────────────────────────────

  /** The local objects in scope. */
  private objects(): ObjectInfo[] {
    return [...new Set(this.vars((v) => !!v.object).map((v) => v.object!))];
  }

  /** `const o1 = { a: …, b: … }`. */
  private declObject(): Stmt {
    const rng = this.rng;
    const name = this.fresh("o");
    const keys = ["a", "b", "c"].slice(0, rng.int(1, 3));
    const fields = keys.map((key) => ({ key, init: this.fit(this.num(2), CAP).e }));
    const object: ObjectInfo = { name, keys, isLet: rng.chance(0.5) };
    for (const key of keys) this.declare({ name: `${name}.${key}`, ty: "num", bound: CAP, assignable: true, object });
    return { k: "objdecl", kw: object.isLet ? "let" : "const", name, fields };
  }

  /** `o1 = { ...o1, b: … }`, or every field anew: `o1 = { a: …, b: … }`. */
  private setObject(object: ObjectInfo): Stmt {
    const rng = this.rng;
    const spread = rng.chance(0.6);
    const keys = spread ? object.keys.filter(() => rng.chance(0.6)) : object.keys;
    const fields = keys.map((key) => ({ key, init: this.fit(this.num(2), CAP).e }));
    for (const key of keys) this.touch(`${object.name}.${key}`);
    return { k: "objset", name: object.name, spread, fields };
  }

  /** `const { a: t3, c: t4 } = o1`: copies of the fields. */
  private destructure(object: ObjectInfo): Stmt {
    const isLet = this.rng.chance(0.4);
    const keys = object.keys.filter((_, i) => i === 0 || this.rng.chance(0.6));
    const binds = keys.map((key) => {
      const name = this.fresh("t");
      this.declare({ name, ty: "num", bound: CAP, assignable: isLet });
      return { key, name };
    });
    return { k: "destruct", kw: isLet ? "let" : "const", obj: object.name, binds };
  }

  /** `let t3 = …` in an inner block, hiding an outer local `t3` (never a parameter). */
  private shadowDeclaration(): Stmt | undefined {
    const inner = new Set(this.scopes[this.scopes.length - 1].map((v) => v.name));
    const outer = this.vars((v) => v.ty === "num" && !v.int && !v.param && /^[tsp]\d+$/.test(v.name) && !inner.has(v.name));
    if (outer.length === 0) return undefined;
    const name = this.rng.pick(outer).name;
    let v = this.fit(this.num(2), CAP);
    let reads = false;
    forEachExpr([{ k: "expr", e: v.e }], (e) => (reads ||= usedName(e) === name));
    // The initialiser may not use the name it declares (it would be the new, uninitialised one).
    if (reads) v = { e: lit(0.75), b: 0.75 };
    const isLet = this.rng.chance(0.6);
    this.declare({ name, ty: "num", bound: isLet ? CAP : v.b, assignable: isLet });
    return { k: "decl", kw: isLet ? "let" : "const", name, ty: "num", init: v.e, annotate: this.rng.chance(0.2) };
  }

  private declNum(): Stmt {
    const rng = this.rng;
    const isLet = rng.chance(0.5);
    const name = this.fresh("t");
    const writers = this.helpers.filter((h) => h.writes && this.canCall(h));
    let v: Val;
    if (writers.length > 0 && rng.chance(0.15)) {
      // A helper that writes into its array argument, called as the whole initialiser.
      v = { e: this.call(rng.pick(writers), 1), b: CAP };
    } else {
      v = this.fit(this.num(rng.int(1, 3)), CAP);
    }
    this.declare({ name, ty: "num", bound: isLet ? CAP : v.b, assignable: isLet });
    return { k: "decl", kw: isLet ? "let" : "const", name, ty: "num", init: v.e, annotate: v.e.k === "lit" || rng.chance(0.2) };
  }

  private declArr(ctx: Ctx): Stmt[] {
    const rng = this.rng;
    const name = this.fresh("v");
    const arrays = this.readable("arr");
    const size: Expr = arrays.length > 0 && rng.chance(0.7) ? { k: "len", arr: rng.pick(arrays).name } : lit(this.prog.arrLen);
    if (rng.chance(0.25)) {
      // An array literal of the program's length.
      const items = Array.from({ length: this.prog.arrLen }, () => this.fit(this.num(1), CAP).e);
      // A number[]: never annotated Float64Array nor handed to a helper's Float64Array parameter.
      this.declare({ name, ty: "arr", bound: CAP, assignable: false, writable: true, literal: true });
      return [{ k: "decl", kw: "const", name, ty: "arr", init: { k: "arrlit", items }, annotate: false }];
    }
    const decl: Stmt = { k: "decl", kw: "const", name, ty: "arr", init: { k: "newarr", size }, annotate: rng.chance(0.2) };
    this.declare({ name, ty: "arr", bound: CAP, assignable: false, writable: true });
    if (!rng.chance(0.8)) return [decl];
    // Fill it in a loop from existing values.
    const i = this.loopVar();
    // The fill loop writes the array: no recursion over it inside, nor in an enclosing loop (gradc
    // refuses it even for an array each iteration allocates anew: see fuzz/README.md).
    this.noteWrite(name);
    this.loopWrites.push(new Set([name]));
    let body: Stmt[];
    try {
      body = this.withScope([{ name: i, ty: "num", bound: this.prog.arrLen, assignable: false, int: { lo: 0, hi: this.prog.arrLen - 1 } }], () => {
        const value = this.fit(this.num(2), CAP).e;
        const stmts: Stmt[] = [{ k: "assign", target: { k: "elem", arr: name, index: ref(i) }, op: "=", value }];
        // (No shadowing here: the assignment above comes first and may read the name.)
        if (rng.chance(0.3)) stmts.push(...this.block({ loops: ctx.loops + 1, depth: ctx.depth + 1 }, 1, false));
        return stmts;
      });
    } finally {
      this.loopWrites.pop();
    }
    return [decl, { k: "for", v: i, init: lit(0), cmp: "<", limit: { k: "len", arr: name }, update: "++", body }];
  }

  /** A contracting update of a number variable: its bound stays at most CAP. */
  private assignNum(v: VarInfo): Stmt[] {
    this.touch(v.name);
    const target: LValue = { k: "var", name: v.name };
    return this.contractingUpdate(target, ref(v.name));
  }

  private updateElement(a: VarInfo): Stmt[] {
    // The value holds no recursion over arrays (it might pass `a`, written right after).
    this.noteWrite(a.name);
    this.noRec++;
    try {
      return this.updateElementValue(a);
    } finally {
      this.noRec--;
    }
  }

  private updateElementValue(a: VarInfo): Stmt[] {
    const rng = this.rng;
    const index = this.index(a.name);
    const target: LValue = { k: "elem", arr: a.name, index };
    const current: Expr = { k: "load", arr: a.name, index: structuredClone(index) };
    if (rng.chance(0.3)) {
      // The in-place recurrence y[i] = y[i] * g(y[i - 1]) + … when a neighbour index exists.
      const neighbour: Expr = { k: "load", arr: a.name, index: this.index(a.name) };
      const helpers = this.helpers.filter((h) => !h.writes && h.params.filter((p) => p.ty === "num").length >= 1 && this.canCall(h));
      let g: Expr;
      if (helpers.length > 0 && rng.chance(0.4)) {
        const h = rng.pick(helpers);
        const call = this.call(h, 0);
        const k = h.params.findIndex((p) => p.ty === "num");
        (call as any).args[k] = neighbour;
        g = bin("*", lit(0.1), call);
      } else {
        g = bin("*", lit(0.5), math(rng.pick(["tanh", "sin", "cos"]), neighbour));
      }
      const add = this.fit(this.num(2), CAP / 2).e;
      return [{ k: "assign", target, op: "=", value: bin("+", bin("*", current, g), add) }];
    }
    return this.contractingUpdate(target, current);
  }

  private contractingUpdate(target: LValue, current: Expr): Stmt[] {
    const rng = this.rng;
    const t = () => structuredClone(target);
    const cur = () => structuredClone(current);
    const half = (): Stmt => ({ k: "assign", target: t(), op: "*=", value: lit(0.5) });
    switch (rng.weighted([["set", 3], ["affine", 2], ["pairAdd", 3], ["div", 1], ["mulBounded", 1], ["pairIncDec", 0.6], ["mod", 0.3], ["powPair", 0.4], ["minmax", 0.7]] as const)) {
      case "set":
        return [{ k: "assign", target: t(), op: "=", value: this.fit(this.num(rng.int(1, 3)), CAP).e }];
      case "affine": {
        const g = bin("*", lit(0.5), math(rng.pick(["tanh", "sin", "cos"]), this.fit(this.num(1), CAP).e));
        return [{ k: "assign", target: t(), op: "=", value: bin("+", bin("*", cur(), g), this.fit(this.num(2), CAP / 2).e) }];
      }
      case "pairAdd":
        return [half(), { k: "assign", target: t(), op: rng.pick(["+=", "-="] as const), value: this.fit(this.num(2), CAP / 2).e }];
      case "div": {
        const q = this.fit(this.num(1), 2).e;
        return [{ k: "assign", target: t(), op: "/=", value: pos(1.5, q) }];
      }
      case "mulBounded":
        return [{ k: "assign", target: t(), op: "*=", value: rng.chance(0.5) ? math(rng.pick(["cos", "tanh", "sin"]), this.fit(this.num(1), CAP).e) : lit(0.9) }];
      case "pairIncDec":
        return [half(), { k: "incdec", target: t(), op: rng.pick(["++", "--"] as const), prefix: rng.chance(0.3) }];
      case "mod":
        return [{ k: "assign", target: t(), op: "%=", value: lit(rng.pick([1.5, 2])) }];
      case "powPair":
        return [{ k: "assign", target: t(), op: "**=", value: frozen(lit(2)) }, { k: "assign", target: t(), op: "*=", value: lit(0.1) }];
      case "minmax":
        return [{ k: "assign", target: t(), op: "=", value: math(rng.pick(["min", "max"]), cur(), this.fit(this.num(1), CAP).e) }];
    }
  }

  private ifStatement(ctx: Ctx): Stmt {
    const rng = this.rng;
    const inner = { loops: ctx.loops, depth: ctx.depth + 1 };
    const cond = this.condition(2);
    const then = this.assuming(cond, true, () => this.withScope([], () => this.block(inner, rng.int(1, 3))));
    let elseBranch: Stmt[] | null = null;
    if (rng.chance(0.5)) {
      elseBranch = this.assuming(cond, false, () =>
        rng.chance(0.25) && ctx.depth < 2 ? [this.ifStatement(inner)] : this.withScope([], () => this.block(inner, rng.int(1, 3))),
      );
    }
    if (then.length === 0) then.push(this.assuming(cond, true, () => this.declNumScoped()));
    return { k: "if", cond, then, else: elseBranch, compact: rng.chance(0.5) };
  }

  /**
   * `switch` on an integer (a loop counter modulo 2–4, or ⌊2·tanh(…)⌋ ∈ {−2, …, 1}) with one to three cases and
   * perhaps a default anywhere among them; each clause breaks or falls through. Clause bodies hold
   * no break or continue of their own (one would leave the switch, not the loop around it).
   */
  private switchStatement(ctx: Ctx): Stmt {
    const rng = this.rng;
    const ints = this.vars((v) => v.ty === "num" && v.int !== undefined);
    // Never a bare variable: TypeScript narrows a switched-on variable to each case's literal and
    // then rejects comparisons of it (and nested switches on it) as unintentional.
    const disc: Expr =
      ints.length > 0 && rng.chance(0.6)
        ? bin("%", ref(rng.pick(ints).name), lit(rng.pick([2, 3, 4])))
        : frozen(math("floor", bin("*", lit(2), math("tanh", this.fit(this.num(1), CAP).e))));
    const values = rng.shuffle([-2, -1, 0, 1, 2, 3]).slice(0, rng.int(1, 3));
    const cases: { value: number | null; body: Stmt[]; brk: boolean }[] = values.map((value) => ({ value, body: [], brk: false }));
    if (rng.chance(0.6)) cases.splice(rng.int(0, cases.length), 0, { value: null, body: [], brk: false });
    const inner = { loops: 0, depth: ctx.depth + 1 };
    for (const c of cases) {
      c.body = this.withScope([], () => this.block(inner, rng.int(1, 2)));
      c.brk = rng.chance(0.7);
    }
    return { k: "switch", disc, cases };
  }

  private declNumScoped(): Stmt {
    return this.withScope([], () => this.declNum());
  }

  /** `if (cond) break;` and friends, inside a loop. */
  private exit(ctx: Ctx): Stmt {
    const rng = this.rng;
    const cond = this.bool(2);
    const kind = rng.weighted([["break", 3], ["continue", 2], ["return", this.canReturn() ? 1 : 0]] as const);
    const [last, before] = this.assuming(cond, true, (): [Stmt, Stmt[]] => [
      kind === "return" ? { k: "return", value: this.extras.ret ? this.arrayValue() : this.fit(this.num(2), CAP).e } : { k: kind },
      rng.chance(0.3) ? this.withScope([], () => this.block({ loops: ctx.loops, depth: ctx.depth + 1 }, 1)) : [],
    ]);
    // The returned value was made before the statements placed ahead of it: if one of them
    // declares (shadows) a name the value assigns (`const t2 = …; return (t2 = …);`, fuzz
    // 8800102/295), the value would assign the new — perhaps const — variable instead.
    if (last.k === "return") {
      const declared = new Set(before.flatMap((s) => (s.k === "decl" ? [s.name] : [])));
      let clash = false;
      forEachExpr([last], (e) => (clash ||= (e.k === "assignx" || e.k === "incx") && declared.has(e.target)));
      if (clash) last.value = this.extras.ret ? { k: "arrlit", items: Array.from({ length: this.prog.arrLen }, () => lit(0.5)) } : lit(0.5);
    }
    this.afterExit(cond);
    return { k: "if", cond, then: [...before, last], else: null, compact: before.length === 0 && rng.chance(0.6) };
  }

  /** After `if (cond) <exit>`, the rest of the block runs with `cond` false. */
  private afterExit(cond: Expr): void {
    this.narrowed = new Map([...this.narrowed, ...this.pins(cond, false)]);
  }

  private loopVar(): string {
    const taken = new Set(this.vars().map((v) => v.name));
    return ["i", "j", "l", "m", "r", "i2", "j2"].find((n) => !taken.has(n))!;
  }

  private loop(ctx: Ctx): Stmt[] {
    this.loopWrites.push(new Set());
    try {
      return this.loopStatements(ctx);
    } finally {
      this.loopWrites.pop();
    }
  }

  private loopStatements(ctx: Ctx): Stmt[] {
    const rng = this.rng;
    const L = this.prog.arrLen;
    const arrays = this.readable("arr");
    const pre: Stmt[] = [];
    const inner: Ctx = { loops: ctx.loops + 1, depth: ctx.depth + 1 };
    const kind = rng.weighted([
      ["forN", 2],
      ["forLen", arrays.length > 0 ? 3 : 0],
      ["forFrom1", arrays.length > 0 ? 1.5 : 0],
      ["forDown", arrays.length > 0 ? 1 : 0],
      ["forStep2", arrays.length > 0 ? 0.5 : 0],
      ["forData", 1],
      ["forLe", 0.5],
      ["forOf", arrays.length > 0 ? 1 : 0],
      ["while", 1.2],
      ["do", 0.8],
    ] as const);

    // Now and then a loop that overwrites an outer variable with a value carrying no derivative
    // (a constant, the loop counter, round/floor/sign…), beside an accumulator that is used after
    // the loop through a gate that may pass nothing back (a branch, a ReLU, a product with an
    // element that may be 0) — in a small body. Reverse mode may skip such a loop's backward pass
    // when the accumulator's adjoint is 0, and must still reset the overwritten variable's
    // adjoint there (fuzz 777/1008). Chosen from the side stream: see ProgramGen.sideRng.
    const targets = this.vars((v) => v.ty === "num" && v.assignable && !v.int);
    const overwrite = targets.length > 0 && this.prog.sideRng.chance(0.15) ? rng.pick(targets) : undefined;
    const bodySize = () => (overwrite ? rng.int(0, 1) : rng.int(1, 4));
    let accumulator: VarInfo | undefined;

    // An accumulator updated once per iteration (at the top level of the body): its bound is the trip count.
    const accumulate = overwrite !== undefined || rng.chance(0.55);
    const addAccumulator = (trips: number, body: Stmt[], loopScope: VarInfo[]): void => {
      if (overwrite) this.addOverwrite(overwrite, body, loopScope);
      if (!accumulate) return;
      const product = !overwrite && rng.chance(0.25);
      const name = this.fresh(product ? "p" : "s");
      pre.push({ k: "decl", kw: "let", name, ty: "num", init: lit(product ? 1 : 0) });
      /** `c · leaf`: a sum of these has an adjoint that needs no saved value, so the backward loop stays skippable. */
      const linear = (): Expr => {
        const leaf = this.leaf();
        const c = [0.5, 0.25, 0.2, 0.1, 0.05].find((c) => c * leaf.b <= 1) ?? 0.01;
        return bin("*", lit(c), leaf.e);
      };
      // The update's value is generated in the loop's scope (it may read the loop variable), and
      // with what the body's early exits imply (it may go last), without assignments inside it:
      // placed after a body that declares a name it uses, it would assign that new name.
      const update: Stmt = this.pinned(this.exitPins(body), () => this.withoutSideEffects(() => this.withScope(loopScope, (): Stmt =>
        product
          ? { k: "assign", target: { k: "var", name }, op: "*=", value: math(rng.pick(["cos", "tanh", "sin"]), this.fit(this.num(2), CAP).e) }
          : { k: "assign", target: { k: "var", name }, op: rng.pick(["+=", "+=", "-="] as const), value: overwrite && rng.chance(0.7) ? linear() : this.fit(this.num(2), 1).e },
      )));
      // First or last in the body; last when the body declares (shadows) a name the update reads,
      // which would otherwise be read before its declaration.
      const reads = new Set<string>();
      forEachExpr([update], (e) => {
        const used = usedName(e);
        if (used) reads.add(used);
      });
      const shadows = body.some((s) => s.k === "decl" && reads.has(s.name));
      if (shadows || (rng.chance(0.5) && body.length > 0 && body[0].k !== "incdec")) body.push(update);
      else body.splice(body[0]?.k === "incdec" ? 1 : 0, 0, update);
      accumulator = { name, ty: "num", bound: product ? 1 : trips, assignable: false };
      this.declare(accumulator);
    };
    /** The gate after an overwriting loop: its target reads the accumulator, or nothing of it. */
    const withGate = (stmts: Stmt[]): Stmt[] => (overwrite && accumulator ? [...stmts, this.gate(overwrite, accumulator)] : stmts);

    const forLoop = (v: string, init: Expr, cmp: "<" | ">=" | "<=", limit: Expr, update: "++" | "--" | "+=2", range: { lo: number; hi: number }, trips: number): Stmt[] => {
      const vInfo: VarInfo = { name: v, ty: "num", bound: Math.max(Math.abs(range.lo), Math.abs(range.hi)), assignable: false, int: range };
      const body = this.withScope([vInfo], () => this.block(inner, bodySize()));
      // The update reads the loop variable; generate it in the loop's scope.
      addAccumulator(trips, body, [vInfo]);
      if (body.length === 0) body.push(this.withScope([vInfo], () => this.declNumScoped()));
      return withGate([...pre, { k: "for", v, init, cmp, limit, update, body }]);
    };

    const anyArr = () => rng.pick(arrays).name;
    switch (kind) {
      case "forN": {
        const n = rng.int(1, 5);
        return forLoop(this.loopVar(), lit(0), "<", lit(n), "++", { lo: 0, hi: n - 1 }, n);
      }
      case "forLe": {
        const n = rng.int(0, 4);
        return forLoop(this.loopVar(), lit(0), "<=", lit(n), "++", { lo: 0, hi: n }, n + 1);
      }
      case "forOf": {
        // \`for (const e of a)\`: the element, a value rather than an index, stays within a's bound.
        const arr = anyArr();
        const name = this.fresh("e");
        const kw = rng.chance(0.7) ? ("const" as const) : ("let" as const);
        const bound = this.vars((v) => v.name === arr)[0]?.bound ?? CAP;
        const element: VarInfo = { name, ty: "num", bound: kw === "let" ? CAP : bound, assignable: kw === "let" };
        const body = this.withScope([element], () => this.block(inner, bodySize()));
        addAccumulator(L, body, [element]);
        return withGate([...pre, { k: "forof", v: name, kw, arr, body }]);
      }
      case "forLen":
        return forLoop(this.loopVar(), lit(0), "<", { k: "len", arr: anyArr() }, "++", { lo: 0, hi: L - 1 }, L);
      case "forFrom1":
        return forLoop(this.loopVar(), lit(1), "<", { k: "len", arr: anyArr() }, "++", { lo: 1, hi: L - 1 }, L - 1);
      case "forDown":
        return forLoop(this.loopVar(), bin("-", { k: "len", arr: anyArr() }, lit(1)), ">=", lit(0), "--", { lo: 0, hi: L - 1 }, L);
      case "forStep2":
        return forLoop(this.loopVar(), lit(0), "<", { k: "len", arr: anyArr() }, "+=2", { lo: 0, hi: L - 1 }, Math.ceil(L / 2));
      case "forData": {
        // A data-dependent trip count: an integer computed from the inputs.
        const name = this.fresh("n");
        const x = this.fit(this.num(2), CAP).e;
        const forms: [Expr, { lo: number; hi: number }][] = [
          [frozenTree(math("floor", bin("+", lit(1), bin("*", lit(3), math("abs", math("sin", x))))), x), { lo: 1, hi: 4 }],
          [frozenTree(math("round", bin("+", lit(2), math("tanh", x))), x), { lo: 1, hi: 3 }],
          [frozenTree(math("ceil", bin("*", lit(2), math("abs", math("tanh", x)))), x), { lo: 0, hi: 2 }],
        ];
        const [init, range] = rng.pick(forms);
        pre.push({ k: "decl", kw: "const", name, ty: "num", init });
        this.declare({ name, ty: "num", bound: range.hi, assignable: false, int: range });
        return forLoop(this.loopVar(), lit(0), "<", ref(name), "++", { lo: 0, hi: Math.max(0, range.hi - 1) }, range.hi);
      }
      case "while":
      case "do": {
        const n = rng.int(1, 5);
        const k = this.fresh("k");
        if (kind === "while" && rng.chance(0.3)) {
          // \`while (k--)\`: a condition with a side effect, tested for truthiness; k runs n−1 … 0.
          pre.push({ k: "decl", kw: "let", name: k, ty: "num", init: lit(n) });
          const counterInside: VarInfo = { name: k, ty: "num", bound: n, assignable: false, int: { lo: 0, hi: n - 1 } };
          const body = this.withScope([counterInside], () => this.block(inner, bodySize()));
          addAccumulator(n, body, [counterInside]);
          const cond = rng.chance(0.5) ? this.bool(1) : null;
          const guard: Expr = { k: "truthy", a: { k: "incx", target: k, op: "--", prefix: false } };
          this.declare({ name: k, ty: "num", bound: n, assignable: false, int: { lo: -1, hi: n - 1 } });
          return withGate([...pre, { k: kind, guard, cond, body }]);
        }
        pre.push({ k: "decl", kw: "let", name: k, ty: "num", init: lit(0) });
        const counterInside: VarInfo = { name: k, ty: "num", bound: n, assignable: false, int: { lo: 1, hi: n } };
        const increment: Stmt = { k: "incdec", target: { k: "var", name: k }, op: "++", prefix: rng.chance(0.3), pin: true };
        const body = this.withScope([counterInside], () => [increment, ...this.block(inner, bodySize())]);
        addAccumulator(n, body, [counterInside]);
        // The extra condition may read variables declared before the loop only.
        const cond = rng.chance(0.75) ? this.bool(1) : null;
        const guard = bin("<", ref(k), lit(n));
        this.declare({ name: k, ty: "num", bound: n, assignable: false, int: { lo: kind === "do" ? 1 : 0, hi: n } });
        return withGate([...pre, { k: kind, guard, cond, body }]);
      }
    }
  }

  /**
   * `v = <no derivative>` (sometimes under a condition on the loop variable) somewhere in a loop
   * body, for a variable `v` declared outside the loop: its adjoint must be reset where the
   * reverse sweep passes the overwrite.
   */
  private addOverwrite(target: VarInfo, body: Stmt[], loopScope: VarInfo[]): void {
    const rng = this.rng;
    // Names the body declares at its top level: the overwrite must neither target nor read them
    // (it would hit the inner variable, or read it before its declaration).
    const declared = new Set(body.flatMap((s) => (s.k === "decl" ? [s.name] : [])));
    if (declared.has(target.name)) return;
    const iv = loopScope[0];
    const arrays = this.readable("arr");
    // After the loop counter's increment (pinned first), anywhere else.
    const at = rng.int(body[0]?.k === "incdec" ? 1 : 0, body.length);
    let value = this.pinned(this.exitPins(body.slice(0, at)), () => this.withScope(loopScope, (): Expr => {
      switch (rng.weighted([["lit", 3], ["counter", 2], ["step", 2], ["len", arrays.length > 0 ? 0.5 : 0], ["cond", 1]] as const)) {
        case "lit":
          return lit(rng.pick([0.5, -0.5, 1.5, 0.25, 2, -1]));
        case "counter":
          return bin("*", lit(rng.pick([0.5, 0.25, -0.5])), ref(iv.name));
        case "step":
          // A step function of active values: its derivative is 0 (away from its jumps).
          return math(rng.pick(["round", "floor", "ceil", "trunc", "sign"]), this.fit(this.num(rng.int(0, 1)), CAP - 1).e);
        case "len":
          return bin("*", lit(0.25), { k: "len", arr: rng.pick(arrays).name });
        case "cond":
          return { k: "cond", c: this.bool(1), a: lit(rng.pick([0.5, 1, -0.25])), b: lit(rng.pick([-0.5, 0, 1.5])) };
      }
    }));
    let reads = false;
    forEachExpr([{ k: "expr", e: value }], (e) => {
      const used = e.k === "len" ? e.arr : usedName(e);
      reads ||= used !== undefined && declared.has(used);
    });
    if (reads) value = lit(0.5);
    const assign: Stmt = { k: "assign", target: { k: "var", name: target.name }, op: "=", value };
    const lo = iv.int?.lo ?? 0;
    const stmt: Stmt = rng.chance(0.35)
      ? { k: "if", cond: rng.chance(0.5) ? bin(">", ref(iv.name), lit(lo)) : bin("===", bin("%", ref(iv.name), lit(2)), lit(rng.int(0, 1))), then: [assign], else: null, compact: rng.chance(0.5) }
      : assign;
    body.splice(at, 0, stmt);
  }

  /**
   * After an overwriting loop: `target` takes in the accumulator through something that may pass
   * no derivative back at the point — a branch, a ReLU, a product with an element that may be 0.
   */
  private gate(target: VarInfo, acc: VarInfo): Stmt {
    const rng = this.rng;
    this.touch(target.name);
    // Read elsewhere, the accumulator would always pass a derivative back: keep it out of the
    // result and make later reads of it unlikely.
    acc.gated = true;
    this.recency.delete(acc.name);
    const v = ref(target.name);
    const s = this.fit({ e: ref(acc.name), b: acc.bound }, 2);
    const arrays = this.readable("arr");
    const kind = rng.weighted([["relu", 2], ["branch", 2], ["element", arrays.length > 0 ? 1.5 : 0]] as const);
    let value: Expr;
    if (kind === "relu") value = bin("+", bin("*", lit(0.5), v), bin("*", lit(0.25), math("max", lit(0), s.e)));
    else if (kind === "branch") value = bin("+", bin("*", lit(0.5), v), bin("*", lit(0.5), math("tanh", s.e)));
    else {
      const a = rng.pick(arrays);
      const element = this.fit({ e: { k: "load", arr: a.name, index: this.index(a.name) }, b: a.bound }, 2).e;
      value = bin("+", bin("*", lit(0.5), v), bin("*", lit(0.25), bin("*", s.e, element)));
    }
    const assign: Stmt = { k: "assign", target: { k: "var", name: target.name }, op: "=", value };
    return kind === "branch" || rng.chance(0.3) ? { k: "if", cond: this.bool(1), then: [assign], else: null, compact: rng.chance(0.5) } : assign;
  }
}

// ── Bad input: programs mutated outside the subset ─────────────────────────────────────────────

export interface BadInput {
  program: Program;
  /** Which construct was injected. */
  mutation: string;
}

interface Mutation {
  name: string;
  /** Statement text to inject into f, given a number variable and an array variable (if any). */
  stmt?: (x: string, a: string | undefined) => string;
  /** Top-level declarations to add. */
  top?: string[];
  /** Needs an array parameter. */
  needsArray?: boolean;
  /** Changes to f itself. */
  fn?: (f: Fn) => void;
  /** Added after bad inputs of a seed were first published: drawn from a stream of its own. */
  late?: boolean;
}

/** Constructs outside the differentiable subset, each of which must get a diagnostic. */
export const MUTATIONS: Mutation[] = [
  { name: "arrow closure", stmt: (x) => `const g = (t: number) => t * ${x};\nconst q = g(${x});` },
  { name: "function expression", stmt: (x) => `const g = function (t: number): number { return t + 1; };\nconst q = g(${x});` },
  { name: "closure in call", stmt: (x, a) => `const q = ${a}.map((v) => v * ${x});`, needsArray: true },
  { name: "reduce callback", stmt: (x, a) => `const q = ${a}.reduce((s, v) => s + v * ${x}, 0);`, needsArray: true },
  { name: "string concatenation", stmt: (x) => `const s = "abc" + ${x};` },
  { name: "string length", stmt: (x) => `const q = ${x} + "abc".length;` },
  { name: "template literal", stmt: (x) => "const s = `" + "${" + x + "}`;" },
  { name: "computed field name", stmt: (x) => `const o = { ["v"]: ${x} };\nconst q = ${x} * 2;` },
  { name: "object with getter", stmt: (x) => `const o = { get v() { return 1; } };\nconst q = ${x} * o.v;` },
  { name: "class declaration in function", stmt: () => `class C { v = 1; }` },
  { name: "class instance", top: ["class Box {\n  constructor(public v: number) {}\n  twice(): number { return 2 * this.v; }\n}"], stmt: (x) => `const q = new Box(${x}).twice();` },
  { name: "try/catch", stmt: (x) => `let q = 0;\ntry {\n  q = ${x} * 2;\n} catch (e) {\n  q = 1;\n}` },
  { name: "try/finally", stmt: (x) => `let q = 0;\ntry {\n  q = ${x};\n} finally {\n  q = q + 1;\n}` },
  { name: "throw", stmt: (x) => `if (${x} > 1000) throw new Error("too big");` },
  { name: "switch on an array", stmt: (_x, a) => `let q = 0;\nswitch (${a}) {\n  default:\n    q = 2;\n}`, needsArray: true },
  { name: "recursion writing its array", top: ["function rec(a: Float64Array, n: number): number {\n  a[0] = 0.5 * a[0];\n  return n <= 0 ? a[0] : rec(a, n - 1);\n}"], stmt: (x, a) => `const q = ${x} * rec(${a}, 3);`, needsArray: true },
  { name: "mutual recursion writing its array", top: ["function ping(a: Float64Array, n: number): number {\n  return n <= 0 ? 0 : pong(a, n - 1);\n}", "function pong(a: Float64Array, n: number): number {\n  a[0] = 0.5 * a[0];\n  return n <= 0 ? a[0] : ping(a, n - 1);\n}"], stmt: (x, a) => `const q = ${x} * ping(${a}, 3);`, needsArray: true },
  { name: "self recursion of f writing its array", stmt: (x) => `if (${x} > 1000) return f_self(${x});`, top: [], needsArray: true },
  { name: "number method call", stmt: (x) => `const q = Number(${x}.toFixed(2));` },
  { name: "array method call", stmt: (x, a) => `${a}.fill(${x});`, needsArray: true },
  { name: "array slice", stmt: (_x, a) => `const q = ${a}.slice(1);`, needsArray: true },
  { name: "array subarray", stmt: (_x, a) => `const q = ${a}.subarray(1);`, needsArray: true },
  { name: "Float64Array.from", stmt: (_x, a) => `const q = Float64Array.from(${a});`, needsArray: true },
  { name: "Math.random", stmt: (x) => `const q = ${x} * Math.random();` },
  { name: "Math.imul", stmt: (x) => `const q = Math.imul(${x}, 3);` },
  { name: "Math.clz32", stmt: (x) => `const q = Math.clz32(${x});` },
  { name: "Math without arguments", stmt: () => `const q = Math.max();` },
  { name: "Math as a value", stmt: () => `const m = Math;` },
  { name: "Math element access", stmt: (x) => `const q = Math["sin"](${x});` },
  { name: "console.log", stmt: (x) => `console.log(${x});` },
  { name: "Date.now", stmt: (x) => `const q = ${x} + Date.now();` },
  { name: "parseFloat", stmt: (x) => `const q = ${x} + parseFloat("1.5");` },
  { name: "spread into Math.max", stmt: (_x, a) => `const q = Math.max(...${a});`, needsArray: true },
  { name: "spread into array", stmt: (_x, a) => `const q = [...${a}];`, needsArray: true },
  { name: "optional element access", stmt: (_x, a) => `const q = ${a}?.[0];`, needsArray: true },
  { name: "optional property access", stmt: (_x, a) => `const q = ${a}?.length;`, needsArray: true },
  { name: "nullish coalescing", stmt: (x) => `const q = ${x} ?? 0;` },
  { name: "logical assignment", stmt: (x) => `let q = ${x};\nq ||= 1;` },
  { name: "nullish assignment", stmt: (x) => `let q = ${x};\nq ??= 1;` },
  { name: "var declaration", stmt: (x) => `var q = ${x};` },
  { name: "array literal with a hole", stmt: (x) => `const q = [${x}, , 1];` },
  { name: "for…in", stmt: (_x, a) => `let q = 0;\nfor (const key in ${a}) {\n  q += 1;\n}`, needsArray: true },
  { name: "labelled break", stmt: (x) => `let q = 0;\nouter: for (let i = 0; i < 2; i++) {\n  for (let j = 0; j < 2; j++) {\n    if (j > 0) break outer;\n    q += ${x};\n  }\n}` },
  { name: "typeof", stmt: (x) => `const q = typeof ${x} === "number" ? 1 : 0;` },
  { name: "bitwise or", stmt: (x) => `const q = ${x} | 0;` },
  { name: "bitwise not", stmt: (x) => `const q = ~${x};` },
  { name: "shift", stmt: (x) => `const q = ${x} << 1;` },
  { name: "bitwise compound assignment", stmt: (x) => `let q = ${x};\nq |= 1;` },
  { name: "void", stmt: (x) => `const q = void ${x};` },
  { name: "in operator", stmt: (_x, a) => `const q = "length" in ${a};`, needsArray: true },
  { name: "instanceof", stmt: (_x, a) => `const q = ${a} instanceof Float64Array;`, needsArray: true },
  { name: "rest element in destructuring", stmt: (x) => `const [q1, ...rest] = [${x}, 1];` },
  { name: "object destructuring", stmt: (_x, a) => `const { length } = ${a};`, needsArray: true },
  { name: "new Array", stmt: () => `const q = new Array(3);` },
  { name: "new Map", stmt: () => `const q = new Map<number, number>();` },
  { name: "Float64Array from literal", stmt: (x) => `const q = new Float64Array([${x}, 1]);` },
  { name: "array alias", stmt: (_x, a) => `const q = ${a};`, needsArray: true },
  { name: "array reassignment", stmt: (_x, a) => `let q = new Float64Array(2);\nq = ${a};`, needsArray: true },
  { name: "regular expression", stmt: () => `const q = /a+/.test("aa");` },
  { name: "bigint", stmt: () => `const q = 10n;` },
  { name: "mutable module variable", top: ["let counter = 0;"], stmt: (x) => `counter += ${x};` },
  { name: "nested function declaration", stmt: (x) => `function inner(t: number): number {\n  return t * 2;\n}\nconst q = inner(${x});` },
  { name: "generator helper", top: ["function* gen(): Generator<number> {\n  yield 1;\n}"], stmt: () => `const q = gen().next().value;` },
  { name: "async helper", top: ["async function later(t: number): Promise<number> {\n  return t;\n}"], stmt: (x) => `const q = later(${x});` },
  { name: "generic helper", top: ["function id<T>(t: T): T {\n  return t;\n}"], stmt: (x) => `const q = id(${x});` },
  { name: "arguments object", stmt: () => `const q = arguments.length;` },
  { name: "this", stmt: () => `const q = this;` },
  { name: "return without value", stmt: (x) => `if (${x} > 1000) return;` },
  { name: "return an array", stmt: (x, a) => `if (${x} > 1000) return ${a};`, needsArray: true },
  { name: "number as the value of &&", stmt: (x) => `const q = ${x} && 1;` },
  { name: "array condition", stmt: (_x, a) => `if (${a}) {\n  const q = 1;\n}`, needsArray: true },
  { name: "mixed ?: types", stmt: (x) => `const q = ${x} > 0 ? ${x} : "neg";` },
  { name: "comparison chain", stmt: (x) => `const q = ${x} < 1 < 2;` },
  { name: "property assignment", stmt: (x) => `Math.PI = ${x};` },
  { name: "length assignment", stmt: (_x, a) => `${a}.length = 2;`, needsArray: true },
  { name: "unknown function", stmt: (x) => `const q = mystery(${x});` },
  { name: "call of a local", stmt: (x) => `const g = 2;\nconst q = g(${x});` },
  { name: "debugger", stmt: () => `debugger;` },
  { name: "delete", stmt: (_x, a) => `const q = delete ${a}[0];`, needsArray: true },
  { name: "expression statement", stmt: (x) => `${x} + 1;` },
  { name: "wrong Math arity", stmt: (x) => `const q = Math.sin(${x}, ${x});` },
  { name: "symbol parameter", fn: (f) => (f.rawParams = "label: symbol") },
  { name: "optional field in an object parameter", fn: (f) => (f.rawParams = "o: { v?: number }") },
  { name: "optional array parameter", fn: (f) => (f.rawParams = "extra?: Float64Array") },
  { name: "default array parameter", fn: (f) => (f.rawParams = "extra: Float64Array = new Float64Array(2)") },
  { name: "rest parameter", fn: (f) => (f.rawParams = "...rest: number[]") },
  { name: "async entry", fn: (f) => (f.rawPrefix = "async ") },
  { name: "generator entry", fn: (f) => (f.generator = true) },
  { name: "untyped parameter", fn: (f) => (f.rawParams = "extra: any") },
  // Helper results gradc refuses (drawn from their own stream: see `generateBadInput`).
  ...[
    {
      name: "helper returning its array parameter, result used",
      top: ["function same(v: Float64Array): Float64Array {\n  return v;\n}"],
      stmt: (x: string, a: string | undefined) => `const q = same(${a});\nq[0] = ${x};`,
      needsArray: true,
    },
    { name: "helper returning a Float32Array, result used", top: ["function narrow(n: number): Float32Array {\n  return new Float32Array(n);\n}"], stmt: (x: string) => `const q = narrow(2);\nq[0] = ${x} / 3;` },
    { name: "helper array result indexed directly", top: ["function twice(t: number): Float64Array {\n  const out = new Float64Array(2);\n  out[0] = 2 * t;\n  return out;\n}"], stmt: (x: string) => `const q = twice(${x})[0];` },
    { name: "helper returning an Int32Array", top: ["function bins(t: number): Int32Array {\n  const out = new Int32Array(2);\n  out[0] = t;\n  return out;\n}"], stmt: (x: string) => `const q = bins(${x});` },
    { name: "object-returning call in ?:", top: ["function pair(t: number): { a: number; b: number } {\n  return { a: t, b: 2 * t };\n}"], stmt: (x: string) => `const r = ${x} > 0 ? pair(${x}) : pair(-${x});\nconst q = r.a;` },
    { name: "object-returning call as an operand", top: ["function pair(t: number): { a: number; b: number } {\n  return { a: t, b: 2 * t };\n}"], stmt: (x: string) => `const q = pair(${x}).a * 2;` },
    { name: "object result with a boolean field", top: ["function flagged(t: number): { a: number; ok: boolean } {\n  return { a: t, ok: t > 0 };\n}"], stmt: (x: string) => `const r = flagged(${x});\nconst q = r.a;` },
    {
      name: "object results of different fields",
      top: ["function either(t: number): { a: number; b: number } | { a: number; c: number } {\n  if (t > 0) return { a: t, b: 1 };\n  return { a: t, c: 2 };\n}"],
      stmt: (x: string) => `const r = either(${x});\nconst q = r.a;`,
    },
    {
      name: "one array in two fields of a helper's result",
      top: ["function doubled(t: number): { u: Float64Array; v: Float64Array } {\n  const out = new Float64Array(2);\n  out[0] = t;\n  return { u: out, v: out };\n}"],
      stmt: (x: string) => `const r = doubled(${x});\nconst q = r.u[0];`,
    },
    {
      name: "recursion through a function returning an array",
      top: ["function unroll(t: number, n: number): Float64Array {\n  const out = new Float64Array(1);\n  if (n <= 0) {\n    out[0] = t;\n    return out;\n  }\n  const r = unroll(t * 0.5, n - 1);\n  out[0] = r[0] + t;\n  return out;\n}"],
      stmt: (x: string) => `const r = unroll(${x}, 3);\nconst q = r[0];`,
    },
  ].map((m) => ({ ...m, late: true })),
];

/**
 * A program of the subset with one construct from outside it injected into f (or into f's
 * signature). The compiler must answer with diagnostics, never with an exception.
 */
export function generateBadInput(seed: number, index: number, mutation?: string): BadInput {
  const rng = new Rng(seed, index, 0xbad);
  const wanted = mutation === undefined ? undefined : MUTATIONS.find((m) => m.name === mutation);
  if (mutation !== undefined && !wanted) throw new Error(`no mutation named '${mutation}'`);
  let program: Program;
  // A mutation that needs an array parameter needs a program that has one.
  for (let k = 0; ; k++) {
    // Checked through grad(f): f returns a number.
    program = generateProgram(seed, index + 1_000_000_000 + k * 7919, { maxHelpers: 2, entryBudget: rng.int(4, 14), arrayResults: false });
    if (!wanted?.needsArray || program.f.params.some((p) => p.ty === "arr")) break;
  }
  const arrParam = program.f.params.find((p) => p.ty === "arr")?.name;
  const candidates = MUTATIONS.filter((m) => !m.late && (!m.needsArray || arrParam));
  // The later mutations come from a stream of their own, so that the earlier bad inputs of a seed stay what they were.
  const lateRng = new Rng(seed, index, 0xbad7);
  const late = MUTATIONS.filter((m) => m.late && (!m.needsArray || arrParam));
  const m = wanted ?? (lateRng.chance(0.12) ? lateRng.pick(late) : rng.pick(candidates));
  const numParam = program.f.params.find((p) => p.ty === "num")!.name;
  if (m.top) program.rawTop = [...m.top];
  if (m.fn) m.fn(program.f);
  if (m.stmt) {
    let text = m.stmt(numParam, arrParam);
    if (m.name === "self recursion of f writing its array") {
      text = `if (${numParam} > 1000) {\n  ${arrParam}[0] = 0.5 * ${arrParam}[0];\n  return f(${program.f.params.map((p) => p.name).join(", ")});\n}`;
    }
    // Inject into a random block of f: the top level or the body of an if or loop.
    const blocks: Stmt[][] = [program.f.body];
    const visit = (list: Stmt[]) => {
      for (const s of list) {
        if (s.k === "if") (blocks.push(s.then), visit(s.then), s.else && (blocks.push(s.else), visit(s.else)));
        if (s.k === "for" || s.k === "while" || s.k === "do") (blocks.push(s.body), visit(s.body));
        if (s.k === "switch") s.cases.forEach((c) => (blocks.push(c.body), visit(c.body)));
        if (s.k === "forof") (blocks.push(s.body), visit(s.body));
      }
    };
    visit(program.f.body);
    const block = rng.chance(0.5) ? program.f.body : rng.pick(blocks);
    // Before the final return (top level) or anywhere in a nested block — after a pinned loop
    // counter, and never after a break/continue/return (unreachable code is not lowered).
    const exit = block.findIndex((s) => s.k === "break" || s.k === "continue" || s.k === "return");
    const max = exit >= 0 ? exit : block.length;
    const min = block[0]?.k === "incdec" ? 1 : 0;
    block.splice(rng.int(min, Math.max(min, max)), 0, { k: "raw", text, pin: true });
  }
  return { program, mutation: m.name };
}

/** What TypeScript narrows by `e === literal`: a variable, or an element at a literal index (`m[3]`). */
function narrowKey(e: Expr): string | undefined {
  if (e.k === "ref") return e.name;
  if (e.k === "load" && e.index.k === "lit") return `${e.arr}[${e.index.v}]`;
  return undefined;
}

/** A condition TypeScript calls always truthy by its syntax: a literal other than 0 and 1, a ?: of two such. */
function alwaysTruthy(e: Expr): boolean {
  if (e.k === "lit") return e.v !== 0 && e.v !== 1;
  return e.k === "cond" && alwaysTruthy(e.a) && alwaysTruthy(e.b);
}

/** How many Float64Array fields an object type has, nested ones included. */
function arrayLeaves(fields: ObjField[]): number {
  return fields.reduce((n, f) => n + (f.ty === "arr" ? 1 : f.ty === "obj" ? arrayLeaves(f.fields ?? []) : 0), 0);
}

/** The variable an expression node reads or assigns, if it is a variable reference or an assignment. */
function usedName(e: Expr): string | undefined {
  if (e.k === "ref") return e.name;
  if (e.k === "assignx" || e.k === "incx") return e.target;
  return undefined;
}
