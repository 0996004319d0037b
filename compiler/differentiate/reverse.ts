/**
 * Reverse mode. The generated function first runs a forward sweep — the primal code, saving on the
 * stack only the overwritten values that to-be-recorded analysis asks for, and counting loop trips
 * — then an adjoint sweep over the statements in reverse order: x̄ᵢ += ȳ·∂y/∂xᵢ from the rules
 * table, branches replayed from their (restored) conditions, loops run backwards for their
 * recorded trip count. Helper calls are differentiated in joint mode: the adjoint sweep calls the
 * helper's own reverse function, which recomputes what it needs from the arguments. Loops marked
 * `// @checkpoint` save their state every k iterations instead, and replay segments (checkpoint.ts).
 */
import { type Atom, arrayName, assertNever, type Expr, exprReads, type FnIR, gen, type GFn, type GStmt, type GVar, type LoopStmt, type Param, type SaveStack, type Stmt, num, ref } from "../ir.js";
import { analyzeActivity } from "../analyze/activity.js";
import { planRecording } from "../analyze/tbr.js";
import { LocalNames, buildPartial, tripCount, varsOf } from "./common.js";
import { type GeneratedNames, isDifferentiableParam } from "./forward.js";
import { PRIMITIVES, partialReads } from "../primitives.js";
import type { CountedLoop } from "../analyze/loops.js";
import { primalStatements } from "./primal.js";
import { Checkpointing } from "./checkpoint.js";

export class UnsupportedInReverse extends Error {
  constructor(
    message: string,
    readonly loc: Stmt["loc"],
  ) {
    super(message);
  }
}

/**
 * `wrt` lists the parameters (by index) whose adjoints are returned: scalar adjoints go to
 * `$gradc.adjoint[index]`, array adjoints accumulate into the `<name>_bar` buffers passed in.
 */
export function reverseFunction(fn: FnIR, wrt: number[], functions: Map<string, FnIR>, generated: GeneratedNames, name: string): GFn {
  return new ReverseBuilder(fn, wrt, functions, generated).build(name);
}

/**
 * Builds one reverse-mode function: a method per statement kind for each sweep, as Tangent's
 * `visit_For` and friends. The analyses (activity, the to-be-recorded plan) are computed once
 * for the function; local names are allocated in program order, so the output is deterministic.
 */
class ReverseBuilder {
  private readonly wrtParams: Param[];
  private readonly active: Set<string>;
  private readonly plan: ReturnType<typeof planRecording>;
  private readonly vars: Map<string, GVar>;
  private readonly names: LocalNames;
  /** The trip counter of each loop whose trips the forward sweep counts. */
  private readonly trips = new Map<LoopStmt, string>();
  /** Loops nested in other loops: their trip counts are saved per outer iteration. */
  private readonly tripsSaved = new Set<LoopStmt>();
  /** Loops marked `// @checkpoint`: their sweeps are built by checkpoint.ts. */
  private readonly checkpoints: Checkpointing;

  constructor(
    private readonly fn: FnIR,
    private readonly wrt: number[],
    private readonly functions: Map<string, FnIR>,
    private readonly generated: GeneratedNames,
  ) {
    this.wrtParams = wrt.map((i) => fn.params[i]);
    this.active = analyzeActivity(fn, this.wrtParams.map((p) => p.name));
    this.plan = planRecording(fn, this.active);
    this.vars = varsOf(fn.vars);
    this.names = new LocalNames(this.vars);
    this.checkpoints = new Checkpointing({
      fn,
      names: this.names,
      stackOf: (name) => this.stackOf(name),
      forward: (stmts, depth) => this.forward(stmts, depth),
      primal: (stmts) => primalStatements(stmts, generated),
      adjoint: (stmts) => this.adjoint(stmts),
      iterationAdjoint: (loop, counted, index) => this.iterationAdjoint(loop, counted, index),
    });
  }

