/**
 * Forward mode: beside every primal statement, a tangent statement ẏ = Σ ∂y/∂xᵢ·ẋᵢ built from the
 * rules table. Control flow is kept as it is; helper calls go to the helper's own forward function,
 * which returns the value and leaves the tangent in the module's output slot.
 */
import { type Atom, arrayName, assertNever, type Expr, type FnIR, type GFn, type GStmt, type Param, type Stmt, type Term, isDifferentiableParam, num, ref } from "../ir.js";
import { analyzeActivity } from "../analyze/activity.js";
import { LocalNames, buildPartial, varsOf } from "./common.js";
import { PRIMITIVES } from "../primitives.js";

export interface GeneratedNames {
  primal(fn: string): string;
  forward(fn: string): string;
  reverse(fn: string): string;
}

/** Every number and array parameter of a function carries a tangent (or adjoint). */
export { isDifferentiableParam };

export function forwardFunction(fn: FnIR, functions: Map<string, FnIR>, generated: GeneratedNames): GFn {
  const active = analyzeActivity(fn, fn.params.filter(isDifferentiableParam).map((p) => p.name));
  const vars = varsOf(fn.vars);
  const names = new LocalNames(vars);
  const dot = (v: string) => names.derived(v, "dot", fn.vars.get(v)!);
  const isActive = (a: Atom): a is { k: "var"; name: string } => a.k === "var" && active.has(a.name);
  const tangentOf = (a: Atom): Atom => (isActive(a) ? ref(dot(a.name)) : num(0));

  const params: Param[] = [];
  for (const p of fn.params) {
    params.push(p);
    if (isDifferentiableParam(p)) params.push({ name: dot(p.name), type: p.type });
  }

  /** A zero tangent for an inactive array handed to a helper that expects one. */
  const arrayTangent = (a: Atom, out: GStmt[], loc: Stmt["loc"]): Atom => {
    if (isActive(a)) return ref(dot(a.name));
    const zeros = names.temp("zeros", "arr");
    const length = names.temp("n");
    out.push({ k: "assign", target: length, expr: { k: "len", arr: arrayName(a) }, loc });
    out.push({ k: "assign", target: zeros, expr: { k: "newarr", size: ref(length) }, loc });
    return ref(zeros);
  };

  const callArgs = (callee: string, args: Atom[], out: GStmt[], loc: Stmt["loc"]): Atom[] => {
    const target = functions.get(callee)!;
    return args.flatMap((a, i) => {
      const p = target.params[i];
      if (!isDifferentiableParam(p)) return [a];
      return [a, p.type === "arr" ? arrayTangent(a, out, loc) : tangentOf(a)];
    });
  };

  const transformAssign = (s: Stmt & { k: "assign" }, out: GStmt[]): void => {
    const { target, expr, loc } = s;
    if (expr.k === "call") {
      const args = callArgs(expr.fn, expr.args, out, loc);
      out.push({ k: "assign", target, expr: { k: "call", fn: generated.forward(expr.fn), args }, loc });
      if (active.has(target)) out.push({ k: "assign", target: dot(target), expr: { k: "out", slot: "tangent" }, loc });
      return;
    }
    if (!active.has(target)) {
      out.push({ k: "assign", target, expr, loc });
      return;
    }
    if (expr.k === "newarr") {
      out.push({ k: "assign", target, expr, loc });
      out.push({ k: "assign", target: dot(target), expr, loc });
      return;
    }
    const overwritesArgument = expr.k === "prim" && expr.args.some((a) => a.k === "var" && a.name === target);
    const value = overwritesArgument ? names.temp("r") : target;
    out.push({ k: "assign", target: value, expr, loc });
    const tangent = tangentExpr(expr, ref(value), out, loc);
    if (overwritesArgument) {
      const tangentTemp = names.temp("r_dot");
      out.push({ k: "assign", target: tangentTemp, expr: tangent, loc });
      out.push({ k: "assign", target, expr: { k: "copy", arg: ref(value) }, loc });
      out.push({ k: "assign", target: dot(target), expr: { k: "copy", arg: ref(tangentTemp) }, loc });
    } else {
      out.push({ k: "assign", target: dot(target), expr: tangent, loc });
    }
  };

  const tangentExpr = (expr: Expr, result: Atom, out: GStmt[], loc: Stmt["loc"]): GStmtExpr => {
    switch (expr.k) {
      case "prim": {
        const terms: Term[] = [];
        PRIMITIVES[expr.op].partials.forEach((partial, i) => {
          const arg = expr.args[i];
          if (!partial || !isActive(arg)) return;
          terms.push({ coef: buildPartial(partial, expr.args, result, names, out, loc), value: ref(dot(arg.name)), zeroSafe: PRIMITIVES[expr.op].infiniteSlope });
        });
        return { k: "lin", terms };
      }
      case "copy":
        return { k: "copy", arg: tangentOf(expr.arg) };
      case "load":
        return active.has(expr.arr) ? { k: "load", arr: dot(expr.arr), index: expr.index } : { k: "copy", arg: num(0) };
      case "call":
        throw new Error("gradc internal error: a call reached tangentExpr"); // calls are differentiated as calls
      case "stop":
      case "cmp":
      case "not":
      case "len":
      case "newarr":
        return { k: "copy", arg: num(0) }; // no derivative flows through these
      default:
        return assertNever(expr);
    }
  };

  const transform = (stmts: Stmt[]): GStmt[] => {
    const out: GStmt[] = [];
    for (const s of stmts) {
      switch (s.k) {
        case "assign":
          transformAssign(s, out);
          break;
        case "store":
          out.push(s);
          if (active.has(s.arr)) out.push({ k: "store", arr: dot(s.arr), index: s.index, value: tangentOf(s.value), loc: s.loc });
          break;
        case "effect":
          out.push({ k: "effect", fn: generated.forward(s.fn), args: callArgs(s.fn, s.args, out, s.loc), loc: s.loc });
          break;
        case "if":
          out.push({ k: "if", cond: s.cond, then: transform(s.then), else: transform(s.else), loc: s.loc });
          break;
        case "loop":
          out.push(...transform(s.init));
          out.push({ k: "loop", test: transform(s.test), cond: s.cond, body: [...transform(s.body), ...transform(s.update)], postTest: s.postTest, loc: s.loc });
          break;
        default:
          assertNever(s);
      }
    }
    return out;
  };

  const body = transform(fn.body);
  if (fn.resultType === "arr") {
    // An array result's tangent: its tangent array, or zeros when it does not depend on the inputs.
    let tangent = tangentOf(ref(fn.result));
    if (tangent.k !== "var") {
      tangent = arrayTangent(ref(fn.result), body, fn.loc);
    }
    body.push({ k: "setOut", slot: "tangents", value: tangent });
  } else {
    body.push({ k: "setOut", slot: "tangent", value: tangentOf(ref(fn.result)) });
  }
  body.push({ k: "return", value: ref(fn.result) });
  return {
    name: generated.forward(fn.name),
    params,
    vars,
    body,
    returns: fn.resultType,
    reentrant: fn.recursive,
    doc: `forward mode of ${fn.sourceName} (${fn.loc.file.split("/").pop()}:${fn.loc.line}): returns the value; the tangent goes to $gradc.tangent`,
  };
}

type GStmtExpr = Extract<GStmt, { k: "assign" }>["expr"];
