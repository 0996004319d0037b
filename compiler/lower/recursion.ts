/**
 * Which lowered functions recurse. A function on a cycle of calls — direct or mutual, however
 * the cycle closes (through a function lowered earlier too) — may run in several frames at once:
 * its generated code must not reuse per-call buffers. A function that reaches such a cycle may
 * recurse as deep as the run-time data says: its public wrappers report a stack overflow as such.
 * Strongly connected components of the call graph (Tarjan's algorithm), recomputed over every
 * function lowered so far.
 */
import { type Atom, type FnIR, type SourceLoc, type Stmt, walk, writtenAfter, writtenParams } from "../ir.js";

export function markRecursion(functions: Iterable<FnIR>): void {
  const byName = new Map([...functions].map((f) => [f.name, f]));
  const callees = new Map([...byName.values()].map((f) => [f.name, calls(f)]));
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  let next = 0;
  const connect = (name: string): void => {
    index.set(name, next);
    low.set(name, next++);
    stack.push(name);
    onStack.add(name);
    for (const callee of callees.get(name) ?? []) {
      if (!byName.has(callee)) continue;
      if (!index.has(callee)) {
        connect(callee);
        low.set(name, Math.min(low.get(name)!, low.get(callee)!));
      } else if (onStack.has(callee)) {
        low.set(name, Math.min(low.get(name)!, index.get(callee)!));
      }
    }
    if (low.get(name) !== index.get(name)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== name);
    const cyclic = component.length > 1 || (callees.get(name) ?? new Set()).has(name);
    for (const m of component) byName.get(m)!.recursive = cyclic;
  };
  for (const name of byName.keys()) if (!index.has(name)) connect(name);
  // Reaching a cycle: a fixpoint over callers.
  for (const f of byName.values()) f.reachesRecursion = f.recursive;
  for (let changed = true; changed; ) {
    changed = false;
    for (const f of byName.values()) {
      if (f.reachesRecursion) continue;
      if ([...callees.get(f.name)!].some((c) => byName.get(c)?.reachesRecursion)) {
        f.reachesRecursion = true;
        changed = true;
      }
    }
  }
}

/** A recursive function that shares arrays with its callers in a way joint mode cannot undo. */
export interface RecursionProblem {
  fn: FnIR;
  loc: SourceLoc;
  message: string;
  hint: string;
}

/**
 * Recursion over arrays that are only read. Each level's reverse function re-runs the level from
 * its arguments (joint mode), which is exact only if the arrays still hold what they held when
 * the level first ran: a recursive function may not write into its array parameters, and a
 * caller may not write an array it passed to a recursive call after the call (writes before it
 * are fine: `const s = smooth(a); return rangeSum(s, 0, n)`). Non-recursive helpers that share
 * written arrays are inlined instead (lower/inline.ts); a recursive call cannot be.
 */
export function recursionProblems(functions: Iterable<FnIR>): RecursionProblem[] {
  const all = [...functions];
  const byName = new Map(all.map((f) => [f.name, f]));
  const problems: RecursionProblem[] = [];
  for (const fn of all) {
    if (fn.recursive && writtenParams(fn).length > 0) {
      problems.push({ fn, loc: fn.loc, message: `the recursive function '${fn.sourceName}' writes into an array parameter`, hint: "write the results into a local array (or return a number), or write the recursion as a loop" });
    }
    walk(fn.body, (s) => {
      const call = s.k === "effect" ? s : s.k === "assign" && s.expr.k === "call" ? s.expr : undefined;
      const callee = call && byName.get(call.fn);
      if (!call || !callee?.recursive || !call.args.some((_, i) => callee.params[i]?.type === "arr")) return;
      const written = writtenAfter(fn.body, s);
      const shared = call.args.find((a: Atom, i) => callee.params[i]?.type === "arr" && a.k === "var" && written.has(a.name));
      if (shared?.k !== "var") return;
      problems.push({
        fn,
        loc: s.loc,
        message: `'${fn.sourceName}' writes '${shared.name}' after passing it to the recursive '${callee.sourceName}'`,
        hint: "finish writing the array before the recursive call, or pass the recursion a copy of it",
      });
    });
  }
  return problems;
}

/** The functions `fn` calls directly. */
function calls(fn: FnIR): Set<string> {
  const out = new Set<string>();
  walk(fn.body, (s) => {
    if (s.k === "effect") out.add(s.fn);
    if (s.k === "assign" && s.expr.k === "call") out.add(s.expr.fn);
  });
  return out;
}
