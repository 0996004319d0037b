/**
 * Reverse mode. The generated function first runs a forward sweep — the primal code, saving on the
 * stack only the overwritten values that to-be-recorded analysis asks for, and counting loop trips
 * — then an adjoint sweep over the statements in reverse order: x̄ᵢ += ȳ·∂y/∂xᵢ from the rules
 * table, branches replayed from their (restored) conditions, loops run backwards for their
 * recorded trip count. Helper calls are differentiated in joint mode: the adjoint sweep calls the
 * helper's own reverse function, which recomputes what it needs from the arguments.
 */
import { type Atom, arrayName, assertNever, type Expr, exprReads, type FnIR, type GFn, type GStmt, type LoopStmt, type Param, type SaveStack, type Stmt, num, ref } from "../ir.js";
import { analyzeActivity } from "../analyze/activity.js";
import { planRecording } from "../analyze/tbr.js";
import { LocalNames, buildPartial, varsOf } from "./common.js";
import { type GeneratedNames, isDifferentiableParam } from "./forward.js";
import { PRIMITIVES, partialReads } from "../primitives.js";
import type { CountedLoop } from "../analyze/loops.js";

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
  const wrtParams = wrt.map((i) => fn.params[i]);
  const active = analyzeActivity(fn, wrtParams.map((p) => p.name));
  const plan = planRecording(fn, active);
  /** The stack a saved value of this variable (or element of this array) goes on. */
  const stackOf = (name: string): SaveStack => (active.has(name) ? "active" : "inactive");
  const vars = varsOf(fn.vars);
  const names = new LocalNames(vars);
  const bar = (v: string) => names.derived(v, "bar", fn.vars.get(v)!);
  const isActive = (a: Atom): a is { k: "var"; name: string } => a.k === "var" && active.has(a.name);
  const trips = new Map<LoopStmt, string>();
  const tripsSaved = new Set<LoopStmt>();

  const seed = bar(fn.result);
  const params: Param[] = [...fn.params];
  for (const p of wrtParams) if (p.type === "arr") params.push({ name: bar(p.name), type: "arr" });
  params.push({ name: seed, type: "num" });
  vars.get(seed)!.zero = false;

  // Adjoint buffers for arrays that are active without being asked for (e.g. a parameter used as scratch space).
  const prologue: GStmt[] = [];
  for (const p of fn.params) {
    if (p.type === "arr" && active.has(p.name) && !wrtParams.includes(p)) {
      const n = names.temp("n");
      prologue.push({ k: "assign", target: n, expr: { k: "len", arr: p.name } });
      prologue.push({ k: "assign", target: bar(p.name), expr: { k: "newarr", size: ref(n) } });
    }
  }

  /** Array adjoints handed to a helper's reverse function: the real one, or a scratch buffer. */
  const arrayAdjoint = (a: Atom, out: GStmt[]): Atom => {
    if (isActive(a)) return ref(bar(a.name));
    const n = names.temp("n");
    const scratch = names.temp("scratch", "arr");
    out.push({ k: "assign", target: n, expr: { k: "len", arr: arrayName(a) } });
    out.push({ k: "assign", target: scratch, expr: { k: "newarr", size: ref(n) } });
    return ref(scratch);
  };

  // ------------------------------------------------------------------ forward sweep
  const forward = (stmts: Stmt[], depth: number): GStmt[] => {
    const out: GStmt[] = [];
    for (const s of stmts) {
      switch (s.k) {
        case "assign":
          if (plan.saves.has(s)) out.push({ k: "push", value: ref(s.target), stack: stackOf(s.target), loc: s.loc });
          if (plan.arraySaves.has(s)) {
            out.push({ k: "pushArray", arr: s.target, loc: s.loc });
            if (active.has(s.target)) out.push({ k: "pushArray", arr: bar(s.target), loc: s.loc });
          }
          if (s.expr.k === "call") out.push({ ...s, expr: { k: "call", fn: generated.primal(s.expr.fn), args: s.expr.args } });
          else out.push(s);
          if (s.expr.k === "newarr" && active.has(s.target)) out.push({ k: "assign", target: bar(s.target), expr: s.expr, loc: s.loc });
          break;
        case "store":
          if (plan.elementSaves.has(s)) {
            // A recomputed load reads this element later in the reverse sweep: keep the old one.
            const old = names.temp("old");
            out.push({ k: "assign", target: old, expr: { k: "load", arr: s.arr, index: s.index }, loc: s.loc });
            out.push({ k: "push", value: ref(old), stack: stackOf(s.arr), loc: s.loc });
          }
          out.push(s);
          break;
        case "effect":
          out.push({ ...s, fn: generated.primal(s.fn) });
          break;
        case "if":
          out.push({ k: "if", cond: s.cond, then: forward(s.then, depth), else: forward(s.else, depth), loc: s.loc });
          break;
        case "loop": {
          out.push(...forward(s.init, depth));
          const body = [...forward(s.body, depth + 1), ...forward(s.update, depth + 1)];
          if (plan.reverseWork.has(s) && !plan.counted.get(s)?.replayableTest) {
            const count = names.temp(`trips`);
            trips.set(s, count);
            if (depth > 0) {
              tripsSaved.add(s);
              out.push({ k: "push", value: ref(count), stack: "inactive", loc: s.loc });
            }
            out.push({ k: "assign", target: count, expr: { k: "copy", arg: num(0) }, loc: s.loc });
            body.push({ k: "assign", target: count, expr: { k: "prim", op: "add", args: [ref(count), num(1)] }, loc: s.loc });
          }
          out.push({ k: "loop", test: forward(s.test, depth + 1), cond: s.cond, body, postTest: s.postTest, loc: s.loc });
          break;
        }
      }
    }
    return out;
  };

  // ------------------------------------------------------------------ adjoint sweep
  const adjointOfAssign = (s: Stmt & { k: "assign" }, out: GStmt[]): void => {
    const { target, expr, loc } = s;
    const saved = plan.saves.has(s);
    const restore = () => {
      if (saved) out.push({ k: "assign", target, expr: { k: "pop", stack: stackOf(target) }, loc });
    };
    if (plan.arraySaves.has(s)) {
      // Back to the previous iteration's array and adjoint.
      if (active.has(target)) out.push({ k: "assign", target: bar(target), expr: { k: "popArray" }, loc });
      out.push({ k: "assign", target, expr: { k: "popArray" }, loc });
      return;
    }
    if (!active.has(target) || fn.vars.get(target) === "arr") {
      restore();
      return;
    }
    const targetBar = bar(target);
    if (!saved && isAccumulation(expr, target)) {
      // `s = s + w` (or s − w): s̄ passes through unchanged and only w̄ += ±s̄.
      const other = expr.k === "prim" ? expr.args[1] : undefined;
      if (other && isActive(other) && !(other.k === "var" && other.name === target)) {
        out.push({ k: "accum", target: bar(other.name), terms: [{ coef: num(expr.k === "prim" && expr.op === "sub" ? -1 : 1), value: ref(targetBar) }], loc });
      }
      return;
    }
    const readsTarget = exprReads(expr).includes(target);
    // The adjoint of the new value is consumed here; the overwritten value starts from zero.
    let g: Atom = ref(targetBar);
    const resetFirst = saved || readsTarget || plan.redefinitions.has(s);
    if (saved || readsTarget) {
      const t = names.temp("g");
      out.push({ k: "assign", target: t, expr: { k: "copy", arg: ref(targetBar) }, loc });
      out.push({ k: "assign", target: targetBar, expr: { k: "copy", arg: num(0) }, loc });
      g = ref(t);
    }
    switch (expr.k) {
      case "prim": {
        const reads = { args: new Set<number>(), result: false };
        const rule = PRIMITIVES[expr.op];
        rule.partials.forEach((p, i) => {
          if (p && isActive(expr.args[i])) partialReads(p, reads);
        });
        let result: Atom = ref(target);
        if (reads.result && (saved || readsTarget)) {
          const r = names.temp("y");
          out.push({ k: "assign", target: r, expr: { k: "copy", arg: ref(target) }, loc });
          result = ref(r);
        }
        restore();
        rule.partials.forEach((p, i) => {
          const arg = expr.args[i];
          if (!p || !isActive(arg)) return;
          const coef = buildPartial(p, expr.args, result, names, out, loc);
          out.push({ k: "accum", target: bar(arg.name), terms: [{ coef, value: g, zeroSafe: rule.infiniteSlope }], loc });
        });
        break;
      }
      case "copy":
        restore();
        if (isActive(expr.arg)) out.push({ k: "accum", target: bar(expr.arg.name), terms: [{ coef: num(1), value: g }], loc });
        break;
      case "load":
        restore();
        if (active.has(expr.arr)) out.push({ k: "accumElem", arr: bar(expr.arr), index: expr.index, terms: [{ coef: num(1), value: g }], loc });
        break;
      case "call": {
        restore();
        const callee = functions.get(expr.fn)!;
        const args: Atom[] = [...expr.args];
        callee.params.forEach((p, i) => {
          if (p.type === "arr") args.push(arrayAdjoint(expr.args[i], out));
        });
        args.push(g);
        out.push({ k: "effect", fn: generated.reverse(expr.fn), args, loc });
        callee.params.forEach((p, i) => {
          const arg = expr.args[i];
          if (p.type === "num" && isActive(arg)) {
            out.push({ k: "accum", target: bar(arg.name), terms: [{ coef: num(1), value: ref(adjointSlot(i, out)) }], loc });
          }
        });
        break;
      }
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
    if (!(saved || readsTarget)) out.push({ k: "assign", target: targetBar, expr: { k: "copy", arg: num(0) }, loc });
  };

  const adjointSlot = (index: number, out: GStmt[]): string => {
    const t = names.temp("a");
    out.push({ k: "assign", target: t, expr: { k: "out", slot: "adjoint", index } });
    return t;
  };

  const adjoint = (stmts: Stmt[]): GStmt[] => {
    const out: GStmt[] = [];
    for (let i = stmts.length - 1; i >= 0; i--) {
      const s = stmts[i];
      if (!plan.reverseWork.has(s)) continue;
      switch (s.k) {
        case "assign":
          adjointOfAssign(s, out);
          break;
        case "store": {
          if (active.has(s.arr)) {
            const g = names.temp("g");
            out.push({ k: "assign", target: g, expr: { k: "load", arr: bar(s.arr), index: s.index }, loc: s.loc });
            out.push({ k: "store", arr: bar(s.arr), index: s.index, value: num(0), loc: s.loc });
            if (isActive(s.value)) out.push({ k: "accum", target: bar(s.value.name), terms: [{ coef: num(1), value: ref(g) }], loc: s.loc });
          }
          if (plan.elementSaves.has(s)) {
            const old = names.temp("old");
            out.push({ k: "assign", target: old, expr: { k: "pop", stack: stackOf(s.arr) }, loc: s.loc });
            out.push({ k: "store", arr: s.arr, index: s.index, value: ref(old), loc: s.loc });
          }
          break;
        }
        case "if":
          out.push({ k: "if", cond: s.cond, then: adjoint(s.then), else: adjoint(s.else), loc: s.loc });
          break;
        case "loop":
          out.push(...adjointOfLoop(s));
          break;
      }
    }
    return out;
  };

  const adjointOfLoop = (s: LoopStmt): GStmt[] => {
    if (s.test.some((t) => plan.reverseWork.has(t))) {
      throw new UnsupportedInReverse("this loop condition computes values the derivative needs; compute them inside the loop body", s.loc);
    }
    const out: GStmt[] = [];
    const counted = plan.counted.get(s);
    let count = trips.get(s);
    if (counted?.bound) {
      // The trip count in closed form from the start, the bound and the step: nothing was saved.
      // The test runs once first, so a bound it computes (an array's length) is this loop's.
      count = names.temp("trips");
      out.push({ k: "assign", target: counted.inductionVar, expr: { k: "copy", arg: counted.start }, loc: s.loc });
      out.push(...forward(s.test, 1));
      out.push(...tripCount(counted, count, names, s.loc));
    } else if (counted?.replayableTest) {
      // Recount the trips by replaying the loop header: nothing was saved for them.
      count = names.temp("trips");
      const iv = counted.inductionVar;
      out.push({ k: "assign", target: count, expr: { k: "copy", arg: num(0) }, loc: s.loc });
      out.push({ k: "assign", target: iv, expr: { k: "copy", arg: counted.start }, loc: s.loc });
      out.push({
        k: "loop",
        test: forward(s.test, 1),
        cond: s.cond,
        body: [
          { k: "assign", target: count, expr: { k: "prim", op: "add", args: [ref(count), num(1)] }, loc: s.loc },
          { k: "assign", target: iv, expr: { k: "prim", op: "add", args: [ref(iv), num(counted.step)] }, loc: s.loc },
        ],
        postTest: false,
        loc: s.loc,
      });
    }
    const k = names.temp("k");
    const body: GStmt[] = [];
    if (counted) {
      if (plan.needed.has(counted.inductionVar)) {
        // Recompute the induction variable: i = start + k·step.
        const offset = names.temp("offset");
        body.push({ k: "assign", target: offset, expr: { k: "prim", op: "mul", args: [ref(k), num(counted.step)] }, loc: s.loc });
        body.push({ k: "assign", target: counted.inductionVar, expr: { k: "prim", op: "add", args: [counted.start, ref(offset)] }, loc: s.loc });
      }
      // Rebuild this iteration's loads and index arithmetic instead of having saved them.
      body.push(...neededRecomputations(plan.recompute.byLoop.get(s) ?? [], plan.needed));
      body.push(...adjoint(s.body));
    } else {
      body.push(...adjoint(s.update), ...adjoint(s.body));
    }
    out.push({ k: "countdown", counter: k, count: ref(count!), body, loc: s.loc });
    if (tripsSaved.has(s)) out.push({ k: "assign", target: count!, expr: { k: "pop", stack: "inactive" }, loc: s.loc });
    out.push(...adjoint(s.init));
    return out;
  };

  const forwardSweep = forward(fn.body, 0);
  const value = names.temp("value");
  const adjointSweep = adjoint(fn.body);
  const body: GStmt[] = [
    ...prologue,
    { k: "comment", text: "forward sweep" },
    ...forwardSweep,
    { k: "assign", target: value, expr: { k: "copy", arg: ref(fn.result) } },
    { k: "comment", text: "reverse sweep" },
    ...adjointSweep,
  ];
  fn.params.forEach((p, i) => {
    if (p.type === "num" && wrt.includes(i)) {
      body.push({ k: "setOut", slot: "adjoint", index: i, value: active.has(p.name) ? ref(bar(p.name)) : num(0) });
    }
  });
  body.push({ k: "return", value: ref(value) });
  return {
    name,
    params,
    vars,
    body,
    returns: fn.resultType,
    doc: `reverse mode of ${fn.sourceName} (${fn.loc.file.split("/").pop()}:${fn.loc.line}): returns the value; adjoints of scalar parameters go to $gradc.adjoint[i], of arrays into the *_bar buffers`,
  };
}

