/**
 * SIMD for innermost counted loops: a loop whose iterations are independent apart from sums
 * (`z += w[p + i] * x[q + i]`, `w̄[p + i] += ḡ · x[q + i]`) runs two iterations at a time on
 * f64x2 lanes, then the scalar loop runs the rest — at least one iteration, so every variable ends
 * as the scalar loop leaves it.
 *
 * What qualifies (`planVectorLoop`): a straight-line body (no branches, calls, saves or nested
 * loops) of numeric primitives, loads and stores whose indices are `base + i` (unit stride; the
 * base loop-invariant), and
 *  - temporaries defined before they are read in each iteration;
 *  - sums: `s = s + x`, `s = s − x` or `s += Σ terms`, s read nowhere else in the loop;
 *  - adjoints reset at the end of each iteration (`t̄ += …; …; t̄ = 0`), which start every
 *    iteration at that constant;
 *  - arrays written in the loop, each accessed at one index only.
 *
 * What is checked when the loop runs (the scalar loop runs alone otherwise): the trip count and
 * every base are integers, every access of the vector part is within its array, and no array the
 * loop writes is another array it accesses. The lanes compute what the scalar iterations compute,
 * operation for operation; only sums are reassociated (two partial sums, added at the end), so
 * a vectorized sum can differ from the scalar one in its last bits.
 */
import { type Atom, type GStmt, type GVar, type Term } from "../../ir.js";
import { PRIMITIVES, type PrimOp } from "../../primitives.js";
import type { Binaryen } from "./binaryen.js";
import { HEADER_BYTES, type ElementKind } from "./layout.js";
import { MEMORY } from "./runtime.js";

type Module = InstanceType<Binaryen["Module"]>;
type Ref = number;

/** How a variable of the loop varies with the induction variable i. */
type Role =
  /** the same in every iteration */
  | "uniform"
  /** uniform + i: an index with unit stride (its value is computed in scalar, lane 0's) */
  | "affine"
  /** anything else computed per iteration: a vector of two lanes */
  | "varying";

export interface VectorPlan {
  /** The variable counting iterations: the loop variable, or a countdown's counter. */
  induction: string;
  /** `loop`: i runs up from its value at entry while i < bound; `countdown`: counter runs down from count − 1 to 0. */
  form: { k: "up"; bound: Atom; testDefs: GStmt[] } | { k: "down"; count: Atom };
  /** The body, without the loop's own update (`i = i + 1`). */
  body: GStmt[];
  roles: Map<string, Role>;
  /** Sums: the variable and whether the loop adds or subtracts. */
  sums: Map<string, "add" | "sub">;
  /** Adjoints reset to a constant at the end of every iteration. */
  resets: Map<string, number>;
  /** Every access at an affine index, by array and index variable (each must be in bounds). */
  accesses: { arr: string; index: string }[];
  /** Arrays the loop reads or writes, and those it writes. */
  arrays: Set<string>;
  written: Set<string>;
}

const VECTOR_OPS = new Set<PrimOp>(["add", "sub", "mul", "div", "neg", "abs", "sqrt", "floor", "ceil", "trunc", "min", "max", "fround"]);

