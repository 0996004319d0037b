/**
 * SIMD for innermost counted loops: a loop whose iterations are independent apart from sums
 * (`z += w[p + i] * x[q + i]`, `w̄[p + i] += ḡ · x[q + i]`) runs two iterations at a time on
 * f64x2 lanes — four on f32x4 lanes when its values are float32 (`dtype: "float32"`,
 * precision.ts) — then the scalar loop runs the rest (fewer than a vector's lanes). Every
 * variable ends as the scalar loop would leave it: the values of the last iteration the vector
 * part ran are taken from its lanes.
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
 * operation for operation; only sums are reassociated (one partial sum per lane, added at the
 * end), so a vectorized sum can differ from the scalar one in its last bits.
 */
import { type Atom, type GStmt, type GVar, type Term } from "../../ir.js";
import { PRIMITIVES, type PrimOp } from "../../primitives.js";
import type { Binaryen } from "./binaryen.js";
import { HEADER_BYTES, type ElementKind } from "./layout.js";
import { MEMORY } from "./runtime.js";

type Module = InstanceType<Binaryen["Module"]>;
type Ref = number;

/** The type of a number: float64, or float32 in a float32 variant. */
export type NumberType = "f64" | "f32";

/** What the planner needs to know of the function's types. */
export interface LoopTypes {
  kindOf(arr: string): ElementKind;
  numberType(name: string): NumberType;
}

/** How a variable of the loop varies with the induction variable i. */
type Role =
  /** the same in every iteration */
  | "uniform"
  /** uniform + i: an index with unit stride (its value is computed in scalar, lane 0's) */
  | "affine"
  /** anything else computed per iteration: a vector of lanes */
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
  /** The lanes' type: f64x2, or f32x4 for float32 values. */
  lane: NumberType;
}

const VECTOR_OPS = new Set<PrimOp>(["add", "sub", "mul", "div", "neg", "abs", "sqrt", "floor", "ceil", "trunc", "min", "max", "fround"]);

