/**
 * Activity analysis: a value is active when it depends on a differentiated input (it *varies*)
 * and it reaches the function's result (it is *useful*). Only active values get tangent or
 * adjoint code; everything else — indices, sizes, flags, constants — stays plain primal code.
 * The analysis is flow-insensitive over variables (arrays count as one value each), iterated to
 * a fixpoint, which is sound for loops and branches.
 *
 * A call's result flows from its arguments. Calls never write their array arguments here: lowering
 * inlines every helper that writes an array parameter (lower/inline.ts), so the calls that remain
 * only read them, and an argument is useful only if the call's result is.
 */
import { type Atom, type Expr, type FnIR, type Stmt, assertNever, carriesDerivative, walk } from "../ir.js";
import { isDifferentiable } from "../primitives.js";

export function analyzeActivity(fn: FnIR, independents: Iterable<string>): Set<string> {
  const varied = new Set(independents);
  const useful = new Set([fn.result]);
  const statements: Stmt[] = [];
  walk(fn.body, (s) => statements.push(s));

  for (let changed = true; changed; ) {
    changed = false;
    const mark = (set: Set<string>, name: string) => {
      if (!carriesDerivative(fn.vars.get(name)) || set.has(name)) return;
      set.add(name);
      changed = true;
    };
    for (const s of statements) {
      switch (s.k) {
        case "assign":
          if (flowSources(s.expr).some((v) => varied.has(v))) mark(varied, s.target);
          if (useful.has(s.target)) flowSources(s.expr).forEach((v) => mark(useful, v));
          break;
        case "store":
          if (s.value.k === "var" && varied.has(s.value.name)) mark(varied, s.arr);
          if (useful.has(s.arr) && s.value.k === "var") mark(useful, s.value.name);
          break;
        case "effect": // calls left after inlining never write their array arguments
        case "if": // their statements are in the list themselves
        case "loop":
          break;
        default:
          assertNever(s);
      }
    }
  }
  return new Set([...varied].filter((v) => useful.has(v)));
}

/** The variables whose derivative flows into the assigned value. */
function flowSources(e: Expr): string[] {
  const vars = (atoms: Atom[]) => atoms.flatMap((a) => (a.k === "var" ? [a.name] : []));
  switch (e.k) {
    case "prim":
      return isDifferentiable(e.op) ? vars(e.args) : [];
    case "copy":
      return vars([e.arg]);
    case "load":
      return [e.arr];
    case "call":
      return vars(e.args);
    case "stop":
    case "cmp":
    case "not":
    case "len":
    case "newarr":
      return []; // no derivative flows through these
    default:
      return assertNever(e);
  }
}