/** The plan for vectorizing `s`, or undefined when it does not qualify. */
export function planVectorLoop(s: GStmt, vars: Map<string, GVar>, kindOf: (arr: string) => ElementKind): VectorPlan | undefined {
  let induction: string;
  let form: VectorPlan["form"];
  let body: GStmt[];
  if (s.k === "loop") {
    if (s.postTest || s.cond.k !== "var") return undefined;
    const last = s.test[s.test.length - 1];
    if (!last || last.k !== "assign" || last.target !== s.cond.name || last.expr.k !== "cmp" || last.expr.op !== "<") return undefined;
    const [i, bound] = last.expr.args;
    if (i.k !== "var") return undefined;
    const update = s.body[s.body.length - 1];
    if (!update || !isIncrement(update, i.name)) return undefined;
    induction = i.name;
    const testDefs = s.test.slice(0, -1);
    if (!testDefs.every((d) => d.k === "assign" && (d.expr.k === "len" || d.expr.k === "copy"))) return undefined;
    form = { k: "up", bound, testDefs };
    body = s.body.slice(0, -1);
  } else if (s.k === "countdown") {
    induction = s.counter;
    form = { k: "down", count: s.count };
    body = s.body;
  } else {
    return undefined;
  }
  const assigned = new Set<string>();
  for (const st of body) {
    if (st.k === "assign" || st.k === "accum") assigned.add(st.target);
    else if (!["store", "accumElem", "comment"].includes(st.k)) return undefined;
  }
  if (assigned.has(induction)) return undefined;
  if (form.k === "up") {
    for (const d of form.testDefs) if (d.k === "assign" && assigned.has(d.target)) return undefined;
    if (form.bound.k === "var" && assigned.has(form.bound.name)) return undefined;
  } else if (form.count.k === "var" && assigned.has(form.count.name)) {
    return undefined;
  }

  // The test reads only what the body leaves alone.
  if (form.k === "up" && s.k === "loop" && s.test.some((t) => stmtReads(t).some((v) => assigned.has(v)))) return undefined;
  const reads = readCounts(body);
  const plan: VectorPlan = { induction, form, body, roles: new Map(), sums: new Map(), resets: new Map(), accesses: [], arrays: new Set(), written: new Set() };
  const roles = plan.roles;
  roles.set(induction, "affine");
  const roleOf = (a: Atom): Role => (a.k === "var" ? (roles.get(a.name) ?? (assigned.has(a.name) ? "varying" : "uniform")) : "uniform");
  const defined = new Set<string>();
  // Sums and resets are recognised first: the checks below need them.
  for (const v of assigned) {
    const defs = body.filter((st) => (st.k === "assign" || st.k === "accum") && st.target === v);
    const sumForm = defs.every((d) => sumKind(d, v) !== undefined);
    const readsInSums = defs.filter((d) => d.k === "assign").length; // `s = s ± x` reads s once
    if (sumForm && defs.length === 1 && (reads.get(v) ?? 0) === readsInSums) {
      plan.sums.set(v, sumKind(defs[0], v)!);
      continue;
    }
    const last = defs[defs.length - 1];
    const lastIndex = body.indexOf(last);
    const firstUse = body.findIndex((st) => stmtReads(st).includes(v) || (st.k === "accum" && st.target === v));
    if (last.k === "assign" && last.expr.k === "copy" && last.expr.arg.k === "num" && firstUse >= 0 && firstUse < lastIndex && !body.slice(lastIndex + 1).some((st) => stmtReads(st).includes(v))) {
      const firstDef = body.findIndex((st) => st.k === "assign" && st.target === v);
      if (firstDef === -1 || firstDef >= firstUse) plan.resets.set(v, last.expr.arg.value);
    }
  }
  for (const st of body) {
    // A value carried from one iteration to the next (read before it is assigned) is not independent.
    const carried = [...stmtReads(st), ...(st.k === "accum" ? [st.target] : [])].some((v) => assigned.has(v) && !defined.has(v) && !plan.sums.has(v) && !plan.resets.has(v));
    if (carried) return undefined;
    switch (st.k) {
      case "comment":
        break;
      case "assign": {
        const v = st.target;
        if (vars.get(v)?.type !== "num") return undefined;
        if (plan.sums.has(v)) {
          const [, x] = sumOperands(st, v)!;
          if (roleOf(x) === "affine") return undefined;
          break;
        }
        if (!plan.resets.has(v) && !defined.has(v) && stmtReads(st).includes(v)) return undefined;
        const e = st.expr;
        let role: Role;
        if (e.k === "copy" || e.k === "stop") role = roleOf(e.arg);
        else if (e.k === "prim") {
          const args = e.args.map(roleOf);
          if (args.every((r) => r === "uniform")) role = "uniform";
          else if (e.op === "add" && args.includes("affine") && args.includes("uniform")) role = "affine";
          else if (e.op === "sub" && args[0] === "affine" && args[1] === "uniform") role = "affine";
          else if (PRIMITIVES[e.op].arity <= 2) role = "varying";
          else return undefined;
        } else if (e.k === "load") {
          const r = roleOf(e.index);
          plan.arrays.add(e.arr);
          if (r === "uniform") role = "uniform";
          else if (r === "affine" && e.index.k === "var" && vectorKind(kindOf(e.arr))) {
            plan.accesses.push({ arr: e.arr, index: e.index.name });
            role = "varying";
          } else return undefined;
        } else if (e.k === "len") role = "uniform";
        else if (e.k === "lin") role = e.terms.some((t) => roleOf(t.coef) !== "uniform" || roleOf(t.value) !== "uniform") ? "varying" : "uniform";
        else return undefined;
        const previous = roles.get(v);
        // A lane value overwritten by a constant (an adjoint reset after use) stays a lane value.
        if (plan.resets.has(v) || (previous === "varying" && role === "uniform" && e.k === "copy" && e.arg.k === "num")) role = "varying";
        if (previous !== undefined && previous !== role) return undefined;
        roles.set(v, role);
        defined.add(v);
        break;
      }
      case "accum": {
        const v = st.target;
        if (plan.sums.has(v)) {
          if (st.terms.some((t) => roleOf(t.coef) === "affine" || roleOf(t.value) === "affine")) return undefined;
          break;
        }
        if (!plan.resets.has(v)) return undefined;
        roles.set(v, "varying");
        break;
      }
      case "store":
      case "accumElem": {
        if (st.index.k !== "var" || roleOf(st.index) !== "affine" || kindOf(st.arr) !== "Float64Array") return undefined;
        if (st.k === "store" && roleOf(st.value) === "affine") return undefined;
        if (st.k === "accumElem" && st.terms.some((t) => roleOf(t.coef) === "affine" || roleOf(t.value) === "affine")) return undefined;
        plan.arrays.add(st.arr);
        plan.written.add(st.arr);
        plan.accesses.push({ arr: st.arr, index: st.index.name });
        break;
      }
      default:
        return undefined;
    }
  }
  // Uniform and affine values are computed once, before the vector loop: each has one definition.
  for (const [v, role] of roles) {
    if (role !== "varying" && v !== induction && body.filter((st) => st.k === "assign" && st.target === v).length !== 1) return undefined;
  }
  // An array the loop writes is accessed at one index only (each iteration its own element), never at a uniform one.
  for (const arr of plan.written) {
    const indices = new Set(plan.accesses.filter((a) => a.arr === arr).map((a) => a.index));
    const uniformRead = body.some((st) => st.k === "assign" && st.expr.k === "load" && st.expr.arr === arr && roleOf(st.expr.index) === "uniform");
    if (indices.size !== 1 || uniformRead) return undefined;
  }
  // Worth it only when something is computed per lane.
  if (![...roles.values()].includes("varying") && plan.written.size === 0 && plan.sums.size === 0) return undefined;
  return plan;
}