  build(name: string): GFn {
    const { fn, names } = this;
    const arrayResult = fn.resultType === "arr";
    // A number result's adjoint is the seed itself; an array result's adjoint buffer is allocated
    // with the array, and the cotangent (the seed) is added into it after the forward sweep.
    const seed = arrayResult ? names.temp("cotangent", "arr") : this.bar(fn.result);
    const params: Param[] = [...fn.params];
    for (const p of this.wrtParams) if (p.type === "arr") params.push({ name: this.bar(p.name), type: "arr" });
    params.push({ name: seed, type: fn.resultType === "arr" ? "arr" : "num" });
    this.vars.get(seed)!.zero = false;

    // Adjoint buffers for arrays that are active without being asked for (e.g. a parameter used as scratch space).
    const prologue: GStmt[] = [];
    for (const p of fn.params) {
      if (p.type === "arr" && this.active.has(p.name) && !this.wrtParams.includes(p)) {
        const n = names.temp("n");
        prologue.push(gen.assign(n, { k: "len", arr: p.name }));
        prologue.push(gen.assign(this.bar(p.name), { k: "newarr", size: ref(n) }));
      }
    }

    const forwardSweep = this.forward(fn.body, 0);
    const value = names.temp("value", fn.resultType);
    const adjointSweep = this.adjoint(fn.body);
    const body: GStmt[] = [
      ...prologue,
      { k: "comment", text: "forward sweep" },
      ...forwardSweep,
      gen.copy(value, ref(fn.result)),
      ...(arrayResult && this.active.has(fn.result) ? this.seedArrayResult(seed) : []),
      { k: "comment", text: "reverse sweep" },
      ...adjointSweep,
    ];
    fn.params.forEach((p, i) => {
      if (p.type === "num" && this.wrt.includes(i)) {
        body.push({ k: "setOut", slot: "adjoint", index: i, value: this.active.has(p.name) ? ref(this.bar(p.name)) : num(0) });
      }
    });
    body.push({ k: "return", value: ref(value) });
    return {
      name,
      params,
      vars: this.vars,
      body,
      returns: fn.resultType,
      reentrant: fn.recursive,
      doc: `reverse mode of ${fn.sourceName} (${fn.loc.file.split("/").pop()}:${fn.loc.line}): returns the value; adjoints of scalar parameters go to $gradc.adjoint[i], of arrays into the *_bar buffers`,
    };
  }

  /** result̄[k] += cotangent[k]: the seed of an array result. */
  private seedArrayResult(cotangent: string): GStmt[] {
    const { fn, names } = this;
    const n = names.temp("n");
    const k = names.temp("k");
    const g = names.temp("g");
    return [
      gen.assign(n, { k: "len", arr: fn.result }),
      {
        k: "countdown",
        counter: k,
        count: ref(n),
        body: [gen.assign(g, { k: "load", arr: cotangent, index: ref(k) }), { k: "accumElem", arr: this.bar(fn.result), index: ref(k), terms: [{ coef: num(1), value: ref(g) }] }],
      },
    ];
  }

  private bar(v: string): string {
    return this.names.derived(v, "bar", this.fn.vars.get(v)!);
  }

  private isActive(a: Atom): a is { k: "var"; name: string } {
    return a.k === "var" && this.active.has(a.name);
  }

  /** The stack a saved value of this variable (or element of this array) goes on. */
  private stackOf(name: string): SaveStack {
    return this.active.has(name) ? "active" : "inactive";
  }

  // ------------------------------------------------------------------ forward sweep

  private forward(stmts: Stmt[], depth: number): GStmt[] {
    const out: GStmt[] = [];
    for (const s of stmts) {
      switch (s.k) {
        case "assign":
          this.forwardAssign(s, out);
          break;
        case "store":
          this.forwardStore(s, out);
          break;
        case "effect":
          out.push({ ...s, fn: this.generated.primal(s.fn) });
          break;
        case "if":
          out.push({ k: "if", cond: s.cond, then: this.forward(s.then, depth), else: this.forward(s.else, depth), loc: s.loc });
          break;
        case "loop":
          this.forwardLoop(s, depth, out);
          break;
        default:
          assertNever(s);
      }
    }
    return out;
  }

  private forwardAssign(s: Stmt & { k: "assign" }, out: GStmt[]): void {
    const { plan, active } = this;
    if (plan.saves.has(s)) out.push(gen.push(ref(s.target), this.stackOf(s.target), s.loc));
    if (plan.arraySaves.has(s)) {
      out.push({ k: "pushArray", arr: s.target, loc: s.loc });
      if (active.has(s.target)) out.push({ k: "pushArray", arr: this.bar(s.target), loc: s.loc });
    }
    if (s.expr.k === "call") out.push({ ...s, expr: { k: "call", fn: this.generated.primal(s.expr.fn), args: s.expr.args } });
    else out.push(s);
    if (s.expr.k === "newarr" && active.has(s.target)) out.push(gen.assign(this.bar(s.target), s.expr, s.loc));
  }