export { isDifferentiableParam };

/**
 * n = max(0, ⌈(bound − start)/step⌉) for `i < bound` (⌊…⌋ + 1 for `<=`), and the mirror image
 * for loops counting down: the number of i = start + k·step that pass the test.
 */
function tripCount(loop: CountedLoop, count: string, names: LocalNames, loc: Stmt["loc"]): GStmt[] {
  const { op, value } = loop.bound!;
  const up = loop.step > 0;
  const span = names.temp("span");
  const steps = names.temp("steps");
  const rounded = names.temp("steps");
  const out: GStmt[] = [
    { k: "assign", target: span, expr: { k: "prim", op: "sub", args: up ? [value, loop.start] : [loop.start, value] }, loc },
    { k: "assign", target: steps, expr: { k: "prim", op: "div", args: [ref(span), num(Math.abs(loop.step))] }, loc },
  ];
  if (op === "<" || op === ">") {
    out.push({ k: "assign", target: rounded, expr: { k: "prim", op: "ceil", args: [ref(steps)] }, loc });
  } else {
    const floor = names.temp("steps");
    out.push({ k: "assign", target: floor, expr: { k: "prim", op: "floor", args: [ref(steps)] }, loc });
    out.push({ k: "assign", target: rounded, expr: { k: "prim", op: "add", args: [ref(floor), num(1)] }, loc });
  }
  out.push({ k: "assign", target: count, expr: { k: "prim", op: "max", args: [num(0), ref(rounded)] }, loc });
  return out;
}

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