function isIncrement(s: GStmt, v: string): boolean {
  if (s.k !== "assign" || s.target !== v || s.expr.k !== "prim" || s.expr.op !== "add") return false;
  const [a, b] = s.expr.args;
  return (a.k === "var" && a.name === v && b.k === "num" && b.value === 1) || (b.k === "var" && b.name === v && a.k === "num" && a.value === 1);
}

function sumKind(s: GStmt, v: string): "add" | "sub" | undefined {
  if (s.k === "accum") return s.terms.some((t) => (t.coef.k === "var" && t.coef.name === v) || (t.value.k === "var" && t.value.name === v)) ? undefined : "add";
  const ops = sumOperands(s, v);
  return ops?.[0];
}

/** `v = v + x`, `v = x + v`, `v = v − x`: the operation and x. */
function sumOperands(s: GStmt, v: string): ["add" | "sub", Atom] | undefined {
  if (s.k !== "assign" || s.target !== v || s.expr.k !== "prim") return undefined;
  const { op, args } = s.expr;
  const isV = (a: Atom) => a.k === "var" && a.name === v;
  if (op === "add" && isV(args[0]) && !isV(args[1])) return ["add", args[1]];
  if (op === "add" && isV(args[1]) && !isV(args[0])) return ["add", args[0]];
  if (op === "sub" && isV(args[0]) && !isV(args[1])) return ["sub", args[1]];
  return undefined;
}

function atomNames(atoms: Atom[]): string[] {
  return atoms.flatMap((a) => (a.k === "var" ? [a.name] : []));
}

function termNames(terms: Term[]): string[] {
  return terms.flatMap((t) => atomNames([t.coef, t.value]));
}

