/**
 * Counted loops: `for (let i = a; …; i += c)` where nothing else assigns `i` or `a`. Reverse mode
 * runs them backwards by recomputing `i = a + k·c` for k = n-1 … 0 instead of saving `i` on every
 * iteration; only the trip count n is kept (one number per execution of the whole loop).
 */
import { type Atom, type LoopStmt, type Stmt, exprReads, walk } from "../ir.js";

export interface CountedLoop {
  inductionVar: string;
  start: Atom;
  step: number;
  /**
   * The loop test is pure arithmetic on the induction variable and values the loop does not
   * change, so the reverse sweep recounts the trips by replaying the test instead of having
   * saved the count. `testInputs` are the values it reads from outside the loop.
   */
  replayableTest: boolean;
  testInputs: string[];
  /** `i < bound` (or <=, >, >=) with a bound from outside the loop: the trip count has a closed form. */
  bound?: { op: "<" | "<=" | ">" | ">="; value: Atom };
}

/** The bound of a test that is exactly `iv OP bound`, with OP matching the direction of the step. */
function simpleBound(loop: LoopStmt, iv: string, step: number): CountedLoop["bound"] {
  const last = loop.test[loop.test.length - 1];
  if (!last || last.k !== "assign" || loop.cond.k !== "var" || last.target !== loop.cond.name || last.expr.k !== "cmp") return undefined;
  const [a, b] = last.expr.args;
  const op = last.expr.op;
  if (a.k !== "var" || a.name !== iv || b.k === "bool") return undefined;
  if (step > 0 && (op === "<" || op === "<=")) return { op, value: b };
  if (step < 0 && (op === ">" || op === ">=")) return { op, value: b };
  return undefined;
}

export function detectCountedLoop(loop: LoopStmt): CountedLoop | undefined {
  if (loop.postTest || loop.update.length !== 1) return undefined;
  const init = loop.init[loop.init.length - 1];
  const update = loop.update[0];
  if (!init || init.k !== "assign" || init.expr.k !== "copy" || init.expr.arg.k === "bool") return undefined;
  const iv = init.target;
  const start = init.expr.arg;
  // Only a variable declared by the loop itself: no code outside reads its recomputed values.
  if (!loop.scoped.includes(iv)) return undefined;
  if (update.k !== "assign" || update.target !== iv || update.expr.k !== "prim") return undefined;
  const { op, args } = update.expr;
  if ((op !== "add" && op !== "sub") || args[0].k !== "var" || args[0].name !== iv || args[1].k !== "num") return undefined;
  const step = op === "add" ? args[1].value : -args[1].value;
  if (!Number.isInteger(step) || step === 0) return undefined;
  const assigned = new Set<string>();
  const collect = (s: Stmt) => {
    if (s.k === "assign") assigned.add(s.target);
  };
  walk(loop.test, collect);
  walk(loop.body, collect);
  if (assigned.has(iv)) return undefined;
  if (start.k === "var" && (assigned.has(start.name) || start.name === iv)) return undefined;
  const testAssigned = new Set<string>();
  walk(loop.test, collect);
  walk(loop.test, (s) => {
    if (s.k === "assign") testAssigned.add(s.target);
  });
  const inputs = new Set<string>();
  let replayableTest = true;
  walk(loop.test, (s) => {
    if (s.k === "assign") {
      const e = s.expr;
      if (e.k === "call" || e.k === "load" || e.k === "newarr") replayableTest = false;
      exprReads(e).forEach((v) => inputs.add(v));
    } else if (s.k === "if") {
      if (s.cond.k === "var") inputs.add(s.cond.name);
    } else if (s.k !== "loop") {
      replayableTest = false;
    } else {
      replayableTest = false;
    }
  });
  if (loop.cond.k === "var") inputs.add(loop.cond.name);
  const testInputs = [...inputs].filter((v) => v !== iv && !testAssigned.has(v));
  if (testInputs.some((v) => assigned.has(v))) replayableTest = false;
  return { inductionVar: iv, start, step, replayableTest, testInputs, bound: replayableTest ? simpleBound(loop, iv, step) : undefined };
}
