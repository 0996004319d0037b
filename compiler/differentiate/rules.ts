/**
 * The derivative rules: one entry per primitive, giving its value and its partial derivatives,
 * written once as small IR expressions over the arguments and the result. Forward mode builds
 * tangents from them (ẏ = Σ ∂y/∂xᵢ·ẋᵢ), reverse mode builds adjoints (x̄ᵢ += ȳ·∂y/∂xᵢ), and the
 * tape engine evaluates the same expressions numerically — as in JAX, the rules are data.
 */
import type { PrimOp } from "../ir.js";

/** A partial derivative: an expression tree over the primitive's arguments and its result. */
export type Partial =
  | { k: "arg"; index: number }
  | { k: "result" }
  | { k: "const"; value: number }
  | { k: "op"; op: PrimOp; args: Partial[] };

export interface Rule {
  arity: number;
  /** The primitive's value, as JavaScript computes it. */
  evaluate: (...args: number[]) => number;
  /** How generated code spells the operation: an infix operator or a function call. */
  spelling: { infix: string } | { call: string };
  /** ∂result/∂argᵢ; `null` where the derivative is zero everywhere it exists (floor, sign, …). */
  partials: (Partial | null)[];
  /**
   * A partial can be infinite where the value is finite (∛ and √ at 0, asin at ±1, …): a zero
   * tangent or adjoint times it must stay 0, not become NaN (as the tape engine, which skips
   * zero adjoints, and JAX's symbolic zeros behave).
   */
  infiniteSlope?: boolean;
}

const x: Partial = { k: "arg", index: 0 };
const a = x;
const b: Partial = { k: "arg", index: 1 };
const y: Partial = { k: "result" };
const c = (value: number): Partial => ({ k: "const", value });
const op = (name: PrimOp, ...args: Partial[]): Partial => ({ k: "op", op: name, args });
const square = (p: Partial) => op("mul", p, p);
const recip = (p: Partial) => op("div", c(1), p);

const unary = (evaluate: (v: number) => number, name: string, partial: Partial | null): Rule => ({
  arity: 1,
  evaluate,
  spelling: { call: `Math.${name}` },
  partials: [partial],
});

