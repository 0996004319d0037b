/**
 * To-be-recorded analysis: which values the reverse sweep reads, and which assignments overwrite
 * such a value so that the forward sweep must save it first (push) and the reverse sweep restore
 * it (pop).
 *
 * It is flow-sensitive: an assignment saves the old value only if the reverse sweep reads that
 * value — if some statement since the variable's previous assignment reads it in its adjoint.
 * So an accumulator whose derivative does not read it (`s += a[i] * b[i]`) is never saved, a
 * value assigned once is never saved, the induction variable of a counted loop is recomputed,
 * and values the reverse sweep can rebuild cheaply (see recompute.ts) are rebuilt, not saved.
 */
import { untilStable } from "../fixpoint.js";
import { type Atom, type Expr, type FnIR, type LoopStmt, type Stmt, assertNever, exprReads, walk } from "../ir.js";
import { PRIMITIVES, partialReads } from "../primitives.js";
import { type CountedLoop, detectCountedLoop } from "./loops.js";
import { type RecomputePlan, planRecompute } from "./recompute.js";

export interface RecordPlan {
  active: Set<string>;
  /** Variables whose values the reverse sweep reads somewhere. */
  needed: Set<string>;
  /** Assignments that must save the value they overwrite. */
  saves: Set<Stmt>;
  /** Stores that must save the array element they overwrite. */
  elementSaves: Set<Stmt>;
  /** Allocations in loops whose previous array (and adjoint) the reverse sweep must get back. */
  arraySaves: Set<Stmt>;
  /** Assignments that may overwrite an earlier value of their target (their adjoint must reset it). */
  redefinitions: Set<Stmt>;
  /** Statements (and blocks containing them) with work in the reverse sweep. */
  reverseWork: Set<Stmt>;
  counted: Map<LoopStmt, CountedLoop>;
  recompute: RecomputePlan;
}

