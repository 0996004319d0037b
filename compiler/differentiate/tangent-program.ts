/**
 * Second order, as source transformation composes: f's directional derivative written as a
 * function of the subset again,
 *
 *   f_tangent(x₁, ẋ₁, …, xₙ, ẋₙ) = ∇f(x)·ẋ,
 *
 * which reverse mode then differentiates with respect to the x's: ∇ₓ(∇f(x)·ẋ) = H(x)·ẋ, the
 * Hessian-vector product (reverse over forward; H is symmetric, so this is forward-over-reverse's
 * answer too). `hessian` takes it along each basis direction.
 *
 * The tangent statements are forward mode's (forward.ts), from the same rules table, but spelled
 * with the IR's own statements rather than generated code's: a tangent Σ ∂y/∂xᵢ·ẋᵢ becomes
 * products and sums, one primitive per variable, so the result is an FnIR that every analysis
 * of reverse mode (activity, to-be-recorded, recomputation in counted loops) runs on as on
 * source code. Helpers are inlined first: a tangent crosses no call — except a function with its
 * own rule (defineRule), which stays one operation whose partials are the rule's. A term whose partial may be
 * infinite where its tangent is 0 (√x at 0) is 0 there, as forward mode's zero-safe product is.
 */
import { type Atom, type Expr, type FnIR, type GStmt, type Param, type SourceLoc, type Stmt, type Type, assertNever, isDifferentiableParam, num, ref } from "../ir.js";
import { analyzeActivity } from "../analyze/activity.js";
import { inlineEveryCall } from "../lower/inline.js";
import { type Partial, PRIMITIVES } from "../primitives.js";
import { LocalNames, buildPartial } from "./common.js";

/** Where f's parameter i sits among its tangent program's (each differentiable one is followed by its tangent). */
export function tangentPosition(fn: FnIR, i: number): number {
  return fn.params.slice(0, i).reduce((k, p) => k + (isDifferentiableParam(p) ? 2 : 1), 0);
}

export class SecondOrderUnsupported extends Error {
  constructor(
    message: string,
    readonly loc: SourceLoc,
  ) {
    super(message);
  }
}

/**
 * f's tangent function, named `name`: parameters interleaved as forward mode's are (each number
 * or float array followed by its tangent), result the directional derivative (a number).
 */
