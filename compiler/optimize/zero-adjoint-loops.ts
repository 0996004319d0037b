/**
 * Skipping backward loops that would only add zeros. A backward loop whose body reads no adjoint
 * array, stores nothing, restores nothing from the stack and calls nothing, and in which every scalar adjoint it
 * reads as a value is zero on entry, accumulates only zeros: it is wrapped in a test of those
 * adjoints. This is the sparsity hand-written backprop exploits: behind a ReLU that was off, the
 * row of a matrix–vector product has nothing to propagate.
 *
 * Accumulating is not the body's only effect on adjoints: reversing an overwrite `v = e` inside
 * the loop resets v̄ (`v_bar = 0`: the overwritten value did not reach what follows), and when e
 * carries no derivative (a constant, an inactive value, round/floor/sign…) that reset reads no
 * adjoint at all. With zero inputs every adjoint the body assigns gets 0, which is a no-op only
 * where that adjoint already is 0 — so the adjoints the body assigns are tested as well.
 *
 * (Like JAX's symbolic zeros, the skipped loop does not turn 0·∞ into NaN.)
 */
import { type Atom, type GExpr, type GFn, type GStmt, assertNever } from "../ir.js";

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
          const adjoints = adjointsOf(body, isAdjoint);
          // A loop that reads no adjoint propagates nothing: there is no sparsity to exploit.
          if (!adjoints || adjoints.read.size === 0) return { ...s, body };
          return { ...s, body, unlessAllZero: [...new Set([...adjoints.read, ...adjoints.assigned])] };
        }
        case "assign":
        case "accum":
        case "store":
        case "accumElem":
        case "push":
        case "pushArray":
        case "effect":
        case "setOut":
        case "return":
        case "comment":
          return s;
        default:
          return assertNever(s);
      }
    });
  return { ...fn, body: transform(fn.body) };
}

/**
 * The scalar adjoints the body reads as values and those it assigns (rather than accumulates
 * into), or undefined if the loop cannot be skipped.
 */
function adjointsOf(body: GStmt[], isAdjoint: (name: string) => boolean): { read: Set<string>; assigned: Set<string> } | undefined {
  const inputs = new Set<string>();
  const assigned = new Set<string>();
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
      case "cmp":
      case "len":
      case "newarr":
        return true;
      default:
        return assertNever(e);
    }
  };
  const visit = (stmts: GStmt[]): boolean =>
    stmts.every((s) => {
      switch (s.k) {
        case "assign":
          // Overwriting an adjoint (the reset of an overwritten variable's v̄) is skipped safely
          // only if it is already zero.
          if (isAdjoint(s.target)) assigned.add(s.target);
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
        case "pushArray":
        case "effect":
        case "setOut":
        case "return":
        case "comment":
          return false; // array saves, calls, outputs, returns: not skippable
        default:
          return assertNever(s);
      }
    });
  return visit(body) ? { read: inputs, assigned } : undefined;
}
