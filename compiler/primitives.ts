/**
 * The primitives: every numeric operation of the IR, each described once, in one record —
 *
 *   - how JavaScript evaluates it (constant folding, the tape engine),
 *   - how TypeScript source writes it (an operator, a `Math` member) — lowering reads this,
 *   - how generated code spells it (an operator, a call, or a helper on the support object),
 *   - its partial derivatives, written once as small expression trees over the arguments and the
 *     result: forward mode builds tangents from them (ẏ = Σ ∂y/∂xᵢ·ẋᵢ), reverse mode adjoints
 *     (x̄ᵢ += ȳ·∂y/∂xᵢ), and the tape engine evaluates them numerically — the rules are data, as
 *     in JAX's `defjvp` beside each primitive,
 *   - its cost (whether the reverse sweep recomputes it rather than saving it).
 *
 * A new `Math` function is one record here (and its tests). The table is checked when this
 * module loads: a partial that names an unknown primitive, or has the wrong number of operands,
 * stops every use of the compiler at once rather than producing a wrong derivative later.
 */

/** A partial derivative: an expression tree over the primitive's arguments and its result. */
export type Partial =
  | { k: "arg"; index: number }
  | { k: "result" }
  | { k: "const"; value: number }
  | { k: "op"; op: PrimOp; args: Partial[] };

/** A function on the support object of generated code (emit/support.ts), for primitives JavaScript lacks. */
export interface RuntimeHelper {
  /** Method name on the support object (`$gradc.divz(a, b)`). */
  name: string;
  /** The method's parameter list and body, as TypeScript; `evaluate` is the same function. */
  parameters: string;
  body: string;
  doc: string;
}

export type Spelling =
  /** `a + b`, or prefix `-a` for one operand. */
  | { infix: string }
  /** `Math.sin(a)`. */
  | { call: string }
  /** `a > b ? 1 : 0`: a comparison that yields a number (used inside derivative rules). */
  | { comparison: string }
  | { helper: RuntimeHelper };

/**
 * A binary operator token, or a `Math` member. A variadic member (`Math.max(a, b, c)`) folds its
 * arguments left into binary primitives; with one argument it is `single` of it (`Math.hypot(x)`
 * is |x|, `Math.max(x)` is x).
 */
export type SourceForm = { operator: string } | { math: string; variadic?: { single: "copy" | "abs" } };

export interface Primitive {
  arity: 1 | 2;
  /** The primitive's value, as JavaScript computes it. */
  evaluate: (...args: number[]) => number;
  /**
   * Where source code writes it: binary operator tokens (`+`), members of `Math` — with
   * `variadic`, any number of arguments folded left into a chain of binary primitives. Absent for
   * primitives that only derivative rules use (unary minus is lowered on its own).
   */
  source?: SourceForm[];
  spelling: Spelling;
  /** ∂result/∂argᵢ; `null` where the derivative is zero everywhere it exists (floor, sign, …). */
  partials: (Partial | null)[];
  /**
   * A partial can be infinite where the value is finite (∛ and √ at 0, asin at ±1, …): a zero
   * tangent or adjoint times it must stay 0, not become NaN (as the tape engine, which skips
   * zero adjoints, and JAX's symbolic zeros behave).
   */
  infiniteSlope?: boolean;
  /** About one machine instruction: the reverse sweep recomputes it from available operands instead of saving it. */
  cheap?: boolean;
  /**
   * The relative precision its values are rounded to (float32's 2⁻²⁴ for fround): a difference
   * quotient with step h is only good to about this over h, which tests allow for.
   */
  resolution?: number;
  /**
   * How the WebAssembly engine computes it: a native instruction (emit/wasm/instructions.ts).
   * Absent: the module imports the JavaScript function its spelling names (`Math.sin`, a helper),
   * so both engines compute the same value.
   */
  wasm?: WasmInstruction;
}

/** The primitives WebAssembly computes natively, bit for bit as JavaScript does. */
export type WasmInstruction = "add" | "sub" | "mul" | "div" | "neg" | "abs" | "sqrt" | "floor" | "ceil" | "trunc" | "min" | "max" | "fround" | "gt" | "ge" | "lt" | "le" | "divz";

