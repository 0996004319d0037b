/** The `Math.*` and `Number.*` members of the differentiable subset, mapped to IR primitives. */
import type { PrimOp } from "../ir.js";

export const UNARY_MATH: Record<string, PrimOp> = {
  sin: "sin", cos: "cos", tan: "tan", asin: "asin", acos: "acos", atan: "atan",
  sinh: "sinh", cosh: "cosh", tanh: "tanh", asinh: "asinh", acosh: "acosh", atanh: "atanh",
  exp: "exp", expm1: "expm1", log: "log", log1p: "log1p", log2: "log2", log10: "log10",
  sqrt: "sqrt", cbrt: "cbrt", abs: "abs", sign: "sign", floor: "floor", ceil: "ceil",
  round: "round", trunc: "trunc",
};

export const BINARY_MATH: Record<string, PrimOp> = { atan2: "atan2", pow: "pow" };

/** Variadic members folded left into a chain of binary primitives. */
export const VARIADIC_MATH: Record<string, PrimOp> = { min: "min", max: "max", hypot: "hypot" };

export const MATH_CONSTANTS: Record<string, number> = {
  PI: Math.PI, E: Math.E, LN2: Math.LN2, LN10: Math.LN10, LOG2E: Math.LOG2E,
  LOG10E: Math.LOG10E, SQRT2: Math.SQRT2, SQRT1_2: Math.SQRT1_2,
};

export const NUMBER_CONSTANTS: Record<string, number> = {
  EPSILON: Number.EPSILON, MAX_VALUE: Number.MAX_VALUE, MIN_VALUE: Number.MIN_VALUE,
  POSITIVE_INFINITY: Infinity, NEGATIVE_INFINITY: -Infinity, NaN: NaN,
  MAX_SAFE_INTEGER: Number.MAX_SAFE_INTEGER, MIN_SAFE_INTEGER: Number.MIN_SAFE_INTEGER,
};

/** Members of Math outside the subset, with why and what to do instead. */
export const NON_DIFFERENTIABLE_MATH: Record<string, { message: string; hint: string }> = {
  random: { message: "Math.random on a differentiated path has no derivative and makes results irreproducible", hint: "draw the random numbers outside and pass them in as parameters" },
  clz32: { message: "Math.clz32 is an integer bit operation outside the differentiable subset", hint: "compute it outside the differentiated function" },
  imul: { message: "Math.imul is an integer operation outside the differentiable subset", hint: "use ordinary multiplication" },
  fround: { message: "Math.fround rounds to float32, which is outside the differentiable subset", hint: "compute in float64, or round outside the differentiated function" },
};
