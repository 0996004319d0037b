/**
 * Skipping backward loops that would only add zeros. A backward loop whose body reads no adjoint
 * array, stores nothing, restores nothing from the stack and calls nothing, and in which every scalar adjoint it
 * reads as a value is zero on entry, accumulates only zeros: it is wrapped in a test of those
 * adjoints. This is the sparsity hand-written backprop exploits: behind a ReLU that was off, the
 * row of a matrix–vector product has nothing to propagate.
 *
 * (Like JAX's symbolic zeros, the skipped loop does not turn 0·∞ into NaN.)
 */
import type { Atom, GExpr, GFn, GStmt } from "../ir.js";

export function skipZeroAdjointLoops(fn: GFn): GFn {
  const isAdjoint = (name: string) => fn.vars.get(name)?.adjoint === true;
  const transform = (stmts: GStmt[]): GStmt[] =>
    stmts.map((s): GStmt => {
      switch (s.k) {
        case "if":
          return { ...s, then: transform(s.then), else: transform(s.else) };
        case "loop":
          return { ...s, test: transform(s.test), body: transform(s.body) };
        case "countdown": {
          const body = transform(s.body);
          const inputs = adjointInputs(body, isAdjoint);
          return inputs && inputs.size > 0 ? { ...s, body, unlessAllZero: [...inputs] } : { ...s, body };
        }
        default:
          return s;
      }
    });
  return { ...fn, body: transform(fn.body) };
}

/** The scalar adjoints the body reads as values, or undefined if the loop cannot be skipped. */
function adjointInputs(body: GStmt[], isAdjoint: (name: string) => boolean): Set<string> | undefined {
  const inputs = new Set<string>();
  const read = (a: Atom) => {
    if (a.k === "var" && isAdjoint(a.name)) inputs.add(a.name);
  };
  const expr = (e: GExpr): boolean => {
    switch (e.k) {
      case "pop":
      case "popArray":
      case "call":
      case "out":
        return false;
      case "load":
        return !isAdjoint(e.arr);
      case "prim":
        e.args.forEach(read);
        return true;
      case "copy":
      case "stop":
      case "not":
        read(e.arg);
        return true;
      case "lin":
        e.terms.forEach((t) => (read(t.coef), read(t.value)));
        return true;
      default:
        return true;
    }
  };
  const visit = (stmts: GStmt[]): boolean =>
    stmts.every((s) => {
      switch (s.k) {
        case "assign":
          return expr(s.expr);
        case "accum":
        case "accumElem":
          s.terms.forEach((t) => (read(t.coef), read(t.value)));
          return true;
        case "store":
          // A store clears an adjoint element (or restores a primal one): skipping it is not a no-op.
          return false;
        case "if":
          return visit(s.then) && visit(s.else);
        case "loop":
          return visit(s.test) && visit(s.body);
        case "countdown":
          return visit(s.body);
        case "push":
          return true;
        default:
          return false; // effect calls, outputs, returns
      }
    });
  return visit(body) ? inputs : undefined;
}