/** Scalar variables a straight-line statement reads. */
function stmtReads(s: GStmt): string[] {
  switch (s.k) {
    case "assign": {
      const e = s.expr;
      if (e.k === "prim" || e.k === "call") return atomNames(e.args);
      if (e.k === "copy" || e.k === "stop" || e.k === "not") return atomNames([e.arg]);
      if (e.k === "cmp") return atomNames(e.args);
      if (e.k === "load") return atomNames([e.index]);
      if (e.k === "lin") return termNames(e.terms);
      if (e.k === "newarr") return atomNames([e.size]);
      return [];
    }
    case "accum":
      return termNames(s.terms);
    case "store":
      return atomNames([s.index, s.value]);
    case "accumElem":
      return [...atomNames([s.index]), ...termNames(s.terms)];
    default:
      return [];
  }
}

function readCounts(body: GStmt[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of body) for (const v of stmtReads(s)) counts.set(v, (counts.get(v) ?? 0) + 1);
  return counts;
}

function vectorKind(kind: ElementKind): boolean {
  return kind === "Float64Array" || kind === "Float32Array";
}

// ------------------------------------------------------------------------------------------------
// Emission

/** What the vectorizer needs from the function compiler (functions.ts). */
export interface ScalarHost {
  readonly b: Binaryen;
  readonly m: Module;
  get(name: string): Ref;
  set(name: string, value: Ref): Ref;
  asNumber(a: Atom): Ref;
  /** A statement compiled as scalar code. */
  scalar(s: GStmt): Ref | undefined;
  declare(name: string, type: "f64" | "i32" | "v128"): number;
  importOf(op: PrimOp): string;
  kindOf(arr: string): ElementKind;
  label(): string;
}

/**
 * The vector part of a planned loop, to run before its scalar loop. For a countdown, the scalar
 * loop must then start at the returned `start` (the count left for it).
 */
export function emitVectorPart(h: ScalarHost, plan: VectorPlan): { code: Ref; start?: Ref } {
  return new VectorEmitter(h, plan).emit();
}

class VectorEmitter {
  private readonly m: Module;
  private readonly vectors = new Map<string, number>();
  private readonly pairs: number;
  private readonly low: number;
  private readonly skip: string;
  private readonly start: number | undefined;
  /** The pair being computed (i32): lane 0 is the induction value low + 2·pair. */
  private readonly pair: number;
  /** Per affine access (array, index): the i32 address of its element at lane 0 of pair 0. */
  private readonly pointers = new Map<string, number>();
  /** Per affine variable: its value minus the induction variable's (uniform). */
  private readonly offsets = new Map<string, number>();

  constructor(
    private readonly h: ScalarHost,
    private readonly plan: VectorPlan,
  ) {
    this.m = h.m;
    this.pairs = h.declare(`$pairs_${plan.induction}`, "i32");
    this.low = h.declare(`$low_${plan.induction}`, "f64");
    this.skip = h.label();
    this.start = plan.form.k === "down" ? h.declare(`$start_${plan.induction}`, "f64") : undefined;
    this.pair = h.declare(`$pair_${plan.induction}`, "i32");
    for (const [v, role] of plan.roles) if (role === "varying") this.vectors.set(v, h.declare(`$vec_${v}`, "v128"));
    for (const [v, role] of plan.roles) if (role === "affine") this.offsets.set(v, h.declare(`$offset_${v}`, "f64"));
    for (const a of uniqueAccesses(plan.accesses)) this.pointers.set(accessKey(a), h.declare(`$at_${a.arr}_${a.index}`, "i32"));
    for (const v of plan.sums.keys()) this.vectors.set(v, h.declare(`$vec_${v}`, "v128"));
  }