  private forwardStore(s: Stmt & { k: "store" }, out: GStmt[]): void {
    if (this.plan.elementSaves.has(s)) {
      // A recomputed load reads this element later in the reverse sweep: keep the old one.
      const old = this.names.temp("old");
      out.push(gen.assign(old, { k: "load", arr: s.arr, index: s.index }, s.loc));
      out.push(gen.push(ref(old), this.stackOf(s.arr), s.loc));
    }
    out.push(s);
  }

  private forwardLoop(s: LoopStmt, depth: number, out: GStmt[]): void {
    if (s.checkpoint && this.plan.reverseWork.has(s)) {
      out.push(...this.checkpoints.forward(s, this.checkpointable(s), depth));
      return;
    }
    out.push(...this.forward(s.init, depth));
    const body = [...this.forward(s.body, depth + 1), ...this.forward(s.update, depth + 1)];
    if (this.plan.reverseWork.has(s) && !this.plan.counted.get(s)?.replayableTest) {
      const count = this.names.temp(`trips`);
      this.trips.set(s, count);
      if (depth > 0) {
        this.tripsSaved.add(s);
        out.push(gen.push(ref(count), "inactive", s.loc));
      }
      out.push(gen.copy(count, num(0), s.loc));
      body.push(gen.prim(count, "add", [ref(count), num(1)], s.loc));
    }
    out.push({ k: "loop", test: this.forward(s.test, depth + 1), cond: s.cond, body, postTest: s.postTest, loc: s.loc });
  }

  // ------------------------------------------------------------------ adjoint sweep

  private adjoint(stmts: Stmt[]): GStmt[] {
    const out: GStmt[] = [];
    for (let i = stmts.length - 1; i >= 0; i--) {
      const s = stmts[i];
      if (!this.plan.reverseWork.has(s)) continue;
      switch (s.k) {
        case "assign":
          this.adjointOfAssign(s, out);
          break;
        case "store":
          this.adjointOfStore(s, out);
          break;
        case "if":
          out.push({ k: "if", cond: s.cond, then: this.adjoint(s.then), else: this.adjoint(s.else), loc: s.loc });
          break;
        case "loop":
          out.push(...this.adjointOfLoop(s));
          break;
        case "effect":
          // Calls kept for their effect write arrays only through inlined helpers: never reverse work.
          throw new Error("gradc internal error: an effect call has reverse work");
        default:
          assertNever(s);
      }
    }
    return out;
  }

  private adjointOfAssign(s: Stmt & { k: "assign" }, out: GStmt[]): void {
    const { plan, active, names } = this;
    const { target, expr, loc } = s;
    const saved = plan.saves.has(s);
    const restore = () => {
      if (saved) out.push(gen.pop(target, this.stackOf(target), loc));
    };
    if (plan.arraySaves.has(s)) {
      // Back to the previous iteration's array and adjoint.
      if (active.has(target)) out.push(gen.assign(this.bar(target), { k: "popArray" }, loc));
      out.push(gen.assign(target, { k: "popArray" }, loc));
      return;
    }
    if (!active.has(target) || this.fn.vars.get(target) === "arr") {
      restore();
      return;
    }
    const targetBar = this.bar(target);
    if (!saved && isAccumulation(expr, target)) {
      // `s = s + w` (or s − w): s̄ passes through unchanged and only w̄ += ±s̄.
      const other = expr.k === "prim" ? expr.args[1] : undefined;
      if (other && this.isActive(other) && !(other.k === "var" && other.name === target)) {
        out.push(gen.accum(this.bar(other.name), num(expr.k === "prim" && expr.op === "sub" ? -1 : 1), ref(targetBar), loc));
      }
      return;
    }
    const readsTarget = exprReads(expr).includes(target);
    // The adjoint of the new value is consumed here; the overwritten value starts from zero.
    let g: Atom = ref(targetBar);
    const resetFirst = saved || readsTarget || plan.redefinitions.has(s);
    if (saved || readsTarget) {
      const t = names.temp("g");
      out.push(gen.copy(t, ref(targetBar), loc));
      out.push(gen.copy(targetBar, num(0), loc));
      g = ref(t);
    }
    switch (expr.k) {
      case "prim":
        this.adjointOfPrim(expr, target, g, saved || readsTarget, restore, out, loc);
        break;
      case "copy":
        restore();
        if (this.isActive(expr.arg)) out.push(gen.accum(this.bar(expr.arg.name), num(1), g, loc));
        break;
      case "load":
        restore();
        if (active.has(expr.arr)) out.push({ k: "accumElem", arr: this.bar(expr.arr), index: expr.index, terms: [{ coef: num(1), value: g }], loc });
        break;
      case "call":
        restore();
        this.adjointOfCall(expr, g, out, loc);
        break;
      case "stop":
      case "cmp":
      case "not":
      case "len":
      case "newarr":
        restore(); // no derivative flows back through these
        break;
      default:
        assertNever(expr);
    }
    if (!resetFirst) return;
    if (!(saved || readsTarget)) out.push(gen.copy(targetBar, num(0), loc));
  }

