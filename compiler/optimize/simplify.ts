/**
 * Clean-up after differentiation: constant folding (`*1`, `+0`, constant partials), propagation
 * of constants and copies of never-reassigned variables, and removal of dead assignments — so
 * the generated code carries only the operations the derivative needs.
 */
import { type Atom, type GExpr, type GFn, type GStmt, type Term, assertNever, num, walkGenerated } from "../ir.js";
import { PRIMITIVES } from "../primitives.js";
import { untilStable } from "../fixpoint.js";
import { skipZeroAdjointLoops } from "./zero-adjoint-loops.js";

export function simplify(fn: GFn): GFn {
  let body = fn.body;
  // Each round that changes something folds, propagates or removes at least one statement.
  untilStable("clean-up of generated code", 1000, () => {
    const before = JSON.stringify(body);
    body = removeDead(propagate(fold(body), fn), fn);
    return JSON.stringify(body) !== before;
  });
  const used = new Set<string>(fn.params.map((p) => p.name));
  visitAtoms(body, (name) => used.add(name), (name) => used.add(name));
  const vars = new Map([...fn.vars].filter(([name]) => used.has(name)));
  return skipZeroAdjointLoops({ ...fn, body, vars });
}

// ----------------------------------------------------------------------------------------------
// Folding

function fold(stmts: GStmt[]): GStmt[] {
  const out: GStmt[] = [];
  for (const s of stmts) {
    switch (s.k) {
      case "assign":
        out.push({ ...s, expr: foldExpr(s.expr) });
        break;
      case "accum": {
        const terms = foldTerms(s.terms);
        if (terms.length > 0) out.push({ ...s, terms });
        break;
      }
      case "accumElem": {
        const terms = foldTerms(s.terms);
        if (terms.length > 0) out.push({ ...s, terms });
        break;
      }
      case "if": {
        const then = fold(s.then);
        const otherwise = fold(s.else);
        if (s.cond.k === "bool") out.push(...(s.cond.value ? then : otherwise));
        else if (then.length > 0 || otherwise.length > 0) out.push({ ...s, then, else: otherwise });
        break;
      }
      case "loop":
        out.push({ ...s, test: fold(s.test), body: fold(s.body) });
        break;
      case "countdown":
        out.push({ ...s, body: fold(s.body) });
        break;
      case "store":
      case "push":
      case "pushArray":
      case "effect":
      case "setOut":
      case "return":
      case "comment":
        out.push(s);
        break;
      default:
        assertNever(s);
    }
  }
  return out;
}

function foldTerms(terms: Term[]): Term[] {
  return terms.filter((t) => !isZero(t.coef) && !isZero(t.value));
}

const isZero = (a: Atom) => a.k === "num" && a.value === 0;
const isOne = (a: Atom) => a.k === "num" && a.value === 1;

function foldExpr(e: GExpr): GExpr {
  if (e.k === "lin") {
    const terms = foldTerms(e.terms);
    if (terms.length === 0) return { k: "copy", arg: num(0) };
    if (terms.length === 1 && isOne(terms[0].coef)) return { k: "copy", arg: terms[0].value };
    return { k: "lin", terms };
  }
  if (e.k !== "prim") return e;
  const [a, b] = e.args;
  if (e.args.every((x) => x.k === "num")) {
    return { k: "copy", arg: num(PRIMITIVES[e.op].evaluate(...e.args.map((x) => (x as { value: number }).value))) };
  }
  switch (e.op) {
    case "mul":
      if (isOne(a)) return { k: "copy", arg: b };
      if (isOne(b)) return { k: "copy", arg: a };
      break;
    case "add":
      if (isZero(a)) return { k: "copy", arg: b };
      if (isZero(b)) return { k: "copy", arg: a };
      break;
    case "sub":
      if (isZero(b)) return { k: "copy", arg: a };
      if (isZero(a)) return { k: "prim", op: "neg", args: [b] };
      break;
    case "div":
      if (isOne(b)) return { k: "copy", arg: a };
      break;
  }
  return e;
}