  emit(): { code: Ref; start?: Ref } {
    const { m, h, plan } = this;
    const f64 = h.b.f64;
    const i32 = h.b.i32;
    const code: Ref[] = [];
    const pairs = () => m.local.get(this.pairs, i32);
    const low = () => m.local.get(this.low, f64);
    const twice = () => m.f64.convert_u.i32(m.i32.shl(pairs(), m.i32.const(1)));
    const isInteger = (x: () => Ref) => m.f64.eq(m.f64.trunc(x()), x());
    if (this.start !== undefined) code.push(m.local.set(this.start, this.h.asNumber((plan.form as { count: Atom }).count)));
    const inner: Ref[] = [m.local.set(this.pairs, m.i32.const(0))];
    // The trip count N; pairs = ⌊(N − 1) / 2⌋ leaves the scalar loop at least one iteration.
    let trips: () => Ref;
    if (plan.form.k === "up") {
      for (const d of plan.form.testDefs) inner.push(h.scalar(d)!);
      const bound = plan.form.bound;
      inner.push(m.local.set(this.low, h.get(plan.induction)));
      inner.push(m.br(this.skip, m.i32.eqz(m.i32.and(isInteger(low), m.f64.lt(m.f64.abs(low()), m.f64.const(2 ** 31))))));
      inner.push(m.br(this.skip, m.i32.eqz(m.f64.lt(m.f64.abs(h.asNumber(bound)), m.f64.const(2 ** 31)))));
      trips = () => m.f64.ceil(m.f64.sub(h.asNumber(bound), low()));
    } else {
      const start = () => m.local.get(this.start!, f64);
      inner.push(m.br(this.skip, m.i32.eqz(m.i32.and(isInteger(start), m.f64.lt(m.f64.abs(start()), m.f64.const(2 ** 31))))));
      trips = start;
    }
    inner.push(m.br(this.skip, m.i32.eqz(m.f64.ge(trips(), m.f64.const(3)))));
    inner.push(m.local.set(this.pairs, m.i32.shr_u(m.i32.sub(m.i32.trunc_u_sat.f64(trips()), m.i32.const(1)), m.i32.const(1))));
    // The lowest induction value the vector part runs: where the bounds are checked.
    if (plan.form.k === "down") inner.push(m.local.set(this.low, m.f64.sub(m.local.get(this.start!, f64), twice())));
    inner.push(h.set(plan.induction, low()));
    for (const s of plan.body) if (this.isScalar(s)) inner.push(h.scalar(s)!);
    const fail = (cond: Ref) => m.br(this.skip, cond, undefined);
    for (const { arr, index } of uniqueAccesses(plan.accesses)) {
      const at = () => h.get(index);
      const length = m.f64.convert_u.i32(m.i32.load(0, 4, h.get(arr), MEMORY));
      inner.push(fail(m.i32.eqz(m.i32.and(m.i32.and(isInteger(at), m.f64.ge(at(), m.f64.const(0))), m.f64.le(m.f64.add(at(), twice()), length)))));
    }
    for (const w of plan.written) {
      for (const other of plan.arrays) if (other !== w) inner.push(fail(m.i32.eq(h.get(w), h.get(other))));
    }
    // Uniform values were computed above, once; indices move with the pair, from these.
    for (const [v, local] of this.offsets) inner.push(m.local.set(local, m.f64.sub(h.get(v), low())));
    for (const a of uniqueAccesses(plan.accesses)) {
      const shift = h.kindOf(a.arr) === "Float32Array" ? 2 : 3;
      inner.push(m.local.set(this.pointers.get(accessKey(a))!, m.i32.add(m.i32.add(h.get(a.arr), m.i32.const(HEADER_BYTES)), m.i32.shl(m.i32.trunc_u_sat.f64(h.get(a.index)), m.i32.const(shift)))));
    }
    for (const [v, c] of plan.resets) {
      inner.push(fail(m.i64.ne(m.i64.reinterpret(h.get(v)), m.i64.reinterpret(m.f64.const(c)))));
      inner.push(m.local.set(this.vectors.get(v)!, m.f64x2.splat(m.f64.const(c))));
    }
    for (const v of plan.sums.keys()) inner.push(m.local.set(this.vectors.get(v)!, m.f64x2.splat(m.f64.const(0))));
    // The vector loop: pair q runs the iterations low + 2q and low + 2q + 1 (in a countdown
    // too: the iterations are independent, but for sums, which are reassociated anyway).
    const q = this.pair;
    const loopLabel = h.label();
    const exit = h.label();
    const body: Ref[] = [m.br(exit, m.i32.ge_u(m.local.get(q, i32), pairs()))];
    for (const s of plan.body) {
      const r = this.isScalar(s) ? undefined : this.vector(s);
      if (r !== undefined) body.push(r);
    }
    body.push(m.local.set(q, m.i32.add(m.local.get(q, i32), m.i32.const(1))), m.br(loopLabel));
    inner.push(m.local.set(q, m.i32.const(0)), m.block(exit, [m.loop(loopLabel, m.block(null, body))]));
    for (const [v, kind] of plan.sums) {
      const vec = () => m.local.get(this.vectors.get(v)!, h.b.v128);
      const total = m.f64.add(m.f64x2.extract_lane(vec(), 0 as unknown as Ref), m.f64x2.extract_lane(vec(), 1 as unknown as Ref));
      inner.push(h.set(v, kind === "add" ? m.f64.add(h.get(v), total) : m.f64.sub(h.get(v), total)));
    }
    // Where the scalar loop goes on: a loop up from low + 2·pairs; a countdown from low − 1.
    if (plan.form.k === "up") inner.push(h.set(plan.induction, m.f64.add(low(), twice())));
    else inner.push(m.local.set(this.start!, low()));
    code.push(m.block(this.skip, inner));
    // A loop up whose vector part was skipped restarts where it was.
    if (plan.form.k === "up") return { code: m.block(null, [...code, m.if(m.i32.eqz(pairs()), h.set(plan.induction, low()))]) };
    return { code: m.block(null, code), start: m.local.get(this.start!, f64) };
  }

