/**
 * Inlining of helpers that share arrays with their caller. Helper calls are normally
 * differentiated in joint mode — the helper's reverse function recomputes the helper from its
 * arguments — which is exact only if the arrays it reads still hold the same values when the
 * reverse sweep gets there. A helper that writes into an array parameter, or a call handed an
 * array the caller writes, breaks that; such calls are inlined, so the caller's own analyses
 * (to-be-recorded, element saves) see every read and write. A helper that returns an array is
 * inlined too: its result becomes one of the caller's arrays, with an adjoint and a tangent the
 * caller's sweeps own, instead of a value crossing a call boundary that carries numbers only.
 */
import { untilStable } from "../fixpoint.js";
import { type Atom, type Expr, type FnIR, type Stmt, type Type, assertNever, walk, writtenArrays, writtenParams } from "../ir.js";

/** Replaces, in place, the calls of `fn` that must be inlined. `functions` maps names to helpers. */
export function inlineArraySharingCalls(fn: FnIR, functions: Map<string, FnIR>): void {
  // Each round inlines at least one call, and a function that may recurse is never inlined:
  // inlined bodies end. (Recursive functions share arrays with their callers read-only, which
  // recursion.ts checks once the cycles are known.)
  untilStable("inlining of array-sharing helpers", 1000, () => {
    const written = writtenArrays(fn.body);
    let changed = false;
    const rewrite = (stmts: Stmt[]): Stmt[] =>
      stmts.flatMap((s): Stmt[] => {
        let call: { fn: string; args: Atom[] };
        switch (s.k) {
          case "if":
            return [{ ...s, then: rewrite(s.then), else: rewrite(s.else) }];
          case "loop":
            s.init = rewrite(s.init);
            s.test = rewrite(s.test);
            s.body = rewrite(s.body);
            s.update = rewrite(s.update);
            return [s];
          case "effect":
            call = s;
            break;
          case "assign":
            if (s.expr.k !== "call") return [s];
            call = s.expr;
            break;
          case "store":
            return [s];
          default:
            return assertNever(s);
        }
        const callee = functions.get(call.fn);
        if (!callee || mayRecurse(callee, functions)) return [s];
        const sharesWrittenArray = call.args.some((a) => a.k === "var" && written.has(a.name));
        if (writtenParams(callee).length === 0 && !sharesWrittenArray && callee.resultType !== "arr") return [s];
        changed = true;
        return inlineCall(fn, callee, call.args, s.k === "assign" ? s.target : undefined);
      });
    fn.body = rewrite(fn.body);
    return changed;
  });
}

/**
 * Replaces, in place, every call of `fn` by the callee's body (second-order code differentiates
 * one function with no calls: differentiate/tangent-program.ts) — except calls of functions with
 * their own rule (defineRule), which stay single operations. Returns the name of a callee
 * that may recurse, which cannot be inlined, or undefined once no call is left.
 */
export function inlineEveryCall(fn: FnIR, functions: Map<string, FnIR>): string | undefined {
  let recursive: string | undefined;
  untilStable("inlining of every helper", 1000, () => {
    let changed = false;
    const rewrite = (stmts: Stmt[]): Stmt[] =>
      stmts.flatMap((s): Stmt[] => {
        if (s.k === "if") return [{ ...s, then: rewrite(s.then), else: rewrite(s.else) }];
        if (s.k === "loop") return [{ ...s, init: rewrite(s.init), test: rewrite(s.test), body: rewrite(s.body), update: rewrite(s.update) }];
        const call = s.k === "effect" ? s : s.k === "assign" && s.expr.k === "call" ? s.expr : undefined;
        if (!call) return [s];
        const callee = functions.get(call.fn);
        // A function with its own rule stays a call: one operation with the rule's partials.
        if (callee?.rule) return [s];
        if (!callee || mayRecurse(callee, functions)) {
          recursive ??= callee?.sourceName ?? call.fn;
          return [s];
        }
        changed = true;
        return inlineCall(fn, callee, call.args, s.k === "assign" ? s.target : undefined);
      });
    fn.body = rewrite(fn.body);
    return changed && recursive === undefined;
  });
  return recursive;
}