// ---- Partials as written in the table: operations named by string, checked when the module loads.

type PartialSpec = { k: "arg"; index: number } | { k: "result" } | { k: "const"; value: number } | { k: "op"; op: string; args: PartialSpec[] };
type PrimitiveSpec = Omit<Primitive, "partials"> & { partials: (PartialSpec | null)[] };
/** Optional fields of a record, for the builders below. */
type Extra = Pick<PrimitiveSpec, "source" | "infiniteSlope" | "cheap" | "resolution" | "wasm">;

const x: PartialSpec = { k: "arg", index: 0 };
const a = x;
const b: PartialSpec = { k: "arg", index: 1 };
const y: PartialSpec = { k: "result" };
const c = (value: number): PartialSpec => ({ k: "const", value });
const op = (name: string, ...args: PartialSpec[]): PartialSpec => ({ k: "op", op: name, args });
const square = (p: PartialSpec) => op("mul", p, p);
const recip = (p: PartialSpec) => op("div", c(1), p);

const binaryOperator = (operator: string, evaluate: (p: number, q: number) => number, partials: (PartialSpec | null)[], wasm?: WasmInstruction): PrimitiveSpec => ({
  arity: 2,
  evaluate,
  source: [{ operator }],
  spelling: { infix: operator },
  partials,
  cheap: operator !== "/" && operator !== "%" && operator !== "**",
  ...(wasm ? { wasm } : {}),
});

const unaryMath = (name: string, evaluate: (v: number) => number, partial: PartialSpec | null, extra: Extra = {}): PrimitiveSpec => ({
  arity: 1,
  evaluate,
  source: [{ math: name }],
  spelling: { call: `Math.${name}` },
  partials: [partial],
  ...extra,
});

const binaryMath = (name: string, evaluate: (p: number, q: number) => number, partials: (PartialSpec | null)[], extra: Extra = {}): PrimitiveSpec => ({
  arity: 2,
  evaluate,
  source: [{ math: name }],
  spelling: { call: `Math.${name}` },
  partials,
  ...extra,
});

const comparison = (symbol: string, evaluate: (p: number, q: number) => boolean, wasm: WasmInstruction): PrimitiveSpec => ({
  arity: 2,
  evaluate: (p, q) => (evaluate(p, q) ? 1 : 0),
  spelling: { comparison: symbol },
  partials: [null, null],
  wasm,
});