  /** Uniform and affine statements run in scalar (lane 0's values); the rest on vectors. */
  private isScalar(s: GStmt): boolean {
    if (s.k === "assign") return !this.plan.sums.has(s.target) && this.plan.roles.get(s.target) !== "varying";
    return s.k === "comment";
  }

  private vec(a: Atom): Ref {
    const m = this.m;
    if (a.k === "var") {
      const role = this.plan.roles.get(a.name);
      if (role === "varying") return m.local.get(this.vectors.get(a.name)!, this.h.b.v128);
      if (role === "affine") {
        // low + 2·pair + offset, and 1 more in lane 1
        const induction = m.f64.add(m.local.get(this.low, this.h.b.f64), m.f64.convert_u.i32(m.i32.shl(m.local.get(this.pair, this.h.b.i32), m.i32.const(1))));
        const offset = this.offsets.get(a.name);
        const laneZero = offset === undefined ? induction : m.f64.add(induction, m.local.get(offset, this.h.b.f64));
        return m.f64x2.add(m.f64x2.splat(laneZero), m.v128.const(laneOffsets()));
      }
    }
    return m.f64x2.splat(this.h.asNumber(a));
  }

  private vector(s: GStmt): Ref | undefined {
    const { m, h, plan } = this;
    switch (s.k) {
      case "assign": {
        const out = this.vectors.get(s.target)!;
        if (plan.sums.has(s.target)) {
          const [, x] = sumOperands(s, s.target)!;
          return m.local.set(out, m.f64x2.add(m.local.get(out, h.b.v128), this.vec(x)));
        }
        const e = s.expr;
        switch (e.k) {
          case "copy":
          case "stop":
            return m.local.set(out, this.vec(e.arg));
          case "prim":
            return m.local.set(out, this.primitive(e.op, e.args));
          case "load":
            return m.local.set(out, this.load(e.arr, (e.index as { name: string }).name));
          case "lin":
            return m.local.set(out, this.terms(e.terms));
          default:
            throw new Error(`gradc internal error: wasm: vectorized ${e.k}`);
        }
      }
      case "accum": {
        const out = this.vectors.get(s.target)!;
        return m.local.set(out, m.f64x2.add(m.local.get(out, h.b.v128), this.terms(s.terms)));
      }
      case "store":
        return this.store(s.arr, (s.index as { name: string }).name, this.vec(s.value));
      case "accumElem": {
        const index = (s.index as { name: string }).name;
        return this.store(s.arr, index, m.f64x2.add(this.load(s.arr, index), this.terms(s.terms)));
      }
      default:
        return undefined;
    }
  }

  /** Σ coef·value on lanes, summed in the scalar code's order. */
  private terms(terms: Term[]): Ref {
    const m = this.m;
    if (terms.length === 0) return m.f64x2.splat(m.f64.const(0));
    let sum: Ref | undefined;
    for (const t of terms) {
      const negative = t.coef.k === "num" && t.coef.value === -1;
      const unit = t.coef.k === "num" && (t.coef.value === 1 || negative);
      let term = unit ? this.vec(t.value) : m.f64x2.mul(this.vec(t.value), this.vec(t.coef));
      if (t.zeroSafe && !unit) term = m.v128.bitselect(m.f64x2.splat(m.f64.const(0)), term, m.f64x2.eq(this.vec(t.value), m.f64x2.splat(m.f64.const(0))));
      if (sum === undefined) sum = negative ? m.f64x2.neg(term) : term;
      else sum = negative ? m.f64x2.sub(sum, term) : m.f64x2.add(sum, term);
    }
    return sum!;
  }