export function planRecording(fn: FnIR, active: Set<string>): RecordPlan {
  const counted = new Map<LoopStmt, CountedLoop>();
  /** Assignments to induction variables of counted loops, which the reverse sweep recomputes. */
  const inductions = new Set<Stmt>();
  walk(fn.body, (s) => {
    if (s.k !== "loop") return;
    const c = detectCountedLoop(s);
    if (!c) return;
    counted.set(s, c);
    inductions.add(s.update[0]);
    inductions.add(s.init[s.init.length - 1]);
  });
  const recompute = planRecompute(fn, counted);
  /** Assignments the reverse sweep never restores from the stack. */
  const unrestored = new Set([...inductions, ...recompute.statements]);
  const redefinitions = findRedefinitions(fn, inductions);
  const isActive = (a: Atom) => a.k === "var" && active.has(a.name);

  const vars = (atoms: Atom[]) => atoms.flatMap((a) => (a.k === "var" ? [a.name] : []));
  /**
   * Values the reverse sweep reads for a statement: before it runs (`before`) and its own result
   * (`result`). A recomputed value (cheap arithmetic, never reading its own result) is rebuilt
   * from its operands where the reverse sweep needs the value itself — the fixpoint below closes
   * this over chains of recomputations — besides what its adjoint reads.
   */
  const reads = (s: Stmt, work: Set<Stmt>): { before: string[]; result: boolean } => {
    const adjointReads = adjointReadsOf(s, work);
    if (s.k !== "assign" || !recompute.statements.has(s)) return adjointReads;
    const rebuild = needed.has(s.target) ? exprReads(s.expr) : [];
    return { before: [...rebuild, ...adjointReads.before], result: false };
  };
  /** Values a statement's adjoint reads. */
  const adjointReadsOf = (s: Stmt, work: Set<Stmt>): { before: string[]; result: boolean } => {
    const nothing = { before: [], result: false };
    switch (s.k) {
      case "assign":
        return active.has(s.target) ? adjointReadsOfExpr(s.expr) : nothing;
      case "store":
        // A saved element is written back into the array the store wrote: that array is read.
        return { before: work.has(s) ? [...vars([s.index]), ...(recompute.elementSaves.has(s) ? [s.arr] : [])] : [], result: false };
      case "if":
        return { before: work.has(s) ? vars([s.cond]) : [], result: false };
      case "loop": {
        const c = counted.get(s);
        if (!c || !work.has(s)) return nothing;
        return { before: [...vars([c.start]), ...(c.replayableTest ? c.testInputs : [])], result: false };
      }
      case "effect":
        return nothing;
      default:
        return assertNever(s);
    }
  };
  /** Values the adjoint of an active assignment of `e` reads: its partials' operands, an index, a call's arguments. */
  const adjointReadsOfExpr = (e: Expr): { before: string[]; result: boolean } => {
    switch (e.k) {
      case "prim": {
        const r = { args: new Set<number>(), result: false };
        PRIMITIVES[e.op].partials.forEach((p, i) => {
          if (p && isActive(e.args[i])) partialReads(p, r);
        });
        return { before: vars([...r.args].map((i) => e.args[i])), result: r.result };
      }
      case "load":
        return { before: vars([e.index]), result: false };
      case "call":
        return { before: vars(e.args), result: false };
      case "copy":
      case "stop":
      case "cmp":
      case "not":
      case "len":
      case "newarr":
        return { before: [], result: false };
      default:
        return assertNever(e);
    }
  };

  // An array allocated on every iteration: where the reverse sweep of iteration k uses iteration
  // k's array (recomputed loads, loop bounds over its length, restored elements) or its adjoint,
  // the references are saved — arrays never go through the number stack.
  const allocationsInLoops: (Stmt & { k: "assign" })[] = [];
  walk(fn.body, (s, depth) => {
    if (s.k === "assign" && s.expr.k === "newarr" && depth > 0) allocationsInLoops.push(s);
  });
  let arraySaves = new Set<Stmt>();
  let saves = new Set<Stmt>();
  let reverseWork = new Set<Stmt>();
  const needed = new Set<string>();
  untilStable("to-be-recorded analysis", 1000, () => {
    arraySaves = new Set(allocationsInLoops.filter((s) => active.has(s.target) || needed.has(s.target)));
    reverseWork = findReverseWork(fn.body, (s) => {
      switch (s.k) {
        case "assign":
          return active.has(s.target) || saves.has(s) || arraySaves.has(s);
        case "store":
          return active.has(s.arr) || recompute.elementSaves.has(s);
        case "effect":
          return false;
        default:
          return assertNever(s);
      }
    });
    const next = new Set<Stmt>();
    const flow = (stmts: Stmt[], readSinceDef: Set<string>): Set<string> => {
      let state = readSinceDef;
      for (const s of stmts) {
        const r = reads(s, reverseWork);
        r.before.forEach((v) => (state.add(v), needed.add(v)));
        if (s.k === "store" || s.k === "effect") continue; // defines no scalar
        if (s.k === "assign") {
          if (state.has(s.target) && !unrestored.has(s) && fn.vars.get(s.target) !== "arr") next.add(s);
          state.delete(s.target);
          if (r.result) (state.add(s.target), needed.add(s.target));
        } else if (s.k === "if") {
          const a = flow(s.then, new Set(state));
          const b = flow(s.else, new Set(state));
          state = new Set([...a, ...b]);
        } else if (s.k === "loop") {
          state = flow(s.init, state);
          // Iterate the loop's effect to a fixpoint: what is read in one iteration is still
          // "read since the last assignment" when the next iteration assigns it.
          let entry = new Set(state);
          for (;;) {
            const afterBody = s.postTest ? flow(s.body, new Set(entry)) : flow(s.body, flow(s.test, new Set(entry)));
            const afterIteration = s.postTest ? flow(s.test, flow(s.update, afterBody)) : flow(s.update, afterBody);
            const merged = new Set([...entry, ...afterIteration]);
            if (merged.size === entry.size) break;
            entry = merged;
          }
          state = s.postTest ? entry : flow(s.test, entry);
        } else {
          assertNever(s);
        }
      }
      return state;
    };
    const neededBefore = needed.size;
    flow(fn.body, new Set());
    const stable = next.size === saves.size && [...next].every((s) => saves.has(s)) && needed.size === neededBefore;
    saves = next;
    return !stable;
  });
  return { active, needed, saves, elementSaves: recompute.elementSaves, arraySaves, redefinitions, reverseWork, counted, recompute };
}

/** Statements with reverse-sweep work, and every if/loop that contains one. */
function findReverseWork(body: Stmt[], hasWork: (s: Exclude<Stmt, { k: "if" } | LoopStmt>) => boolean): Set<Stmt> {
  const work = new Set<Stmt>();
  const visit = (stmts: Stmt[]): boolean => {
    let any = false;
    for (const s of stmts) {
      const w = s.k === "if" ? [visit(s.then), visit(s.else)].some(Boolean) : s.k === "loop" ? [visit(s.init), visit(s.test), visit(s.body), visit(s.update)].some(Boolean) : hasWork(s);
      if (w) work.add(s);
      any ||= w;
    }
    return any;
  };
  visit(body);
  return work;
}

/** Assignments that may overwrite a value of their target assigned earlier (in a loop, or again). */
function findRedefinitions(fn: FnIR, inductions: Set<Stmt>): Set<Stmt> {
  const defCount = new Map<string, number>();
  const inLoop = new Set<Stmt>();
  walk(fn.body, (s, depth) => {
    if (s.k !== "assign") return;
    if (depth > 0) inLoop.add(s);
    defCount.set(s.target, (defCount.get(s.target) ?? 0) + 1);
  });
  const params = new Set(fn.params.map((p) => p.name));
  const out = new Set<Stmt>();
  walk(fn.body, (s) => {
    if (s.k !== "assign" || inductions.has(s)) return;
    if (params.has(s.target) || inLoop.has(s) || ((defCount.get(s.target) ?? 0) > 1 && !s.declares)) out.add(s);
  });
  return out;
}
