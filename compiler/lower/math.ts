/**
 * The constants of `Math` and `Number` the subset reads, and the `Math` functions it rejects with
 * a reason. The `Math` functions it differentiates are records of the primitives table
 * (primitives.ts, `source`).
 */

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
};