  private primitive(op: PrimOp, args: Atom[]): Ref {
    const m = this.m;
    const v = (k: number) => this.vec(args[k]);
    if (VECTOR_OPS.has(op)) {
      switch (op) {
        case "add":
          return m.f64x2.add(v(0), v(1));
        case "sub":
          return m.f64x2.sub(v(0), v(1));
        case "mul":
          return m.f64x2.mul(v(0), v(1));
        case "div":
          return m.f64x2.div(v(0), v(1));
        case "min":
          return m.f64x2.min(v(0), v(1));
        case "max":
          return m.f64x2.max(v(0), v(1));
        case "neg":
          return m.f64x2.neg(v(0));
        case "abs":
          return m.f64x2.abs(v(0));
        case "sqrt":
          return m.f64x2.sqrt(v(0));
        case "floor":
          return m.f64x2.floor(v(0));
        case "ceil":
          return m.f64x2.ceil(v(0));
        case "trunc":
          return m.f64x2.trunc(v(0));
        case "fround":
          return m.f64x2.promote_low_f32x4(m.f32x4.demote_f64x2_zero(v(0)));
      }
    }
    // Lane by lane, with the scalar code's operation (a native instruction or JavaScript's Math).
    const lane = (k: number) => {
      const operands = args.map((_, j) => m.f64x2.extract_lane(this.vec(args[j]), k as unknown as Ref));
      return this.scalarPrimitive(op, operands);
    };
    return m.f64x2.replace_lane(m.f64x2.splat(lane(0)), 1 as unknown as Ref, lane(1));
  }

  private scalarPrimitive(op: PrimOp, operands: Ref[]): Ref {
    const m = this.m;
    const [a, b] = operands;
    switch (PRIMITIVES[op].wasm) {
      case "gt":
        return m.f64.convert_u.i32(m.f64.gt(a, b));
      case "ge":
        return m.f64.convert_u.i32(m.f64.ge(a, b));
      case "lt":
        return m.f64.convert_u.i32(m.f64.lt(a, b));
      case "le":
        return m.f64.convert_u.i32(m.f64.le(a, b));
      default:
        // divz and every imported primitive: JavaScript's function (divz is the support object's helper)
        return m.call(this.h.importOf(op), operands, this.h.b.f64);
    }
  }

  /** The address of lane 0 of the current pair: two elements further per pair. */
  private address(arr: string, index: string): Ref {
    const m = this.m;
    const shift = this.h.kindOf(arr) === "Float32Array" ? 2 : 3;
    return m.i32.add(m.local.get(this.pointers.get(accessKey({ arr, index }))!, this.h.b.i32), m.i32.shl(m.local.get(this.pair, this.h.b.i32), m.i32.const(shift + 1)));
  }

  private load(arr: string, index: string): Ref {
    const m = this.m;
    if (this.h.kindOf(arr) === "Float32Array") return m.f64x2.promote_low_f32x4(m.v128.load64_zero(0, 4, this.address(arr, index), MEMORY));
    return m.v128.load(0, 8, this.address(arr, index), MEMORY);
  }

  private store(arr: string, index: string, value: Ref): Ref {
    return this.m.v128.store(0, 8, this.address(arr, index), value, MEMORY);
  }
}

/** The bytes of f64x2 (0, 1): lane k of an affine value is its lane-0 value + k. */
function laneOffsets(): number[] {
  const bytes = new Uint8Array(16);
  new Float64Array(bytes.buffer).set([0, 1]);
  return [...bytes];
}

function accessKey(a: { arr: string; index: string }): string {
  return `${a.arr}[${a.index}]`;
}

function uniqueAccesses(accesses: { arr: string; index: string }[]): { arr: string; index: string }[] {
  const seen = new Set<string>();
  return accesses.filter((a) => {
    const key = `${a.arr}[${a.index}]`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