export function tangentProgram(source: FnIR, functions: Map<string, FnIR>, name: string): FnIR {
  // A function with its own rule is one call of itself, whose tangent the rule gives.
  const fn: FnIR = source.rule ? callOf(source) : structuredClone(source);
  const recursive = inlineEveryCall(fn, functions);
  if (recursive !== undefined) throw new SecondOrderUnsupported(`second derivatives of '${source.sourceName}' need every helper inlined, and '${recursive}' may recurse`, source.loc);

  const active = analyzeActivity(fn, fn.params.filter(isDifferentiableParam).map((p) => p.name));
  const gvars = new Map([...fn.vars].map(([v, type]) => [v, { type }]));
  const names = new LocalNames(gvars);
  const dot = (v: string) => names.derived(v, "dot", fn.vars.get(v)!);
  const isActive = (a: Atom): a is { k: "var"; name: string } => a.k === "var" && active.has(a.name);
  const tangentOf = (a: Atom): Atom => (isActive(a) ? ref(dot(a.name)) : num(0));

  const params: Param[] = fn.params.flatMap((p) => (isDifferentiableParam(p) ? [p, { name: dot(p.name), type: p.type }] : [p]));

  /** `target = Σ coef·value`, one primitive per variable. */
  const sumOfProducts = (target: string, terms: { coef: Atom; value: Atom; zeroSafe: boolean }[], loc: SourceLoc, declares: boolean, out: Stmt[]): void => {
    if (terms.length === 0) {
      out.push({ k: "assign", target, expr: { k: "copy", arg: num(0) }, loc, declares });
      return;
    }
    const products = terms.map((t) => {
      if (t.coef.k === "num" && t.coef.value === 1) return t.value;
      const product = names.temp("p");
      const negate = t.coef.k === "num" && t.coef.value === -1;
      const multiply: Stmt = { k: "assign", target: product, expr: negate ? { k: "prim", op: "neg", args: [t.value] } : { k: "prim", op: "mul", args: [t.coef, t.value] }, loc };
      if (!t.zeroSafe) {
        out.push(multiply);
      } else {
        const nonzero = names.temp("nz", "bool");
        out.push({ k: "assign", target: nonzero, expr: { k: "cmp", op: "!==", args: [t.value, num(0)] }, loc });
        out.push({ k: "if", cond: ref(nonzero), then: [multiply], else: [{ k: "assign", target: product, expr: { k: "copy", arg: num(0) }, loc }], loc });
      }
      return ref(product);
    });
    let sum = products[0];
    for (let k = 1; k < products.length; k++) {
      const partial = k === products.length - 1 ? target : names.temp("s");
      out.push({ k: "assign", target: partial, expr: { k: "prim", op: "add", args: [sum, products[k]] }, loc });
      sum = ref(partial);
    }
    if (products.length === 1) out.push({ k: "assign", target, expr: { k: "copy", arg: sum }, loc, declares });
  };

  const transformAssign = (s: Stmt & { k: "assign" }, out: Stmt[]): void => {
    const { target, expr, loc } = s;
    if (!active.has(target)) {
      out.push(s);
      return;
    }
    if (expr.k === "newarr") {
      out.push(s, { k: "assign", target: dot(target), expr: { k: "newarr", size: expr.size }, loc, declares: s.declares });
      return;
    }
    // y = op(y, …) overwrites an operand its tangent reads: the value goes to a temporary first.
    const overwritesArgument = (expr.k === "prim" || expr.k === "call") && expr.args.some((a) => a.k === "var" && a.name === target);
    const value = overwritesArgument ? names.temp("r") : target;
    out.push({ ...s, target: value });
    const tangent = overwritesArgument ? names.temp("r_dot") : dot(target);
    tangentAssign(tangent, expr, ref(value), loc, overwritesArgument || s.declares === true, out);
    if (overwritesArgument) {
      out.push({ k: "assign", target, expr: { k: "copy", arg: ref(value) }, loc });
      out.push({ k: "assign", target: dot(target), expr: { k: "copy", arg: ref(tangent) }, loc });
    }
  };

  /** ẏ = Σ ∂y/∂xᵢ·ẋᵢ over the active operands, the partials a primitive's or a rule's. */
  const fromPartials = (target: string, partials: readonly (Partial | null)[], args: Atom[], result: Atom, zeroSafe: boolean, loc: SourceLoc, declares: boolean, out: Stmt[]): void => {
    const partialCode: GStmt[] = [];
    const terms: { coef: Atom; value: Atom; zeroSafe: boolean }[] = [];
    partials.forEach((partial, i) => {
      const arg = args[i];
      if (!partial || !isActive(arg)) return;
      const coef = buildPartial(partial, args, result, names, partialCode, loc);
      terms.push({ coef, value: ref(dot(arg.name)), zeroSafe });
    });
    out.push(...partialCode.map((g) => asSourceStatement(g, loc)));
    sumOfProducts(target, terms, loc, declares, out);
  };

  const tangentAssign = (target: string, expr: Expr, result: Atom, loc: SourceLoc, declares: boolean, out: Stmt[]): void => {
    switch (expr.k) {
      case "prim":
        fromPartials(target, PRIMITIVES[expr.op].partials, expr.args, result, PRIMITIVES[expr.op].infiniteSlope === true, loc, declares, out);
        return;
      case "call": {
        // Only functions with their own rule are still called (inlineEveryCall).
        const rule = functions.get(expr.fn)!.rule!;
        fromPartials(target, rule.partials, expr.args, result, false, loc, declares, out);
        return;
      }
      case "copy":
        out.push({ k: "assign", target, expr: { k: "copy", arg: tangentOf(expr.arg) }, loc, declares });
        return;
      case "load":
        out.push({ k: "assign", target, expr: active.has(expr.arr) ? { k: "load", arr: dot(expr.arr), index: expr.index } : { k: "copy", arg: num(0) }, loc, declares });
        return;
      case "stop":
      case "cmp":
      case "not":
      case "len":
      case "newarr":
        out.push({ k: "assign", target, expr: { k: "copy", arg: num(0) }, loc, declares });
        return;
      default:
        assertNever(expr);
    }
  };

  const transform = (stmts: Stmt[]): Stmt[] => {
    const out: Stmt[] = [];
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
          throw new Error("gradc internal error: a call for its effect survived inlining in a tangent program");
        case "if":
          out.push({ ...s, then: transform(s.then), else: transform(s.else) });
          break;
        case "loop":
          out.push({
            ...s,
            init: transform(s.init),
            test: transform(s.test),
            body: transform(s.body),
            update: transform(s.update),
            scoped: s.scoped.flatMap((v) => (active.has(v) && fn.vars.get(v) === "num" ? [v, dot(v)] : [v])),
          });
          break;
        default:
          assertNever(s);
      }
    }
    return out;
  };

  const body = transform(fn.body);
  const result = names.unique(`${fn.result}_tangent`);
  gvars.set(result, { type: "num" });
  body.push({ k: "assign", target: result, expr: { k: "copy", arg: tangentOf(ref(fn.result)) }, loc: fn.loc, declares: true });
  const vars = new Map<string, Type>([...gvars].map(([v, g]) => [v, g.type]));
  return {
    name,
    sourceName: `${source.sourceName}_tangent`,
    params,
    signature: params.map((p, i) => ({ name: p.name, shape: { k: "leaf", param: i } })),
    vars,
    body,
    result,
    resultType: "num",
    returnsValue: true,
    loc: source.loc,
  };
}

/** A partial's code (buildPartial: assignments of primitives) as statements of the IR. */
function asSourceStatement(s: GStmt, loc: SourceLoc): Stmt {
  if (s.k !== "assign" || s.expr.k !== "prim") throw new Error("gradc internal error: a partial's code is not an assignment of a primitive");
  return { k: "assign", target: s.target, expr: s.expr, loc };
}

/** A function whose body is one call of `fn` with its own parameters. */
function callOf(fn: FnIR): FnIR {
  const result = `${fn.result}_call`;
  const vars = new Map<string, Type>(fn.params.map((p) => [p.name, p.type]));
  vars.set(result, fn.resultType);
  const call: Stmt = { k: "assign", target: result, expr: { k: "call", fn: fn.name, args: fn.params.map((p) => ref(p.name)) }, loc: fn.loc, declares: true };
  return { ...fn, rule: undefined, vars, body: [call], result };
}
