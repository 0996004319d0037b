/**
 * gradc's public API. `grad`, `valueAndGrad`, `valueAndGradInto`, `jvp` and `vjp` are markers:
 * gradc's transform replaces every call to them at build time with generated derivative code. A
 * call that reaches run time was not transformed, and throws an error that says how to enable the
 * transform — it never returns a wrong number.
 *
 * Their types follow `f`'s parameters and the `wrt` option:
 *
 *   function f(x: number, a: Float64Array, flag: boolean): number { … }
 *   grad(f)                  // (x: number, a: Float64Array, flag: boolean) => [number, Float64Array, number]
 *   grad(f, { wrt: [1, 0] }) // (…) => [Float64Array, number]
 *   grad(f, { wrt: 1 })      // (…) => Float64Array
 *   grad(f, { wrt: 3 })      // compile error: f has no parameter 3 (nor may `wrt` name a boolean)
 *
 * A `number` parameter's gradient is a `number`, a `Float64Array`'s or `number[]`'s a
 * `Float64Array` of the same length, and a `boolean`'s (present only when `wrt` is not given, to
 * keep indices in step with the parameters) the number 0. Integer parameters (sizes, counts) are
 * plain `number`s too: leave them out with `wrt`.
 *
 * Functions whose JSDoc carries the `@differentiable` tag get `f_grad`, `f_valueAndGrad`, `f_jvp` and
 * `f_vjp` generated beside them at build time. TypeScript's checker cannot see those, so import
 * them through {@link WithDerivatives}:
 *
 *   import * as lib from "./lib.js";
 *   const { f_grad, f_vjp } = lib as WithDerivatives<typeof lib>;
 */

/**
 * A parameter type gradc differentiates through: `number`, `Float64Array`, `Float32Array`,
 * `number[]`, `boolean` and `string` (for conditions: no derivative), or an object type
 * (interface or type alias) whose fields are such types, nested. gradc checks an object's fields
 * at build time; here `object` lets interfaces in.
 */
export type DifferentiableParameter = number | boolean | string | Float64Array | Float32Array | readonly number[] | IntegerArray | object;

/** Integer typed arrays: indices, labels, masks — passed through, never differentiated (gradient 0). */
export type IntegerArray = Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** An array parameter: its gradient is a `Float64Array` of the same length. */
type ArrayParameter = Float64Array | Float32Array | readonly number[];

/** A function gradc can differentiate: parameters of `DifferentiableParameter` types, a `number` result. */
export type DifferentiableFunction = DifferentiableSignature["call"];

/** A function `jvp` and `vjp` take: parameters as for `grad`; a number, array or object result. */
export type VectorFunction = VectorSignature["call"];

/** A result `jvp` and `vjp` take: a number, an array, or an object of them (nested); gradc checks an object's fields at build time. */
export type DifferentiableResult = number | Float64Array | readonly number[] | object;

interface VectorSignature {
  call(...args: (DifferentiableParameter | undefined)[]): DifferentiableResult;
}

/** A value of result type `R` as `jvp` and `vjp` return it (and its tangent): arrays become Float64Arrays. */
export type OutputOf<R> = [R] extends [number] ? number : [R] extends [ArrayLike<number>] ? Float64Array : { -readonly [K in keyof R]: OutputOf<R[K]> };

/** What `jvp` and `vjp` return for `F`'s value (and its tangent): a number, a Float64Array for an array result, an object of them for an object result. */
export type Output<F extends VectorFunction> = OutputOf<ReturnType<F>>;

/** A cotangent for a result of type `R`: a number, an array of its length, or an object of them. */
export type CotangentOf<R> = [R] extends [number] ? number : [R] extends [ArrayLike<number>] ? ArrayLike<number> : { readonly [K in keyof R]: CotangentOf<R[K]> };

/** The cotangent `vjp`'s pullback takes: shaped as `F`'s result. */
export type Cotangent<F extends VectorFunction> = CotangentOf<ReturnType<F>>;

interface DifferentiableSignature {
  // A method, not a function type: TypeScript compares a method's parameters bivariantly, so
  // `(x: number, a: Float64Array) => number` and `(p: { w: Float64Array }) => number` fit while
  // `(s: string) => number` and `(x: number) => string` do not.
  // `undefined`: optional parameters (`offset?: number`) fit too.
  call(...args: (DifferentiableParameter | undefined)[]): number;
}

/**
 * The gradient of one parameter of type `P`: `number` for a number, `Float64Array` for a
 * `Float64Array` or `number[]`, `Float32Array` for a `Float32Array`, 0 for a boolean or a string,
 * and for an object an object of the same fields holding their gradients.
 */