const TABLE = {
  add: binaryOperator("+", (p, q) => p + q, [c(1), c(1)], "add"),
  sub: binaryOperator("-", (p, q) => p - q, [c(1), c(-1)], "sub"),
  mul: binaryOperator("*", (p, q) => p * q, [b, a], "mul"),
  div: binaryOperator("/", (p, q) => p / q, [recip(b), op("neg", op("div", y, b))], "div"),
  // a % b = a - trunc(a / b)·b, so ∂/∂a = 1 and ∂/∂b = −trunc(a / b).
  mod: binaryOperator("%", (p, q) => p % q, [c(1), op("neg", op("trunc", op("div", a, b)))]),
  // ∂(aᵇ)/∂a = b·aᵇ⁻¹ and ∂(aᵇ)/∂b = aᵇ·ln a. For a ≤ 0 the power is real only at integer b,
  // where it is locally constant in b: like floor's, its derivative there is taken as 0 (and a
  // NaN partial would otherwise poison forward mode through a zero tangent). `a ** b` and
  // `Math.pow(a, b)` are the same primitive.
  pow: binaryMath("pow", Math.pow, [op("mul", b, op("pow", a, op("sub", b, c(1)))), op("powlog", y, a)], { source: [{ operator: "**" }, { math: "pow" }] }),
  neg: { arity: 1, evaluate: (p) => -p, spelling: { infix: "-" }, partials: [c(-1)], cheap: true, wasm: "neg" },
  sin: unaryMath("sin", Math.sin, op("cos", x)),
  cos: unaryMath("cos", Math.cos, op("neg", op("sin", x))),
  tan: unaryMath("tan", Math.tan, op("add", c(1), square(y))),
  asin: unaryMath("asin", Math.asin, recip(op("sqrt", op("sub", c(1), square(x)))), { infiniteSlope: true }),
  acos: unaryMath("acos", Math.acos, op("neg", recip(op("sqrt", op("sub", c(1), square(x))))), { infiniteSlope: true }),
  atan: unaryMath("atan", Math.atan, recip(op("add", c(1), square(x)))),
  // atan2(a, b) is the angle of the point (b, a). At the origin, where atan2 jumps, the partials
  // are taken as 0 rather than 0/0.
  atan2: binaryMath("atan2", Math.atan2, [op("divz", b, op("add", square(a), square(b))), op("neg", op("divz", a, op("add", square(a), square(b))))]),
  sinh: unaryMath("sinh", Math.sinh, op("cosh", x)),
  cosh: unaryMath("cosh", Math.cosh, op("sinh", x)),
  tanh: unaryMath("tanh", Math.tanh, op("sub", c(1), square(y))),
  asinh: unaryMath("asinh", Math.asinh, recip(op("sqrt", op("add", square(x), c(1))))),
  acosh: unaryMath("acosh", Math.acosh, recip(op("mul", op("sqrt", op("sub", x, c(1))), op("sqrt", op("add", x, c(1))))), { infiniteSlope: true }),
  atanh: unaryMath("atanh", Math.atanh, recip(op("sub", c(1), square(x)))),
  exp: unaryMath("exp", Math.exp, y),
  expm1: unaryMath("expm1", Math.expm1, op("add", y, c(1))),
  log: unaryMath("log", Math.log, recip(x)),
  log1p: unaryMath("log1p", Math.log1p, recip(op("add", c(1), x))),
  log2: unaryMath("log2", Math.log2, recip(op("mul", x, c(Math.LN2)))),
  log10: unaryMath("log10", Math.log10, recip(op("mul", x, c(Math.LN10)))),
  sqrt: unaryMath("sqrt", Math.sqrt, op("div", c(0.5), y), { infiniteSlope: true, wasm: "sqrt" }),
  cbrt: unaryMath("cbrt", Math.cbrt, recip(op("mul", c(3), square(y))), { infiniteSlope: true }),
  abs: unaryMath("abs", Math.abs, op("sign", x), { cheap: true, wasm: "abs" }),
  sign: unaryMath("sign", Math.sign, null, { cheap: true }),
  floor: unaryMath("floor", Math.floor, null, { cheap: true, wasm: "floor" }),
  ceil: unaryMath("ceil", Math.ceil, null, { cheap: true, wasm: "ceil" }),
  round: unaryMath("round", Math.round, null, { cheap: true }),
  trunc: unaryMath("trunc", Math.trunc, null, { cheap: true, wasm: "trunc" }),
  // Rounding to the nearest float32 is a step function at float64's resolution, the identity at
  // any coarser one: its derivative is 1, the derivative of the float32 computation that runs.
  fround: unaryMath("fround", Math.fround, c(1), { cheap: true, resolution: 2 ** -24, wasm: "fround" }),
  // At a tie, min and max pass the whole derivative to their first argument.
  min: binaryMath("min", Math.min, [op("lenum", a, b), op("gtnum", a, b)], { source: [{ math: "min", variadic: { single: "copy" } }], cheap: true, wasm: "min" }),
  max: binaryMath("max", Math.max, [op("genum", a, b), op("ltnum", a, b)], { source: [{ math: "max", variadic: { single: "copy" } }], cheap: true, wasm: "max" }),
  // hypot(a, b) at a = b = 0: partials 0 (a subgradient), not 0/0, so hypot(0, 0, c) — lowered
  // to hypot(hypot(0, 0), c) — has its true derivative.
  hypot: binaryMath("hypot", Math.hypot, [op("divz", a, y), op("divz", b, y)], { source: [{ math: "hypot", variadic: { single: "abs" } }] }),
  gtnum: comparison(">", (p, q) => p > q, "gt"),
  genum: comparison(">=", (p, q) => p >= q, "ge"),
  ltnum: comparison("<", (p, q) => p < q, "lt"),
  lenum: comparison("<=", (p, q) => p <= q, "le"),
  /** a / b, and 0 where b = 0: partials that are 0/0 only where the function's derivative is bounded. */
  divz: {
    arity: 2,
    evaluate: (p, q) => (q === 0 ? 0 : p / q),
    spelling: { helper: { name: "divz", parameters: "a: number, b: number", body: "return b === 0 ? 0 : a / b;", doc: "a / b, 0 where b = 0 (partials of hypot and atan2 at the origin)." } },
    // Its own partials are read by second derivatives only: 1/b and −(a/b)/b, 0 where b = 0.
    partials: [op("divz", c(1), b), op("neg", op("divz", y, b))],
    wasm: "divz",
  },
  /** aᵇ·ln a for a > 0, else 0: the partial of pow with respect to its exponent. */
  powlog: {
    arity: 2,
    evaluate: (power, base) => (base > 0 ? power * Math.log(base) : 0),
    spelling: {
      helper: {
        name: "powlog",
        parameters: "power: number, base: number",
        body: "return base > 0 ? power * Math.log(base) : 0;",
        doc: "∂(aᵇ)/∂b = aᵇ·ln a for a > 0, and 0 where aᵇ is real only at integer b (a ≤ 0).",
      },
    },
    // Read by second derivatives only: ∂/∂power = ln base, ∂/∂base = power / base (base > 0; else 0).
    partials: [op("powlog", c(1), b), op("mul", op("gtnum", b, c(0)), op("divz", a, b))],
  },
} satisfies Record<string, PrimitiveSpec>;

