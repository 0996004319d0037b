/**
 * The state of a loop at the top of an iteration: what a checkpoint must hold so that the loop's
 * iterations, re-run from it later in the reverse sweep, compute exactly what they computed the
 * first time (differentiate/checkpoint.ts).
 *
 * To-be-recorded analysis cannot answer this: it keeps what the *adjoint* reads, while a re-run
 * reads what the *primal* reads — a value the adjoint never needs (the operands of a sum) may
 * still have been overwritten after the loop by the time the reverse sweep gets there. So the
 * state is taken from the loop's code alone, conservatively:
 *  - every scalar an iteration may read before assigning it (an upward-exposed read), unless
 *    nothing in the function ever assigns it (a parameter used as it came);
 *  - every array an iteration reads or writes that a statement which may run after the loop has
 *    started writes (the loop itself, later code, or a later iteration of a loop around it) —
 *    except arrays the loop allocates, which each iteration makes anew.
 */
import { type Atom, type FnIR, type LoopStmt, type Stmt, assertNever, exprReads, statementReads, walk, writtenAfter, writtenArrays } from "../ir.js";

export interface LoopState {
  /** Scalars (numbers, booleans, strings), in the order the loop first reads them. */
  scalars: string[];
  /** Arrays whose elements the checkpoint copies. */
  arrays: string[];
}

export function loopState(fn: FnIR, loop: LoopStmt): LoopState {
  const iteration = [...loop.test, ...loop.body, ...loop.update];
  const exposed = new Set<string>();
  const afterTest = upwardExposed(loop.test, new Set(), exposed);
  if (loop.cond.k === "var" && !afterTest.has(loop.cond.name)) exposed.add(loop.cond.name);
  upwardExposed([...loop.body, ...loop.update], afterTest, exposed);
  const assignedAnywhere = new Set<string>();
  walk(fn.body, (s) => {
    if (s.k === "assign") assignedAnywhere.add(s.target);
  });
  const scalars = [...exposed].filter((v) => fn.vars.get(v) !== "arr" && assignedAnywhere.has(v));

  const allocatedInLoop = new Set<string>();
  const accessed = new Set<string>();
  walk(iteration, (s) => {
    if (s.k === "assign") allocatedInLoop.add(s.target);
    for (const v of statementReads(s)) if (fn.vars.get(v) === "arr") accessed.add(v);
  });
  const changing = new Set([...writtenArrays(iteration), ...writtenAfter(fn.body, loop)]);
  const arrays = [...accessed].filter((a) => changing.has(a) && !allocatedInLoop.has(a));
  return { scalars, arrays };
}

/**
 * Adds to `exposed` the variables `stmts` may read before assigning them, given the variables
 * `defined` on entry; returns those defined on exit (on every path).
 */
function upwardExposed(stmts: Stmt[], defined: Set<string>, exposed: Set<string>): Set<string> {
  let state = defined;
  const read = (names: string[]) => names.forEach((v) => state.has(v) || exposed.add(v));
  for (const s of stmts) {
    switch (s.k) {
      case "assign":
        read(exprReads(s.expr));
        state.add(s.target);
        break;
      case "store":
      case "effect":
        read(statementReads(s));
        break;
      case "if": {
        read(statementReads(s));
        const a = upwardExposed(s.then, new Set(state), exposed);
        const b = upwardExposed(s.else, new Set(state), exposed);
        state = new Set([...a].filter((v) => b.has(v)));
        break;
      }
      case "loop": {
        state = upwardExposed(s.init, state, exposed);
        // The first iteration reads before any later one assigns; the loop may not run at all.
        const inner = upwardExposed(s.test, new Set(state), exposed);
        read(atomNames([s.cond]).filter((v) => !inner.has(v)));
        upwardExposed([...s.body, ...s.update], inner, exposed);
        break;
      }
      default:
        assertNever(s);
    }
  }
  return state;
}

function atomNames(atoms: Atom[]): string[] {
  return atoms.flatMap((a) => (a.k === "var" ? [a.name] : []));
}