export type Gradient<P> = [P] extends [number]
  ? number
  : [P] extends [Float32Array]
    ? Float32Array
    : [P] extends [ArrayParameter]
      ? Float64Array
      : [P] extends [boolean | string | IntegerArray]
        ? number
        : [P] extends [object]
          ? { -readonly [K in keyof P]: Gradient<P[K]> }
          : never;

/** The tangent `jvp` takes for a parameter of type `P`: a number, an array of the same length, for a boolean (ignored) 0, false or null, for an object an object of its fields' tangents. */
export type Tangent<P> = [P] extends [number]
  ? number
  : [P] extends [ArrayParameter]
    ? ArrayParameter
    : [P] extends [boolean | string | IntegerArray]
      ? number | boolean | string | IntegerArray | null | undefined
      : [P] extends [object]
        ? { readonly [K in keyof P]: Tangent<P[K]> }
        : never;

/** Where `valueAndGradInto` writes one parameter's gradient: a Float64Array (length 1 for a number), or for an object an object of them. */
export type GradientBuffer = Float64Array | { readonly [field: string]: GradientBuffer };

/** `"0" | "2"` → `0 | 2`. */
type NumericKey<K> = K extends `${infer I extends number}` ? I : never;

/** The indices of the parameters in `Ps` that have a derivative (number, array and object parameters). */
type DifferentiableIndices<Ps> = NumericKey<{ [K in keyof Ps]-?: [NonNullable<Ps[K]>] extends [boolean | string | IntegerArray] ? never : [NonNullable<Ps[K]>] extends [number | object] ? K : never }[keyof Ps & `${number}`]>;

/** A parameter index `wrt` may name for `F`: one of a number, array or object parameter (booleans have no derivative). */
export type WrtIndex<F extends VectorFunction> = DifferentiableIndices<Parameters<F>>;

/** The `wrt` option for `F`: a single parameter index, or a non-empty list of them, written as literals. */
export type Wrt<F extends VectorFunction> = WrtIndex<F> | readonly [WrtIndex<F>, ...WrtIndex<F>[]];

/** The type of the parameter of `F` at index `I`. */
type ParameterAt<F extends VectorFunction, I> = I extends keyof Parameters<F> ? Parameters<F>[I] : never;

/** One gradient per entry of the parameter list `Ps`, in order. */
type ParameterGradients<Ps> = { -readonly [K in keyof Ps]-?: Gradient<NonNullable<Ps[K]>> };

/** What `grad(f, { wrt: W })` returns for `f: F`: a tuple with one gradient per parameter (no `wrt`) or per listed index, or one gradient for a single index. */
export type Gradients<F extends VectorFunction, W extends Wrt<F> | undefined = undefined> = W extends number
  ? Gradient<NonNullable<ParameterAt<F, W>>>
  : W extends readonly number[]
    ? { -readonly [K in keyof W]: Gradient<NonNullable<ParameterAt<F, W[K]>>> }
    : ParameterGradients<Parameters<F>>;

/** The tangents `jvp(f)` takes for `f: F`: one per parameter, in order. */
export type Tangents<F extends VectorFunction> = ParameterTangents<Parameters<F>>;

/** One tangent per entry of the parameter list `Ps`, in order. */
type ParameterTangents<Ps> = { readonly [K in keyof Ps]: Tangent<NonNullable<Ps[K]>> };

/** The options of `grad`, `valueAndGrad`, `valueAndGradInto`, `jvp` and `vjp`; gradc reads them at build time, so write them inline. */
export interface GradOptions<W = number | readonly number[]> {
  /** Parameter indices to differentiate with respect to: a list, or one index for a single gradient (jvp ignores it). */
  wrt?: W;
  /**
   * "compiled" (default): generated JavaScript. "tape": the tape-based engine. "wasm": generated
   * WebAssembly (built by gradc's plugin, CLI and Node hook; README "The WebAssembly engine").
   */
  engine?: "compiled" | "tape" | "wasm";
  /**
   * With engine "wasm" only. "float32": the differentiated arrays, their gradients and what is
   * computed from them in float32, as jax-js and TensorFlow.js compute a float32 network; counters,
   * indices and the data not differentiated stay float64. Array arguments may then be
   * Float32Arrays; gradients, tangents and array results are Float32Arrays. "float64": everything
   * in float64, as the other engines compute. Without it, f's Float32Array parameters (and what is
   * computed from them) compute in float32 and everything else in float64.
   */
  dtype?: "float64" | "float32";
}