export type PrimOp = keyof typeof TABLE;

/** Every primitive by name. */
export const PRIMITIVES: Record<PrimOp, Primitive> = checked(TABLE);

function checked(table: Record<PrimOp, PrimitiveSpec>): Record<PrimOp, Primitive> {
  const check = (p: PartialSpec, owner: string): void => {
    if (p.k === "arg" && p.index >= table[owner as PrimOp].arity) throw new Error(`gradc internal error: a partial of '${owner}' reads argument ${p.index}`);
    if (p.k !== "op") return;
    const used = table[p.op as PrimOp] as PrimitiveSpec | undefined;
    if (!used) throw new Error(`gradc internal error: a partial of '${owner}' uses '${p.op}', which is not a primitive`);
    if (p.args.length !== used.arity) throw new Error(`gradc internal error: a partial of '${owner}' applies '${p.op}' to ${p.args.length} operands`);
    p.args.forEach((q) => check(q, owner));
  };
  for (const [name, spec] of Object.entries(table)) {
    if (spec.partials.length !== spec.arity) throw new Error(`gradc internal error: '${name}' has ${spec.partials.length} partials for ${spec.arity} operands`);
    spec.partials.forEach((p) => p && check(p, name));
  }
  return table as Record<PrimOp, Primitive>;
}

// ---- Views of the table that the phases use.

/** Binary operator tokens of the source (`+`, `**`, …) → their primitive. */
export const OPERATOR_PRIMITIVES: ReadonlyMap<string, PrimOp> = new Map(
  (Object.entries(PRIMITIVES) as [PrimOp, Primitive][]).flatMap(([name, p]) => (p.source ?? []).flatMap((form) => ("operator" in form ? [[form.operator, name] as const] : []))),
);

/** `Math` members of the subset → their primitive, its arity, and how a variadic member folds. */
export const MATH_PRIMITIVES: ReadonlyMap<string, { op: PrimOp; arity: 1 | 2; variadic: { single: "copy" | "abs" } | undefined }> = new Map(
  (Object.entries(PRIMITIVES) as [PrimOp, Primitive][]).flatMap(([name, p]) =>
    (p.source ?? []).flatMap((form) => ("math" in form ? [[form.math, { op: name, arity: p.arity, variadic: form.variadic }] as const] : [])),
  ),
);

/** The support-object functions generated code may call. */
export const RUNTIME_HELPERS: readonly RuntimeHelper[] = Object.values(PRIMITIVES).flatMap((p) => ("helper" in p.spelling ? [p.spelling.helper] : []));

/** Does the primitive carry a derivative at all? (floor, sign and comparisons do not.) */
export function isDifferentiable(op: PrimOp): boolean {
  return PRIMITIVES[op].partials.some((p) => p !== null);
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
      return PRIMITIVES[p.op].evaluate(...p.args.map((q) => evaluatePartial(q, args, result)));
  }
}