// ----------------------------------------------------------------------------------------------
// Propagation of constants and copies of variables that are assigned exactly once

function propagate(body: GStmt[], fn: GFn): GStmt[] {
  const defs = new Map<string, number>();
  const count = (name: string) => defs.set(name, (defs.get(name) ?? 0) + 1);
  fn.params.forEach((p) => count(p.name));
  visitDefs(body, count);
  const replacement = new Map<string, Atom>();
  // Variables that hold one value wherever they are visible: top-level single assignments,
  // parameters, and the counters of backwards loops (constant within each iteration).
  const stable = new Set<string>(fn.params.map((p) => p.name));
  for (const s of body) if (s.k === "assign") stable.add(s.target);
  visitCounters(body, (name) => stable.add(name));
  const candidates: GStmt[] = [];
  collectAssigns(body, candidates);
  for (const s of candidates) {
    if (s.k !== "assign" || s.expr.k !== "copy" || defs.get(s.target) !== 1 || fn.vars.get(s.target)?.zero) continue;
    const src = s.expr.arg;
    // A copy of a variable is replaceable only when that variable never changes after the copy.
    if (src.k === "num" || (src.k === "var" && defs.get(src.name) === 1 && stable.has(src.name))) {
      replacement.set(s.target, src);
    }
  }
  if (replacement.size === 0) return body;
  const resolve = (a: Atom): Atom => {
    let cur = a;
    while (cur.k === "var" && replacement.has(cur.name)) cur = replacement.get(cur.name)!;
    return cur;
  };
  return mapAtoms(body, resolve);
}

// ----------------------------------------------------------------------------------------------
// Dead code

function removeDead(body: GStmt[], fn: GFn): GStmt[] {
  const uses = new Map<string, number>();
  visitAtoms(body, (name) => uses.set(name, (uses.get(name) ?? 0) + 1), () => {});
  const live = (name: string) => (uses.get(name) ?? 0) > 0 || fn.params.some((p) => p.name === name);
  const sweep = (stmts: GStmt[]): GStmt[] =>
    stmts.flatMap((s): GStmt[] => {
      switch (s.k) {
        case "assign":
          return live(s.target) || !isPure(s.expr) ? [s] : [];
        case "accum":
          return live(s.target) ? [s] : [];
        case "if": {
          const then = sweep(s.then);
          const otherwise = sweep(s.else);
          return then.length === 0 && otherwise.length === 0 ? [] : [{ ...s, then, else: otherwise }];
        }
        case "loop":
          return [{ ...s, test: sweep(s.test), body: sweep(s.body) }];
        case "countdown": {
          const inner = sweep(s.body);
          return inner.length === 0 ? [] : [{ ...s, body: inner }];
        }
        case "store":
        case "accumElem":
        case "push":
        case "pushArray":
        case "effect":
        case "setOut":
        case "return":
        case "comment":
          return [s];
        default:
          return assertNever(s);
      }
    });
  return sweep(body);
}

function isPure(e: GExpr): boolean {
  return e.k !== "call" && e.k !== "pop" && e.k !== "popArray";
}

// ----------------------------------------------------------------------------------------------
// Traversals

function exprAtoms(e: GExpr): Atom[] {
  switch (e.k) {
    case "prim":
    case "call":
      return e.args;
    case "copy":
    case "stop":
    case "not":
      return [e.arg];
    case "cmp":
      return e.args;
    case "load":
      return [{ k: "var", name: e.arr }, e.index];
    case "len":
      return [{ k: "var", name: e.arr }];
    case "newarr":
      return [e.size];
    case "lin":
      return e.terms.flatMap((t) => [t.coef, t.value]);
    case "pop":
    case "popArray":
    case "out":
      return [];
    default:
      return assertNever(e);
  }
}