/** The options of a float32 derivative: `{ engine: "wasm", dtype: "float32" }` (and `wrt`). */
export interface Float32Options<W = number | readonly number[]> extends GradOptions<W> {
  engine: "wasm";
  dtype: "float32";
}

/** An argument of a float32 derivative: a Float32Array wherever f takes a Float64Array. */
type Float32Argument<T> = T extends Float64Array ? Float64Array | Float32Array : T extends number | boolean | string | IntegerArray | Float32Array ? T : { [K in keyof T]: Float32Argument<T[K]> };
type Float32Arguments<Ps> = { [K in keyof Ps]: Float32Argument<Ps[K]> };
/** What a float32 derivative returns: Float32Arrays where the float64 one returns Float64Arrays. */
type Float32Result<T> = T extends Float64Array ? Float32Array : T extends number | boolean | string | Float32Array ? T : T extends (...args: infer A) => infer R ? (...args: A) => Float32Result<R> : { -readonly [K in keyof T]: Float32Result<T[K]> };

/** What `grad(f, { wrt: W })` returns for `f: F`: takes `f`'s arguments, returns `Gradients<F, W>`. */
export type GradFunction<F extends DifferentiableFunction, W extends Wrt<F> | undefined = undefined> = (...args: Parameters<F>) => Gradients<F, W>;

/** What `valueAndGrad(f, { wrt: W })` returns for `f: F`: takes `f`'s arguments, returns `[f(...args), Gradients<F, W>]`. */
export type ValueAndGradFunction<F extends DifferentiableFunction, W extends Wrt<F> | undefined = undefined> = (
  ...args: Parameters<F>
) => [value: number, gradients: Gradients<F, W>];

/** What `valueAndGradInto(f)` returns for `f: F`: writes the gradients into `grads` (one buffer per `wrt` parameter) and returns `f(...args)`. */
export type ValueAndGradIntoFunction<F extends DifferentiableFunction> = (grads: ArrayLike<GradientBuffer>, ...args: Parameters<F>) => number;

/** What `jvp(f)` returns for `f: F`: takes every argument and a tangent for each, returns `[f(primals), ∇f · tangents]`. */
export type JvpFunction<F extends VectorFunction> = (primals: Readonly<Parameters<F>>, tangents: Tangents<F>) => [value: Output<F>, tangent: Output<F>];

/** What `vjp(f, { wrt: W })` returns for `f: F`: takes `f`'s arguments, returns `[f(...args), pullback]`, the pullback mapping a cotangent to `Gradients<F, W>`. */
export type VjpFunction<F extends VectorFunction, W extends Wrt<F> | undefined = undefined> = (
  ...args: Parameters<F>
) => [value: Output<F>, pullback: (cotangent: Cotangent<F>) => Gradients<F, W>];

/** The exported names of module namespace `M` that are differentiable functions. */
type DifferentiableExport<M> = { [K in keyof M & string]: M[K] extends DifferentiableFunction ? K : never }[keyof M & string];

/** `M[K]`, known to be a differentiable function. */
type ExportedFunction<M, K extends keyof M> = Extract<M[K], DifferentiableFunction>;

/**
 * Module namespace type `M` with the derivatives gradc generates beside each `@differentiable`
 * export `f`: `f_grad`, `f_valueAndGrad`, `f_jvp`, `f_vjp`. Use it to import them with types:
 * `import * as lib from "./lib.js"; const { f_grad } = lib as WithDerivatives<typeof lib>;`.
 * Types cannot see JSDoc tags, so this lists them for every exported function of numbers; only
 * those of `@differentiable` functions exist at run time.
 */
export type WithDerivatives<M> = M & {
  readonly [K in DifferentiableExport<M> as `${K}_grad`]: GradFunction<ExportedFunction<M, K>>;
} & {
  readonly [K in DifferentiableExport<M> as `${K}_valueAndGrad`]: ValueAndGradFunction<ExportedFunction<M, K>>;
} & {
  readonly [K in DifferentiableExport<M> as `${K}_jvp`]: JvpFunction<ExportedFunction<M, K>>;
} & {
  readonly [K in DifferentiableExport<M> as `${K}_vjp`]: VjpFunction<ExportedFunction<M, K>>;
};