export const RULES: Record<PrimOp, Rule> = {
  add: { arity: 2, evaluate: (p, q) => p + q, spelling: { infix: "+" }, partials: [c(1), c(1)] },
  sub: { arity: 2, evaluate: (p, q) => p - q, spelling: { infix: "-" }, partials: [c(1), c(-1)] },
  mul: { arity: 2, evaluate: (p, q) => p * q, spelling: { infix: "*" }, partials: [b, a] },
  div: { arity: 2, evaluate: (p, q) => p / q, spelling: { infix: "/" }, partials: [recip(b), op("neg", op("div", y, b))] },
  // a % b = a - trunc(a / b)·b, so ∂/∂a = 1 and ∂/∂b = −trunc(a / b).
  mod: { arity: 2, evaluate: (p, q) => p % q, spelling: { infix: "%" }, partials: [c(1), op("neg", op("trunc", op("div", a, b)))] },
  // ∂(aᵇ)/∂a = b·aᵇ⁻¹ and ∂(aᵇ)/∂b = aᵇ·ln a. For a ≤ 0 the power is real only at integer b,
  // where it is locally constant in b: like floor's, its derivative there is taken as 0 (and a
  // NaN partial would otherwise poison forward mode through a zero tangent).
  pow: { arity: 2, evaluate: Math.pow, spelling: { call: "Math.pow" }, partials: [op("mul", b, op("pow", a, op("sub", b, c(1)))), op("powlog", y, a)] },
  divz: { arity: 2, evaluate: (p, q) => (q === 0 ? 0 : p / q), spelling: { call: "$divz" }, partials: [null, null] },
  powlog: { arity: 2, evaluate: (p, q) => (q > 0 ? p * Math.log(q) : 0), spelling: { call: "$powlog" }, partials: [null, null] },
  neg: { arity: 1, evaluate: (p) => -p, spelling: { infix: "-" }, partials: [c(-1)] },
  sin: unary(Math.sin, "sin", op("cos", x)),
  cos: unary(Math.cos, "cos", op("neg", op("sin", x))),
  tan: unary(Math.tan, "tan", op("add", c(1), square(y))),
  asin: { ...unary(Math.asin, "asin", recip(op("sqrt", op("sub", c(1), square(x))))), infiniteSlope: true },
  acos: { ...unary(Math.acos, "acos", op("neg", recip(op("sqrt", op("sub", c(1), square(x)))))), infiniteSlope: true },
  atan: unary(Math.atan, "atan", recip(op("add", c(1), square(x)))),
  // atan2(a, b) is the angle of the point (b, a).
  // At the origin, where atan2 jumps, the partials are taken as 0 rather than 0/0.
  atan2: {
    arity: 2,
    evaluate: Math.atan2,
    spelling: { call: "Math.atan2" },
    partials: [op("divz", b, op("add", square(a), square(b))), op("neg", op("divz", a, op("add", square(a), square(b))))],
  },
  sinh: unary(Math.sinh, "sinh", op("cosh", x)),
  cosh: unary(Math.cosh, "cosh", op("sinh", x)),
  tanh: unary(Math.tanh, "tanh", op("sub", c(1), square(y))),
  asinh: unary(Math.asinh, "asinh", recip(op("sqrt", op("add", square(x), c(1))))),
  acosh: { ...unary(Math.acosh, "acosh", recip(op("mul", op("sqrt", op("sub", x, c(1))), op("sqrt", op("add", x, c(1)))))), infiniteSlope: true },
  atanh: unary(Math.atanh, "atanh", recip(op("sub", c(1), square(x)))),
  exp: unary(Math.exp, "exp", y),
  expm1: unary(Math.expm1, "expm1", op("add", y, c(1))),
  log: unary(Math.log, "log", recip(x)),
  log1p: unary(Math.log1p, "log1p", recip(op("add", c(1), x))),
  log2: unary(Math.log2, "log2", recip(op("mul", x, c(Math.LN2)))),
  log10: unary(Math.log10, "log10", recip(op("mul", x, c(Math.LN10)))),
  sqrt: { ...unary(Math.sqrt, "sqrt", op("div", c(0.5), y)), infiniteSlope: true },
  cbrt: { ...unary(Math.cbrt, "cbrt", recip(op("mul", c(3), square(y)))), infiniteSlope: true },
  abs: unary(Math.abs, "abs", op("sign", x)),
  sign: unary(Math.sign, "sign", null),
  floor: unary(Math.floor, "floor", null),
  ceil: unary(Math.ceil, "ceil", null),
  round: unary(Math.round, "round", null),
  trunc: unary(Math.trunc, "trunc", null),
  // At a tie, min and max pass the whole derivative to their first argument.
  min: { arity: 2, evaluate: Math.min, spelling: { call: "Math.min" }, partials: [op("lenum", a, b), op("gtnum", a, b)] },
  max: { arity: 2, evaluate: Math.max, spelling: { call: "Math.max" }, partials: [op("genum", a, b), op("ltnum", a, b)] },
  // hypot(a, b) at a = b = 0: partials 0 (a subgradient), not 0/0, so hypot(0, 0, c) — lowered
  // to hypot(hypot(0, 0), c) — has its true derivative.
  hypot: { arity: 2, evaluate: Math.hypot, spelling: { call: "Math.hypot" }, partials: [op("divz", a, y), op("divz", b, y)] },
  gtnum: { arity: 2, evaluate: (p, q) => (p > q ? 1 : 0), spelling: { infix: ">" }, partials: [null, null] },
  genum: { arity: 2, evaluate: (p, q) => (p >= q ? 1 : 0), spelling: { infix: ">=" }, partials: [null, null] },
  ltnum: { arity: 2, evaluate: (p, q) => (p < q ? 1 : 0), spelling: { infix: "<" }, partials: [null, null] },
  lenum: { arity: 2, evaluate: (p, q) => (p <= q ? 1 : 0), spelling: { infix: "<=" }, partials: [null, null] },
};

/** Does the primitive carry a derivative at all? (floor, sign and comparisons do not.) */
export function isDifferentiable(op: PrimOp): boolean {
  return RULES[op].partials.some((p) => p !== null);
}

/** Which arguments and whether the result a partial reads — the values reverse mode must keep. */
export function partialReads(p: Partial, into: { args: Set<number>; result: boolean }): void {
  if (p.k === "arg") into.args.add(p.index);
  else if (p.k === "result") into.result = true;
  else if (p.k === "op") p.args.forEach((q) => partialReads(q, into));
}

/** Evaluates a partial numerically (the tape engine's use of the table). */
export function evaluatePartial(p: Partial, args: readonly number[], result: number): number {
  switch (p.k) {
    case "arg":
      return args[p.index]!;
    case "result":
      return result;
    case "const":
      return p.value;
    case "op":
      return RULES[p.op].evaluate(...p.args.map((q) => evaluatePartial(q, args, result)));
  }
}