/** Calls `use` for every variable read and `def` for every variable written. */
function visitAtoms(stmts: GStmt[], use: (name: string) => void, def: (name: string) => void): void {
  const read = (a: Atom) => {
    if (a.k === "var") use(a.name);
  };
  for (const s of stmts) {
    switch (s.k) {
      case "assign":
        exprAtoms(s.expr).forEach(read);
        def(s.target);
        break;
      case "accum":
        use(s.target);
        s.terms.forEach((t) => (read(t.coef), read(t.value)));
        def(s.target);
        break;
      case "store":
        use(s.arr);
        read(s.index);
        read(s.value);
        break;
      case "accumElem":
        use(s.arr);
        read(s.index);
        s.terms.forEach((t) => (read(t.coef), read(t.value)));
        break;
      case "push":
      case "setOut":
      case "return":
        read(s.value);
        break;
      case "pushArray":
        use(s.arr);
        break;
      case "effect":
        s.args.forEach(read);
        break;
      case "if":
        read(s.cond);
        visitAtoms(s.then, use, def);
        visitAtoms(s.else, use, def);
        break;
      case "loop":
        visitAtoms(s.test, use, def);
        read(s.cond);
        visitAtoms(s.body, use, def);
        break;
      case "countdown":
        read(s.count);
        def(s.counter);
        visitAtoms(s.body, use, def);
        break;
      case "comment":
        break;
      default:
        assertNever(s);
    }
  }
}

function visitCounters(stmts: GStmt[], visit: (name: string) => void): void {
  walkGenerated(stmts, (s) => {
    if (s.k === "countdown") visit(s.counter);
  });
}

function collectAssigns(stmts: GStmt[], into: GStmt[]): void {
  walkGenerated(stmts, (s) => {
    if (s.k === "assign") into.push(s);
  });
}

function visitDefs(stmts: GStmt[], def: (name: string) => void): void {
  visitAtoms(stmts, () => {}, def);
}

function mapAtoms(stmts: GStmt[], f: (a: Atom) => Atom): GStmt[] {
  const terms = (ts: Term[]) => ts.map((t) => ({ ...t, coef: f(t.coef), value: f(t.value) }));
  const expr = (e: GExpr): GExpr => {
    switch (e.k) {
      case "prim":
        return { ...e, args: e.args.map(f) };
      case "call":
        return { ...e, args: e.args.map(f) };
      case "copy":
      case "stop":
      case "not":
        return { ...e, arg: f(e.arg) };
      case "cmp":
        return { ...e, args: [f(e.args[0]), f(e.args[1])] };
      case "load":
        return { ...e, index: f(e.index) };
      case "newarr":
        return { ...e, size: f(e.size) };
      case "lin":
        return { ...e, terms: terms(e.terms) };
      case "len":
      case "pop":
      case "popArray":
      case "out":
        return e;
      default:
        return assertNever(e);
    }
  };
  return stmts.map((s): GStmt => {
    switch (s.k) {
      case "assign":
        return { ...s, expr: expr(s.expr) };
      case "accum":
        return { ...s, terms: terms(s.terms) };
      case "store":
        return { ...s, index: f(s.index), value: f(s.value) };
      case "accumElem":
        return { ...s, index: f(s.index), terms: terms(s.terms) };
      case "push":
      case "setOut":
      case "return":
        return { ...s, value: f(s.value) } as GStmt;
      case "effect":
        return { ...s, args: s.args.map(f) };
      case "if":
        return { ...s, cond: f(s.cond), then: mapAtoms(s.then, f), else: mapAtoms(s.else, f) };
      case "loop":
        return { ...s, test: mapAtoms(s.test, f), cond: f(s.cond), body: mapAtoms(s.body, f) };
      case "countdown":
        return { ...s, count: f(s.count), body: mapAtoms(s.body, f) };
      case "pushArray":
      case "comment":
        return s;
      default:
        return assertNever(s);
    }
  });
}