function notTransformed(api: string): never {
  throw new Error(
    `gradc: ${api}() was called at run time, so this module was not transformed by gradc. ` +
      "Run it with `npx gradc run FILE`, build it with the gradc plugin (import gradc from \"gradc/plugin\"; " +
      "gradc.vite() / gradc.esbuild() / gradc.rollup() / gradc.webpack()), or use the TypeScript transformer (gradc/tsc). " +
      "`npx gradc check FILE` shows why a function cannot be differentiated.",
  );
}

/** The gradient of `f`: one entry per parameter (or per `wrt` index); a single value for `wrt: i`. */
export function grad<F extends DifferentiableFunction, const W extends Wrt<F> | undefined = undefined>(
  f: F,
  options: Float32Options<W>,
): (...args: Float32Arguments<Parameters<F>>) => Float32Result<Gradients<F, W>>;
export function grad<F extends DifferentiableFunction, const W extends Wrt<F> | undefined = undefined>(f: F, options?: GradOptions<W>): GradFunction<F, W>;
export function grad<F extends DifferentiableFunction, const W extends Wrt<F> | undefined = undefined>(f: F, options?: GradOptions<W>): GradFunction<F, W> {
  void f, options;
  return notTransformed("grad");
}

/** `[f(...args), gradients]`, with gradients as `grad` returns them. */
export function valueAndGrad<F extends DifferentiableFunction, const W extends Wrt<F> | undefined = undefined>(
  f: F,
  options: Float32Options<W>,
): (...args: Float32Arguments<Parameters<F>>) => [value: number, gradients: Float32Result<Gradients<F, W>>];
export function valueAndGrad<F extends DifferentiableFunction, const W extends Wrt<F> | undefined = undefined>(f: F, options?: GradOptions<W>): ValueAndGradFunction<F, W>;
export function valueAndGrad<F extends DifferentiableFunction, const W extends Wrt<F> | undefined = undefined>(
  f: F,
  options?: GradOptions<W>,
): ValueAndGradFunction<F, W> {
  void f, options;
  return notTransformed("valueAndGrad");
}

/**
 * The zero-allocation form of `valueAndGrad` for hot loops: `(grads, ...args) => value`, where
 * `grads` holds one preallocated Float64Array per `wrt` parameter (the parameter's length for
 * arrays, length 1 for numbers; for an object, an object of the same fields holding those) and is
 * overwritten with the gradients.
 */
export function valueAndGradInto<F extends DifferentiableFunction, const W extends Wrt<F> | undefined = undefined>(
  f: F,
  options: Float32Options<W>,
): (grads: ArrayLike<Float32Argument<GradientBuffer>>, ...args: Float32Arguments<Parameters<F>>) => number;
export function valueAndGradInto<F extends DifferentiableFunction, const W extends Wrt<F> | undefined = undefined>(f: F, options?: GradOptions<W>): ValueAndGradIntoFunction<F>;
export function valueAndGradInto<F extends DifferentiableFunction, const W extends Wrt<F> | undefined = undefined>(f: F, options?: GradOptions<W>): never {
  void f, options;
  return notTransformed("valueAndGradInto");
}

/** Forward mode: `[f(primals), ∇f · tangents]`, with a tangent for every parameter; for an array result, the result and its tangent (J · tangents) as Float64Arrays. */
export function jvp<F extends VectorFunction>(
  f: F,
  options: Float32Options,
): (primals: Readonly<Float32Arguments<Parameters<F>>>, tangents: Float32Arguments<Tangents<F>>) => Float32Result<[value: Output<F>, tangent: Output<F>]>;
export function jvp<F extends VectorFunction>(f: F, options?: GradOptions): JvpFunction<F>;
export function jvp<F extends VectorFunction>(f: F, options?: GradOptions): JvpFunction<F> {
  void f, options;
  return notTransformed("jvp");
}

/**
 * `[f(...args), pullback]` where `pullback(cotangent)` returns the gradients (as `grad` returns
 * them) scaled by the cotangent; for an array result the cotangent is an array of its length and
 * the pullback gives cotangentᵀ·J.
 */
export function vjp<F extends VectorFunction, const W extends Wrt<F> | undefined = undefined>(
  f: F,
  options: Float32Options<W>,
): (...args: Float32Arguments<Parameters<F>>) => [value: Float32Result<Output<F>>, pullback: (cotangent: Float32Argument<Cotangent<F>>) => Float32Result<Gradients<F, W>>];
export function vjp<F extends VectorFunction, const W extends Wrt<F> | undefined = undefined>(f: F, options?: GradOptions<W>): VjpFunction<F, W>;
export function vjp<F extends VectorFunction, const W extends Wrt<F> | undefined = undefined>(f: F, options?: GradOptions<W>): VjpFunction<F, W> {
  void f, options;
  return notTransformed("vjp");
}

