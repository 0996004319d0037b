/**
 * Recomputation instead of recording. Inside a counted loop, the reverse sweep rebuilds cheap
 * values at the start of each backward iteration — array loads, index arithmetic — from the
 * induction variable and from values the loop does not change, rather than saving them on every
 * forward iteration. This is what lets a matrix–vector product or an accumulation loop run
 * backwards with no stack traffic at all (the failure Clad users measured at 200×).
 *
 * A load can be redone only if the array holds the same element when the reverse sweep gets
 * there: no store after it in the same iteration, and every store that may run later in time
 * saves the element it overwrites so the reverse sweep can put it back (`elementSaves`).
 */
import { type Atom, type FnIR, type LoopStmt, type Stmt, assertNever, statementReads, walk } from "../ir.js";
import { PRIMITIVES } from "../primitives.js";
import type { CountedLoop } from "./loops.js";

export interface RecomputePlan {
  /** Per counted loop, the body statements the reverse sweep redoes at each iteration, in order. */
  byLoop: Map<LoopStmt, Stmt[]>;
  statements: Set<Stmt>;
  /** Stores that must save the element they overwrite, because a recomputed load reads it. */
  elementSaves: Set<Stmt>;
}

interface Position {
  pre: number;
  end: number;
  loops: LoopStmt[];
}

export function planRecompute(fn: FnIR, counted: Map<LoopStmt, CountedLoop>): RecomputePlan {
  // Preorder positions, subtree ends and enclosing loops of every statement.
  const position = new Map<Stmt, Position>();
  const readsAt = new Map<string, number[]>();
  const defCount = new Map<string, number>();
  const stores: Stmt[] = [];
  let counter = 0;
  const visit = (stmts: Stmt[], loops: LoopStmt[]) => {
    for (const s of stmts) {
      const pos: Position = { pre: counter++, end: 0, loops };
      position.set(s, pos);
      for (const name of statementReads(s)) readsAt.set(name, [...(readsAt.get(name) ?? []), pos.pre]);
      switch (s.k) {
        case "assign":
          defCount.set(s.target, (defCount.get(s.target) ?? 0) + 1);
          break;
        case "store":
          stores.push(s);
          break;
        case "if":
          visit(s.then, loops);
          visit(s.else, loops);
          break;
        case "loop": {
          visit(s.init, loops);
          const inner = [...loops, s];
          visit(s.test, inner);
          visit(s.body, inner);
          visit(s.update, inner);
          break;
        }
        case "effect":
          break;
        default:
          assertNever(s);
      }
      pos.end = counter;
    }
  };
  visit(fn.body, []);

  const params = new Set(fn.params.map((p) => p.name));
  const byLoop = new Map<LoopStmt, Stmt[]>();
  const statements = new Set<Stmt>();
  const recomputedLoads: { arr: string; loop: LoopStmt }[] = [];

  for (const [loop, info] of counted) {
    const assignedInLoop = new Set<string>();
    const storedAfter = (k: number, arr: string) =>
      [...loop.body.slice(k + 1), ...loop.update, ...loop.test].some((s) => subtreeStores(s, arr));
    for (const s of [...loop.test, ...loop.body, ...loop.update]) collectAssigned(s, assignedInLoop);
    const available = new Set<string>([info.inductionVar]);
    const isAvailable = (a: Atom) => a.k !== "var" || available.has(a.name) || !assignedInLoop.has(a.name);
    const bodyEnd = Math.max(...loop.body.map((s) => position.get(s)!.end));
    const list: Stmt[] = [];
    loop.body.forEach((s, k) => {
      if (s.k !== "assign" || params.has(s.target) || defCount.get(s.target) !== 1 || fn.vars.get(s.target) === "arr") return;
      // Every read of the value must follow it in the same iteration, where the recomputation is.
      const own = position.get(s)!.pre;
      if (!(readsAt.get(s.target) ?? []).every((p) => p > own && p < bodyEnd)) return;
      const e = s.expr;
      let ok = false;
      if (e.k === "load") ok = isAvailable(e.index) && !storedAfter(k, e.arr);
      else if (e.k === "prim") ok = PRIMITIVES[e.op].cheap === true && e.args.every(isAvailable);
      else if (e.k === "copy" || e.k === "stop" || e.k === "not") ok = isAvailable(e.arg);
      else if (e.k === "cmp") ok = e.args.every(isAvailable);
      else if (e.k === "len") ok = true;
      if (!ok) return;
      list.push(s);
      statements.add(s);
      available.add(s.target);
      if (e.k === "load") recomputedLoads.push({ arr: e.arr, loop });
    });
    if (list.length > 0) byLoop.set(loop, list);
  }

  // A store that may run after a recomputed load (later in program order, or in a later
  // iteration of a loop around both) saves the element it overwrites.
  const elementSaves = new Set<Stmt>();
  for (const store of stores) {
    if (store.k !== "store") continue;
    const sp = position.get(store)!;
    for (const { arr, loop } of recomputedLoads) {
      if (arr !== store.arr) continue;
      const lp = position.get(loop)!;
      const later = sp.pre >= lp.pre;
      const sharedLoop = lp.loops.some((outer) => sp.loops.includes(outer));
      if (later || sharedLoop) elementSaves.add(store);
    }
  }
  return { byLoop, statements, elementSaves };
}

function collectAssigned(s: Stmt, into: Set<string>): void {
  walk([s], (t) => {
    if (t.k === "assign") into.add(t.target);
  });
}

function subtreeStores(s: Stmt, arr: string): boolean {
  let found = false;
  walk([s], (t) => {
    if (t.k === "store" && t.arr === arr) found = true;
  });
  return found;
}
