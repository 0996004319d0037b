/**
 * Which lowered functions recurse. A function on a cycle of calls — direct or mutual, however
 * the cycle closes (through a function lowered earlier too) — may run in several frames at once:
 * its generated code must not reuse per-call buffers. A function that reaches such a cycle may
 * recurse as deep as the run-time data says: its public wrappers report a stack overflow as such.
 * Strongly connected components of the call graph (Tarjan's algorithm), recomputed over every
 * function lowered so far.
 */
import { type FnIR, walk } from "../ir.js";

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

/** The functions `fn` calls directly. */
function calls(fn: FnIR): Set<string> {
  const out = new Set<string>();
  walk(fn.body, (s) => {
    if (s.k === "effect") out.add(s.fn);
    if (s.k === "assign" && s.expr.k === "call") out.add(s.expr.fn);
  });
  return out;
}