  /** x̄ᵢ += ḡ·∂y/∂xᵢ for each active operand, the partials from the primitives table. */
  private adjointOfPrim(expr: Expr & { k: "prim" }, target: string, g: Atom, overwritten: boolean, restore: () => void, out: GStmt[], loc: Stmt["loc"]): void {
    const reads = { args: new Set<number>(), result: false };
    const rule = PRIMITIVES[expr.op];
    rule.partials.forEach((p, i) => {
      if (p && this.isActive(expr.args[i])) partialReads(p, reads);
    });
    let result: Atom = ref(target);
    if (reads.result && overwritten) {
      // The partial reads the result, which the restore below overwrites: keep it.
      const r = this.names.temp("y");
      out.push(gen.copy(r, ref(target), loc));
      result = ref(r);
    }
    restore();
    rule.partials.forEach((p, i) => {
      const arg = expr.args[i];
      if (!p || !this.isActive(arg)) return;
      const coef = buildPartial(p, expr.args, result, this.names, out, loc);
      out.push(gen.accum(this.bar(arg.name), coef, g, loc, rule.infiniteSlope));
    });
  }

  /** A helper's own reverse function, in joint mode: it recomputes what it needs from the arguments. */
  private adjointOfCall(expr: Expr & { k: "call" }, g: Atom, out: GStmt[], loc: Stmt["loc"]): void {
    const callee = this.functions.get(expr.fn)!;
    const args: Atom[] = [...expr.args];
    callee.params.forEach((p, i) => {
      if (p.type === "arr" && isDifferentiableParam(p)) args.push(this.arrayAdjoint(expr.args[i], out));
    });
    args.push(g);
    out.push({ k: "effect", fn: this.generated.reverse(expr.fn), args, loc });
    callee.params.forEach((p, i) => {
      const arg = expr.args[i];
      if (p.type === "num" && this.isActive(arg)) out.push(gen.accum(this.bar(arg.name), num(1), ref(this.adjointSlot(i, out)), loc));
    });
  }

  /** Array adjoints handed to a helper's reverse function: the real one, or a scratch buffer. */
  private arrayAdjoint(a: Atom, out: GStmt[]): Atom {
    if (this.isActive(a)) return ref(this.bar(a.name));
    const n = this.names.temp("n");
    const scratch = this.names.temp("scratch", "arr");
    out.push(gen.assign(n, { k: "len", arr: arrayName(a) }));
    out.push(gen.assign(scratch, { k: "newarr", size: ref(n) }));
    return ref(scratch);
  }

  private adjointSlot(index: number, out: GStmt[]): string {
    const t = this.names.temp("a");
    out.push(gen.assign(t, { k: "out", slot: "adjoint", index }));
    return t;
  }

  /** a[i] = v backwards: v̄ += ā[i], ā[i] = 0, and the overwritten element back if it was saved. */
  private adjointOfStore(s: Stmt & { k: "store" }, out: GStmt[]): void {
    if (this.active.has(s.arr)) {
      const g = this.names.temp("g");
      out.push(gen.assign(g, { k: "load", arr: this.bar(s.arr), index: s.index }, s.loc));
      out.push({ k: "store", arr: this.bar(s.arr), index: s.index, value: num(0), loc: s.loc });
      if (this.isActive(s.value)) out.push(gen.accum(this.bar(s.value.name), num(1), ref(g), s.loc));
    }
    if (this.plan.elementSaves.has(s)) {
      const old = this.names.temp("old");
      out.push(gen.pop(old, this.stackOf(s.arr), s.loc));
      out.push({ k: "store", arr: s.arr, index: s.index, value: ref(old), loc: s.loc });
    }
  }

