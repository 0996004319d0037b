/**
 * To-be-recorded analysis: which values the reverse sweep reads, and which assignments overwrite
 * such a value so that the forward sweep must save it first (push) and the reverse sweep restore
 * it (pop). A value assigned once outside loops is never saved; neither is an accumulator whose
 * derivative does not read it (`s += a[i] * b[i]` needs no record of `s`), nor the induction
 * variable of a counted loop.
 */
import { type FnIR, type LoopStmt, type Stmt, walk } from "../ir.js";
import { RULES, partialReads } from "../differentiate/rules.js";
import { type CountedLoop, detectCountedLoop } from "./loops.js";

export interface RecordPlan {
  active: Set<string>;
  /** Variables whose values the reverse sweep reads. */
  needed: Set<string>;
  /** Assignments that must save the value they overwrite. */
  saves: Set<Stmt>;
  /** Assignments that may overwrite an earlier value of their target (their adjoint must reset it). */
  redefinitions: Set<Stmt>;
  /** Statements (and blocks containing them) with work in the reverse sweep. */
  reverseWork: Set<Stmt>;
  counted: Map<LoopStmt, CountedLoop>;
}

export function planRecording(fn: FnIR, active: Set<string>): RecordPlan {
  const counted = new Map<LoopStmt, CountedLoop>();
  /** Assignments to counted induction variables, which the reverse sweep recomputes. */
  const countedUpdates = new Set<Stmt>();
  const defCount = new Map<string, number>();
  const inLoop = new Set<Stmt>();
  walk(fn.body, (s, depth) => {
    if (s.k === "loop") {
      const c = detectCountedLoop(s);
      if (c) {
        counted.set(s, c);
        countedUpdates.add(s.update[0]);
        // `for (let i = a; …)`: the initialization starts a fresh variable, overwriting nothing.
        if (s.scoped.includes(c.inductionVar)) countedUpdates.add(s.init[s.init.length - 1]);
      }
    }
    if (s.k === "assign") {
      if (depth > 0) inLoop.add(s);
      if (!countedUpdates.has(s)) defCount.set(s.target, (defCount.get(s.target) ?? 0) + 1);
    }
  });
  const params = new Set(fn.params.map((p) => p.name));
  const overwrites = (s: Stmt & { k: "assign" }) =>
    !countedUpdates.has(s) && (params.has(s.target) || inLoop.has(s) || ((defCount.get(s.target) ?? 0) > 1 && !s.declares));

  const needed = new Set<string>();
  const need = (a: { k: string; name?: string }) => {
    if (a.k === "var") needed.add(a.name!);
  };
  // Values read by the adjoints of active statements.
  walk(fn.body, (s) => {
    if (s.k === "assign" && active.has(s.target)) {
      const e = s.expr;
      if (e.k === "prim") {
        const reads = { args: new Set<number>(), result: false };
        RULES[e.op].partials.forEach((p, i) => {
          const arg = e.args[i];
          if (p && arg.k === "var" && active.has(arg.name)) partialReads(p, reads);
        });
        reads.args.forEach((i) => need(e.args[i]));
        if (reads.result) needed.add(s.target);
      } else if (e.k === "load") {
        need(e.index);
      } else if (e.k === "call") {
        e.args.forEach(need);
      }
    } else if (s.k === "store" && active.has(s.arr)) {
      need(s.index);
    } else if (s.k === "effect") {
      s.args.forEach(need);
    }
  });

  // Blocks with reverse work need their branch conditions and loop bounds, which may make more
  // assignments worth saving: iterate to a fixpoint.
  let reverseWork = new Set<Stmt>();
  for (let size = -1; size !== needed.size; ) {
    size = needed.size;
    reverseWork = new Set();
    const visit = (stmts: Stmt[]): boolean => {
      let any = false;
      for (const s of stmts) {
        let work = false;
        if (s.k === "assign") work = active.has(s.target) || (needed.has(s.target) && overwrites(s));
        else if (s.k === "store") work = active.has(s.arr);
        else if (s.k === "effect") work = false; // helpers never write their array arguments (see lower)
        else if (s.k === "if") {
          const a = visit(s.then);
          const b = visit(s.else);
          work = a || b;
          if (work) need(s.cond);
        } else {
          const parts = [visit(s.init), visit(s.test), visit(s.body), visit(s.update)];
          work = parts.some(Boolean);
          const c = counted.get(s);
          if (work && c) need(c.start);
        }
        if (work) reverseWork.add(s);
        any ||= work;
      }
      return any;
    };
    visit(fn.body);
  }

  const saves = new Set<Stmt>();
  const redefinitions = new Set<Stmt>();
  walk(fn.body, (s) => {
    if (s.k === "assign" && overwrites(s)) {
      redefinitions.add(s);
      if (needed.has(s.target)) saves.add(s);
    }
  });
  return { active, needed, saves, redefinitions, reverseWork, counted };
}