/** The plan for vectorizing `s`, or undefined when it does not qualify. */
export function planVectorLoop(s: GStmt, vars: Map<string, GVar>, types: LoopTypes): VectorPlan | undefined {
  const kindOf = (arr: string) => types.kindOf(arr);
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
  const plan: VectorPlan = { induction, form, body, roles: new Map(), sums: new Map(), resets: new Map(), accesses: [], arrays: new Set(), written: new Set(), lane: "f64" };
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
        if (st.index.k !== "var" || roleOf(st.index) !== "affine" || !vectorKind(kindOf(st.arr))) return undefined;
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
  // One lane type for every lane value and written array; f32 lanes read float32 arrays only.
  const laneTypes = new Set<NumberType>([...roles].filter(([, r]) => r === "varying").map(([v]) => types.numberType(v)));
  for (const v of plan.sums.keys()) laneTypes.add(types.numberType(v));
  for (const arr of plan.written) laneTypes.add(kindOf(arr) === "Float32Array" ? "f32" : "f64");
  if (laneTypes.size > 1) return undefined;
  plan.lane = laneTypes.has("f32") ? "f32" : "f64";
  if (plan.lane === "f32" && plan.accesses.some((a) => kindOf(a.arr) !== "Float32Array")) return undefined;
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
export interface ScalarHost extends LoopTypes {
  readonly b: Binaryen;
  readonly m: Module;
  get(name: string): Ref;
  set(name: string, value: Ref): Ref;
  asNumber(a: Atom): Ref;
  /** A number atom converted to `type`. */
  asType(a: Atom, type: NumberType): Ref;
  /** A statement compiled as scalar code. */
  scalar(s: GStmt): Ref | undefined;
  declare(name: string, type: NumberType | "i32" | "v128"): number;
  importOf(op: PrimOp): string;
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
  /** Lanes per vector (2 f64 or 4 f32), and its log2. */
  private readonly lanes: number;
  private readonly laneShift: number;
  /** The number of groups of `lanes` iterations the vector part runs (i32). */
  private readonly groups: number;
  private readonly low: number;
  private readonly skip: string;
  private readonly start: number | undefined;
  /** The group being computed (i32): lane 0 is the induction value low + lanes·group. */
  private readonly group: number;
  /** Per affine access (array, index): the i32 address of its element at lane 0 of group 0. */
  private readonly pointers = new Map<string, number>();
  /** Per affine variable: its value minus the induction variable's (uniform). */
  private readonly offsets = new Map<string, number>();
  /** Per sum, a second accumulator: loops with sums run two groups per step, one into each, so consecutive additions do not wait on each other. */
  private readonly second = new Map<string, number>();
  /** While emitting the second group of a step: its group relative to the step's (±1), and it adds into the second accumulators. */
  private groupOffset = 0;

  constructor(
    private readonly h: ScalarHost,
    private readonly plan: VectorPlan,
  ) {
    this.m = h.m;
    this.lanes = plan.lane === "f32" ? 4 : 2;
    this.laneShift = plan.lane === "f32" ? 2 : 1;
    this.groups = h.declare(`$groups_${plan.induction}`, "i32");
    this.low = h.declare(`$low_${plan.induction}`, "f64");
    this.skip = h.label();
    this.start = plan.form.k === "down" ? h.declare(`$start_${plan.induction}`, "f64") : undefined;
    this.group = h.declare(`$group_${plan.induction}`, "i32");
    for (const [v, role] of plan.roles) if (role === "varying") this.vectors.set(v, h.declare(`$vec_${v}`, "v128"));
    for (const [v, role] of plan.roles) if (role === "affine") this.offsets.set(v, h.declare(`$offset_${v}`, "f64"));
    for (const a of uniqueAccesses(plan.accesses)) this.pointers.set(accessKey(a), h.declare(`$at_${a.arr}_${a.index}`, "i32"));
    for (const v of plan.sums.keys()) this.vectors.set(v, h.declare(`$vec_${v}`, "v128"));
    for (const v of plan.sums.keys()) this.second.set(v, h.declare(`$vec2_${v}`, "v128"));
  }

  /** The lane type's vector operations. */
  private get V() {
    return this.plan.lane === "f32" ? this.m.f32x4 : this.m.f64x2;
  }

  /** The lane type's scalar operations. */
  private get S() {
    return this.plan.lane === "f32" ? this.m.f32 : this.m.f64;
  }

  emit(): { code: Ref; start?: Ref } {
    const { m, h, plan, V, S } = this;
    const f64 = h.b.f64;
    const i32 = h.b.i32;
    const code: Ref[] = [];
    const groups = () => m.local.get(this.groups, i32);
    const low = () => m.local.get(this.low, f64);
    // iterations the vector part runs: lanes · groups
    const covered = () => m.f64.convert_u.i32(m.i32.shl(groups(), m.i32.const(this.laneShift)));
    const isInteger = (x: () => Ref) => m.f64.eq(m.f64.trunc(x()), x());
    if (this.start !== undefined) code.push(m.local.set(this.start, this.h.asNumber((plan.form as { count: Atom }).count)));
    const inner: Ref[] = [m.local.set(this.groups, m.i32.const(0))];
    // The trip count N; groups = ⌊N / lanes⌋, and the scalar loop runs the rest.
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
    inner.push(m.br(this.skip, m.i32.eqz(m.f64.ge(trips(), m.f64.const(this.lanes)))));
    inner.push(m.local.set(this.groups, m.i32.shr_u(m.i32.trunc_u_sat.f64(trips()), m.i32.const(this.laneShift))));
    // The lowest induction value the vector part runs: where the bounds are checked.
    if (plan.form.k === "down") inner.push(m.local.set(this.low, m.f64.sub(m.local.get(this.start!, f64), covered())));
    inner.push(h.set(plan.induction, low()));
    for (const s of plan.body) if (this.isScalar(s)) inner.push(h.scalar(s)!);
    const fail = (cond: Ref) => m.br(this.skip, cond, undefined);
    for (const { arr, index } of uniqueAccesses(plan.accesses)) {
      const at = () => h.get(index);
      const length = m.f64.convert_u.i32(m.i32.load(0, 4, h.get(arr), MEMORY));
      inner.push(fail(m.i32.eqz(m.i32.and(m.i32.and(isInteger(at), m.f64.ge(at(), m.f64.const(0))), m.f64.le(m.f64.add(at(), covered()), length)))));
    }
    for (const w of plan.written) {
      for (const other of plan.arrays) if (other !== w) inner.push(fail(m.i32.eq(h.get(w), h.get(other))));
    }
    // Uniform values were computed above, once; indices move with the group, from these.
    for (const [v, local] of this.offsets) inner.push(m.local.set(local, m.f64.sub(h.get(v), low())));
    for (const a of uniqueAccesses(plan.accesses)) {
      inner.push(m.local.set(this.pointers.get(accessKey(a))!, m.i32.add(m.i32.add(h.get(a.arr), m.i32.const(HEADER_BYTES)), m.i32.shl(m.i32.trunc_u_sat.f64(h.get(a.index)), m.i32.const(this.elementShift(a.arr))))));
    }
    for (const [v, c] of plan.resets) {
      const bits = plan.lane === "f32" ? m.i32.ne(m.i32.reinterpret(h.get(v)), m.i32.reinterpret(m.f32.const(c))) : m.i64.ne(m.i64.reinterpret(h.get(v)), m.i64.reinterpret(m.f64.const(c)));
      inner.push(fail(bits));
      inner.push(m.local.set(this.vectors.get(v)!, V.splat(S.const(c))));
    }
    for (const v of plan.sums.keys()) inner.push(m.local.set(this.vectors.get(v)!, V.splat(S.const(0))), m.local.set(this.second.get(v)!, V.splat(S.const(0))));
    // The vector loop: group q runs the iterations low + lanes·q … low + lanes·q + lanes − 1,
    // groups in the scalar loop's order (descending in a countdown), so the last group run holds
    // the last iteration: lane lanes − 1 going up, lane 0 going down. (The iterations are
    // independent, but for sums, which are reassociated anyway.)
    const q = this.group;
    const up = plan.form.k === "up";
    const step = up ? 1 : -1;
    // With sums, two groups per step (q and q ± 1, into two accumulators), then the last group alone if one is left.
    const perStep = plan.sums.size > 0 ? 2 : 1;
    const loopLabel = h.label();
    const exit = h.label();
    const qAt = (offset: number) => m.i32.add(m.local.get(q, i32), m.i32.const(offset));
    const body: Ref[] = [m.br(exit, up ? m.i32.ge_s(qAt(perStep - 1), groups()) : m.i32.lt_s(qAt(1 - perStep), m.i32.const(0)))];
    for (let k = 0; k < perStep; k++) body.push(...this.groupBody(k * step));
    body.push(m.local.set(q, qAt(perStep * step)), m.br(loopLabel));
    inner.push(m.local.set(q, up ? m.i32.const(0) : m.i32.sub(groups(), m.i32.const(1))), m.block(exit, [m.loop(loopLabel, m.block(null, body))]));
    if (perStep === 2) inner.push(m.if(up ? m.i32.lt_s(m.local.get(q, i32), groups()) : m.i32.ge_s(m.local.get(q, i32), m.i32.const(0)), m.block(null, this.groupBody(0))));
    // The values the last iteration leaves: lane values from its lane; indices recomputed at its
    // induction value (going down, that is low, where they were computed before the loop).
    const lastLane = up ? this.lanes - 1 : 0;
    for (const [v, role] of plan.roles) {
      if (role === "varying" && !plan.resets.has(v)) inner.push(h.set(v, V.extract_lane(m.local.get(this.vectors.get(v)!, h.b.v128), lastLane as unknown as Ref)));
    }
    if (up) {
      inner.push(h.set(plan.induction, m.f64.sub(m.f64.add(low(), covered()), m.f64.const(1))));
      for (const s of plan.body) if (this.isScalar(s) && s.k === "assign" && plan.roles.get(s.target) === "affine") inner.push(h.scalar(s)!);
    }
    for (const [v, kind] of plan.sums) {
      const vec = () => V.add(m.local.get(this.vectors.get(v)!, h.b.v128), m.local.get(this.second.get(v)!, h.b.v128));
      const lane = (k: number) => V.extract_lane(vec(), k as unknown as Ref);
      const total = this.lanes === 2 ? S.add(lane(0), lane(1)) : S.add(S.add(lane(0), lane(1)), S.add(lane(2), lane(3)));
      inner.push(h.set(v, kind === "add" ? S.add(h.get(v), total) : S.sub(h.get(v), total)));
    }
    // Where the scalar loop goes on: a loop up from low + lanes·groups; a countdown from low − 1.
    if (plan.form.k === "up") inner.push(h.set(plan.induction, m.f64.add(low(), covered())));
    else inner.push(m.local.set(this.start!, low()));
    code.push(m.block(this.skip, inner));
    // A loop up whose vector part was skipped restarts where it was.
    if (plan.form.k === "up") return { code: m.block(null, [...code, m.if(m.i32.eqz(groups()), h.set(plan.induction, low()))]) };
    return { code: m.block(null, code), start: m.local.get(this.start!, f64) };
  }

  /** The vector statements of the body for group q + offset. */
  private groupBody(offset: number): Ref[] {
    this.groupOffset = offset;
    const out: Ref[] = [];
    for (const s of this.plan.body) {
      const r = this.isScalar(s) ? undefined : this.vector(s);
      if (r !== undefined) out.push(r);
    }
    this.groupOffset = 0;
    return out;
  }

  /** The group being computed (i32). */
  private currentGroup(): Ref {
    const q = this.m.local.get(this.group, this.h.b.i32);
    return this.groupOffset === 0 ? q : this.m.i32.add(q, this.m.i32.const(this.groupOffset));
  }

  /** Where a sum adds in the group being emitted. */
  private accumulator(v: string): number {
    return (this.groupOffset === 0 ? this.vectors : this.second).get(v)!;
  }

  /** Uniform and affine statements run in scalar (lane 0's values); the rest on vectors. */
  private isScalar(s: GStmt): boolean {
    if (s.k === "assign") return !this.plan.sums.has(s.target) && this.plan.roles.get(s.target) !== "varying";
    return s.k === "comment";
  }

  private vec(a: Atom): Ref {
    const { m, V } = this;
    if (a.k === "var") {
      const role = this.plan.roles.get(a.name);
      if (role === "varying") return m.local.get(this.vectors.get(a.name)!, this.h.b.v128);
      if (role === "affine") {
        // low + lanes·group + offset, and k more in lane k
        const induction = m.f64.add(m.local.get(this.low, this.h.b.f64), m.f64.convert_u.i32(m.i32.shl(this.currentGroup(), m.i32.const(this.laneShift))));
        const offset = this.offsets.get(a.name);
        const laneZero = offset === undefined ? induction : m.f64.add(induction, m.local.get(offset, this.h.b.f64));
        return V.add(V.splat(this.plan.lane === "f32" ? m.f32.demote(laneZero) : laneZero), m.v128.const(laneOffsets(this.plan.lane)));
      }
    }
    return V.splat(this.h.asType(a, this.plan.lane));
  }

  private vector(s: GStmt): Ref | undefined {
    const { m, h, plan, V } = this;
    switch (s.k) {
      case "assign": {
        const out = this.vectors.get(s.target)!;
        if (plan.sums.has(s.target)) {
          const [, x] = sumOperands(s, s.target)!;
          const sum = this.accumulator(s.target);
          return m.local.set(sum, V.add(m.local.get(sum, h.b.v128), this.vec(x)));
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
        const out = plan.sums.has(s.target) ? this.accumulator(s.target) : this.vectors.get(s.target)!;
        return m.local.set(out, V.add(m.local.get(out, h.b.v128), this.terms(s.terms)));
      }
      case "store":
        return this.store(s.arr, (s.index as { name: string }).name, this.vec(s.value));
      case "accumElem": {
        const index = (s.index as { name: string }).name;
        return this.store(s.arr, index, V.add(this.load(s.arr, index), this.terms(s.terms)));
      }
      default:
        return undefined;
    }
  }

  /** Σ coef·value on lanes, summed in the scalar code's order. */
  private terms(terms: Term[]): Ref {
    const { m, V, S } = this;
    if (terms.length === 0) return V.splat(S.const(0));
    let sum: Ref | undefined;
    for (const t of terms) {
      const negative = t.coef.k === "num" && t.coef.value === -1;
      const unit = t.coef.k === "num" && (t.coef.value === 1 || negative);
      let term = unit ? this.vec(t.value) : V.mul(this.vec(t.value), this.vec(t.coef));
      if (t.zeroSafe && !unit) term = m.v128.bitselect(V.splat(S.const(0)), term, V.eq(this.vec(t.value), V.splat(S.const(0))));
      if (sum === undefined) sum = negative ? V.neg(term) : term;
      else sum = negative ? V.sub(sum, term) : V.add(sum, term);
    }
    return sum!;
  }

  private primitive(op: PrimOp, args: Atom[]): Ref {
    const { m, V } = this;
    const v = (k: number) => this.vec(args[k]);
    if (VECTOR_OPS.has(op)) {
      switch (op) {
        case "add":
          return V.add(v(0), v(1));
        case "sub":
          return V.sub(v(0), v(1));
        case "mul":
          return V.mul(v(0), v(1));
        case "div":
          return V.div(v(0), v(1));
        case "min":
          return V.min(v(0), v(1));
        case "max":
          return V.max(v(0), v(1));
        case "neg":
          return V.neg(v(0));
        case "abs":
          return V.abs(v(0));
        case "sqrt":
          return V.sqrt(v(0));
        case "floor":
          return V.floor(v(0));
        case "ceil":
          return V.ceil(v(0));
        case "trunc":
          return V.trunc(v(0));
        case "fround":
          // float32 lanes hold float32 values already
          return this.plan.lane === "f32" ? v(0) : m.f64x2.promote_low_f32x4(m.f32x4.demote_f64x2_zero(v(0)));
      }
    }
    // Lane by lane, with the scalar code's operation (a native instruction or JavaScript's Math).
    const lane = (k: number) => {
      const operands = args.map((_, j) => V.extract_lane(this.vec(args[j]), k as unknown as Ref));
      return this.scalarPrimitive(op, operands);
    };
    let out = V.splat(lane(0));
    for (let k = 1; k < this.lanes; k++) out = V.replace_lane(out, k as unknown as Ref, lane(k));
    return out;
  }

  /** One lane's `op`, at the lane type: comparisons natively, anything else by JavaScript's function in float64. */
  private scalarPrimitive(op: PrimOp, operands: Ref[]): Ref {
    const { m, S } = this;
    const [a, b] = operands;
    switch (PRIMITIVES[op].wasm) {
      case "gt":
        return S.convert_u.i32(S.gt(a, b));
      case "ge":
        return S.convert_u.i32(S.ge(a, b));
      case "lt":
        return S.convert_u.i32(S.lt(a, b));
      case "le":
        return S.convert_u.i32(S.le(a, b));
      default: {
        // divz and every imported primitive: JavaScript's function (divz is the support object's helper)
        if (this.plan.lane === "f64") return m.call(this.h.importOf(op), operands, this.h.b.f64);
        return m.f32.demote(m.call(this.h.importOf(op), operands.map((x) => m.f64.promote(x)), this.h.b.f64));
      }
    }
  }

  private elementShift(arr: string): number {
    return this.h.kindOf(arr) === "Float32Array" ? 2 : 3;
  }

  /** The address of lane 0 of the current group: `lanes` elements further per group. */
  private address(arr: string, index: string): Ref {
    const m = this.m;
    return m.i32.add(m.local.get(this.pointers.get(accessKey({ arr, index }))!, this.h.b.i32), m.i32.shl(this.currentGroup(), m.i32.const(this.elementShift(arr) + this.laneShift)));
  }

  private load(arr: string, index: string): Ref {
    const m = this.m;
    // f64 lanes from a float32 array: two elements, widened
    if (this.plan.lane === "f64" && this.h.kindOf(arr) === "Float32Array") return m.f64x2.promote_low_f32x4(m.v128.load64_zero(0, 4, this.address(arr, index), MEMORY));
    return m.v128.load(0, this.plan.lane === "f32" ? 4 : 8, this.address(arr, index), MEMORY);
  }

  private store(arr: string, index: string, value: Ref): Ref {
    return this.m.v128.store(0, this.plan.lane === "f32" ? 4 : 8, this.address(arr, index), value, MEMORY);
  }
}

/** The bytes of the lane indices (0, 1[, 2, 3]) as the lane type: lane k of an affine value is its lane-0 value + k. */
function laneOffsets(lane: NumberType): number[] {
  const bytes = new Uint8Array(16);
  if (lane === "f32") new Float32Array(bytes.buffer).set([0, 1, 2, 3]);
  else new Float64Array(bytes.buffer).set([0, 1]);
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