/**
 * `f` itself, run by an engine: with `engine: "wasm"`, its generated WebAssembly, as JAX's `jit`
 * runs a function compiled; on the other engines, `f` as it is. With `dtype: "float32"`, the
 * arrays `wrt` lists (every float array without it) and what is computed from them are float32.
 * For forward passes beside a gradient, such as a DQN's target network.
 */
export function jit<F extends VectorFunction, const W extends Wrt<F> | undefined = undefined>(f: F, options: Float32Options<W>): (...args: Float32Arguments<Parameters<F>>) => Float32Result<ReturnType<F>>;
export function jit<F extends VectorFunction, const W extends Wrt<F> | undefined = undefined>(f: F, options?: GradOptions<W>): F;
export function jit<F extends VectorFunction, const W extends Wrt<F> | undefined = undefined>(f: F, options?: GradOptions<W>): never {
  void f, options;
  return notTransformed("jit");
}

/**
 * The options of `hessian` and `hvp`, read at build time: `wrt` (the parameters whose rows and
 * columns the Hessian has; every number and array parameter without it), and `engine` and `dtype`
 * as for `grad` — on the tape and wasm engines, that engine's gradient of f's tangent code.
 */
export type HessianOptions<W = number | readonly number[]> = GradOptions<W>;

/** The options of `jacobian`: `wrt`, `engine` and `dtype` as `jvp` and `vjp` take them, and `mode`. */
export interface JacobianOptions<W = number | readonly number[]> extends GradOptions<W> {
  /** "forward": a jvp per input entry; "reverse": a vjp per result entry; "auto" (default): the fewer calls for the sizes at hand. */
  mode?: "forward" | "reverse" | "auto";
}

/**
 * The Hessian of a number-valued `f` as `number[][]`, by reverse mode over f's generated tangent
 * code: over the `wrt` parameters flattened in order (a number one entry, an array its elements),
 * row i is ∂/∂xᵢ of the gradient. For scalar parameters, `hessian(f)(x1, x2)[i][j]` = ∂²f/∂xᵢ∂xⱼ.
 */
export function hessian<F extends DifferentiableFunction, const W extends Wrt<F> | undefined = undefined>(f: F, options?: HessianOptions<W>): (...args: Parameters<F>) => number[][] {
  void f, options;
  return notTransformed("hessian");
}

/** The Hessian of `f` times the tangents, ∇ₓ(∇f(x)·v), shaped as `grad(f, { wrt })` returns gradients; one reverse sweep over f's tangent code. */
export function hvp<F extends DifferentiableFunction, const W extends Wrt<F> | undefined = undefined>(
  f: F,
  options?: HessianOptions<W>,
): (primals: Readonly<Parameters<F>>, tangents: Tangents<F>) => Gradients<F, W> {
  void f, options;
  return notTransformed("hvp");
}

/**
 * The Jacobian of `f` (a number or an array result) as `number[][]`: one row per entry of the
 * result (one row for a number), one column per entry of the `wrt` parameters flattened in order.
 */
export function jacobian<F extends VectorFunction, const W extends Wrt<F> | undefined = undefined>(f: F, options?: JacobianOptions<W>): (...args: Parameters<F>) => number[][] {
  void f, options;
  return notTransformed("jacobian");
}

/**
 * Gives `f` — a function of numbers that returns a number — its own derivative: `partials` takes
 * f's arguments and then its value, and returns ∂f/∂xᵢ for each argument, e.g.
 * `defineRule(softplus, (x, value) => [1 / (1 + Math.exp(-x))])`. Write it at the top level of the
 * module that declares `f`. gradc reads it at build time: every engine (generated forward and
 * reverse code, the tape, WebAssembly, second derivatives) then treats a call of `f` as one
 * operation with these partials and runs f's body only for its value. The partials are
 * expressions of the arguments and the value: numbers, arithmetic and `Math` functions. At run
 * time the call does nothing.
 */
export function defineRule<const A extends number[]>(f: (...args: A) => number, partials: (...argumentsAndValue: [...A, number]) => { [K in keyof A]: number }): void {
  void f, partials;
}

export { Tape, sharedTape, type Node } from "./tape.js";
export { checkGrad, richardsonDerivative, type GradCheckOptions, type GradCheckReport, type GradEngines, type ParameterReport } from "./check.js";

/** The value of `x`, through which no derivative flows (targets of a loss, for example). */
export function stopGradient<T extends number | boolean>(x: T): T {
  return x;
}