/**
 * Whether `fn` may call itself: it reaches itself, or a function still being lowered (the caller
 * whose calls are being inlined, or one further up the stack of lowerings), through its calls.
 */
function mayRecurse(fn: FnIR, functions: Map<string, FnIR>): boolean {
  const seen = new Set<string>();
  const reaches = (f: FnIR): boolean => {
    let found = false;
    walk(f.body, (s) => {
      const callee = s.k === "effect" ? s.fn : s.k === "assign" && s.expr.k === "call" ? s.expr.fn : undefined;
      if (found || callee === undefined || seen.has(callee)) return;
      seen.add(callee);
      const next = functions.get(callee);
      found = callee === fn.name || next === undefined || reaches(next);
    });
    return found;
  };
  return reaches(fn);
}


/** The callee's body with its variables renamed into the caller, parameters bound to the arguments. */
function inlineCall(caller: FnIR, callee: FnIR, args: Atom[], target: string | undefined): Stmt[] {
  const rename = new Map<string, string>();
  callee.params.forEach((p, i) => {
    const a = args[i];
    if (p.type === "arr" && a.k === "var") rename.set(p.name, a.name);
  });
  // An array result is built in the caller's variable (a fresh one: array variables are never
  // reassigned, so it is no argument of the call).
  const arrayResult = target !== undefined && callee.resultType === "arr";
  if (arrayResult) rename.set(callee.result, target);
  for (const [name, type] of callee.vars) {
    if (rename.has(name)) continue;
    let fresh = `${callee.sourceName}_${name}`;
    for (let i = 1; caller.vars.has(fresh); i++) fresh = `${callee.sourceName}_${name}_${i}`;
    caller.vars.set(fresh, type as Type);
    rename.set(name, fresh);
  }
  const r = (name: string) => rename.get(name) ?? name;
  const atom = (a: Atom): Atom => (a.k === "var" ? { k: "var", name: r(a.name) } : a);
  const expr = (e: Expr): Expr => {
    switch (e.k) {
      case "prim":
        return { ...e, args: e.args.map(atom) };
      case "call":
        return { ...e, args: e.args.map(atom) };
      case "copy":
      case "stop":
      case "not":
        return { ...e, arg: atom(e.arg) };
      case "cmp":
        return { ...e, args: [atom(e.args[0]), atom(e.args[1])] };
      case "load":
        return { ...e, arr: r(e.arr), index: atom(e.index) };
      case "len":
        return { ...e, arr: r(e.arr) };
      case "newarr":
        return { ...e, size: atom(e.size) };
    }
  };
  const copy = (stmts: Stmt[]): Stmt[] =>
    stmts.map((s): Stmt => {
      switch (s.k) {
        case "assign":
          return { ...s, target: r(s.target), expr: expr(s.expr) };
        case "store":
          return { ...s, arr: r(s.arr), index: atom(s.index), value: atom(s.value) };
        case "effect":
          return { ...s, args: s.args.map(atom) };
        case "if":
          return { ...s, cond: atom(s.cond), then: copy(s.then), else: copy(s.else) };
        case "loop":
          return { ...s, init: copy(s.init), test: copy(s.test), cond: atom(s.cond), body: copy(s.body), update: copy(s.update), scoped: s.scoped.map(r) };
      }
    });
  const bind: Stmt[] = callee.params.flatMap((p, i): Stmt[] =>
    p.type === "arr" ? [] : [{ k: "assign", target: r(p.name), expr: { k: "copy", arg: args[i] }, loc: callee.loc, declares: true }],
  );
  const result: Stmt[] = target && !arrayResult ? [{ k: "assign", target, expr: { k: "copy", arg: { k: "var", name: r(callee.result) } }, loc: callee.loc }] : [];
  return [...bind, ...copy(callee.body), ...result];
}