  /** The loop run backwards for its trip count: recorded, recounted, or in closed form. */
  private adjointOfLoop(s: LoopStmt): GStmt[] {
    const { plan, names } = this;
    if (s.test.some((t) => plan.reverseWork.has(t))) {
      throw new UnsupportedInReverse("this loop condition computes values the derivative needs; compute them inside the loop body", s.loc);
    }
    if (s.checkpoint) return this.checkpoints.adjoint(s);
    const out: GStmt[] = [];
    const counted = plan.counted.get(s);
    let count = this.trips.get(s);
    if (counted?.bound) {
      // The trip count in closed form from the start, the bound and the step: nothing was saved.
      // The test runs once first, so a bound it computes (an array's length) is this loop's.
      count = names.temp("trips");
      out.push(gen.copy(counted.inductionVar, counted.start, s.loc));
      out.push(...this.forward(s.test, 1));
      out.push(...tripCount(counted, count, names, s.loc));
    } else if (counted?.replayableTest) {
      // Recount the trips by replaying the loop header: nothing was saved for them.
      count = names.temp("trips");
      const iv = counted.inductionVar;
      out.push(gen.copy(count, num(0), s.loc));
      out.push(gen.copy(iv, counted.start, s.loc));
      out.push({
        k: "loop",
        test: this.forward(s.test, 1),
        cond: s.cond,
        body: [gen.prim(count, "add", [ref(count), num(1)], s.loc), gen.prim(iv, "add", [ref(iv), num(counted.step)], s.loc)],
        postTest: false,
        loc: s.loc,
      });
    }
    const k = names.temp("k");
    const body = counted ? this.iterationAdjoint(s, counted, ref(k)) : [...this.adjoint(s.update), ...this.adjoint(s.body)];
    out.push({ k: "countdown", counter: k, count: ref(count!), body, loc: s.loc });
    if (this.tripsSaved.has(s)) out.push(gen.pop(count!, "inactive", s.loc));
    out.push(...this.adjoint(s.init));
    return out;
  }

  /** The adjoint of iteration `index` of a counted loop: i and the cheap values rebuilt, then the body backwards. */
  private iterationAdjoint(s: LoopStmt, counted: CountedLoop, index: Atom): GStmt[] {
    const { plan, names } = this;
    const body: GStmt[] = [];
    if (plan.needed.has(counted.inductionVar)) {
      // Recompute the induction variable: i = start + k·step.
      const offset = names.temp("offset");
      body.push(gen.prim(offset, "mul", [index, num(counted.step)], s.loc));
      body.push(gen.prim(counted.inductionVar, "add", [counted.start, ref(offset)], s.loc));
    }
    // Rebuild this iteration's loads and index arithmetic instead of having saved them.
    body.push(...neededRecomputations(plan.recompute.byLoop.get(s) ?? [], plan.needed));
    body.push(...this.adjoint(s.body));
    return body;
  }

  /**
   * The counted-loop facts a checkpointed loop's sweeps rest on. Lowering admitted the loop as
   * counted; helpers inlined since cannot change that, but a broken assumption is a diagnostic,
   * never a wrong derivative.
   */
  private checkpointable(s: LoopStmt): CountedLoop {
    const counted = this.plan.counted.get(s);
    if (!counted) throw new UnsupportedInReverse("'// @checkpoint' needs a counted loop (for (let i = a; i < n; i += c), not left early)", s.loc);
    if (s.checkpoint?.every === undefined && !counted.replayableTest) {
      throw new UnsupportedInReverse("'// @checkpoint' (√n segments) needs the trip count before the loop runs; give the segment length, '// @checkpoint 1000'", s.loc);
    }
    return counted;
  }
}

export { isDifferentiableParam };

/** The recomputations whose values the reverse sweep reads, with what they are computed from. */
function neededRecomputations(stmts: Stmt[], needed: Set<string>): Stmt[] {
  const wanted = new Set(needed);
  const kept: Stmt[] = [];
  for (let i = stmts.length - 1; i >= 0; i--) {
    const s = stmts[i];
    if (s.k !== "assign" || !wanted.has(s.target)) continue;
    kept.unshift(s);
    exprReads(s.expr).forEach((v) => wanted.add(v));
  }
  return kept;
}

/** `v = v + w` or `v = v − w` with w ≠ v: the adjoint of v is the same before and after. */
function isAccumulation(expr: Expr, target: string): boolean {
  if (expr.k !== "prim" || (expr.op !== "add" && expr.op !== "sub")) return false;
  const [a, b] = expr.args;
  return a.k === "var" && a.name === target && !(b.k === "var" && b.name === target);
}
