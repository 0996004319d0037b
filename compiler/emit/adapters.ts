/**
 * The public face of a function whose parameters are not one IR parameter each: objects, which
 * lowering replaced by their fields, and optional or defaulted parameters, which became a value
 * and a `given` flag. The generated derivative code — and the flat wrapper over it (wrappers.ts,
 * or taped.ts for the tape engine) — takes the IR's parameters. This adapter takes the source's
 * parameters as they are, passes their parts to the flat wrapper, and gives each gradient (and
 * `jvp`'s tangents, `valueAndGradInto`'s buffers) the shape of its parameter, as JAX does with
 * pytrees: `grad(loss)(params)` → `{ w: Float64Array, b: number }`.
 */
import { type FnIR, type ParamShape, type ResultLayout, TS_TYPE_NAME, paramLeaves } from "../ir.js";
import { fieldAccess, fieldKey } from "../lower/shapes.js";
import { SUPPORT_NAME } from "./print.js";
import type { WrapperSpec } from "./wrappers.js";

/** A wrapper over the source's parameters: `wrt` lists source parameter indices. */
export interface AdapterSpec extends Pick<WrapperSpec, "kind" | "name" | "fn" | "wrt" | "single" | "exported" | "engine"> {
  /** The flat wrapper: the same kind, over `fn.params`, with respect to `flatWrt`, returning a list. */
  flatName: string;
  /** The IR parameters of the `wrt` source parameters, in order: the flat wrapper's gradients. */
  flatWrt: number[];
  /** A module-level array the zero-allocation form fills with the caller's buffers. */
  scratchName: string;
}

/**
 * Whether `fn`'s source parameters differ from its IR parameters (objects, optional parameters),
 * or its result from the IR's (an object, packed into an array).
 */
export function needsAdapter(fn: FnIR): boolean {
  return fn.signature.some((p) => p.shape.k !== "leaf") || fn.resultLayout !== undefined;
}

/** The IR parameters whose gradients the source parameters `wrt` have, in order. */
export function flatWrt(fn: FnIR, wrt: number[]): number[] {
  return wrt.flatMap((i) => paramLeaves(fn.signature[i].shape));
}

/** The TypeScript type of a parameter of this shape. */
function typeText(shape: ParamShape, fn: FnIR): string {
  if (shape.k === "object") return `{ ${shape.fields.map(([f, s]) => `${fieldKey(f)}: ${typeText(s, fn)}`).join("; ")} }`;
  return TS_TYPE_NAME[fn.params[shape.param].type];
}

/** A gradient's type: numbers for numbers, booleans and strings (0), the array's own kind for arrays. */
function gradientTypeText(shape: ParamShape, fn: FnIR): string {
  if (shape.k === "object") return `{ ${shape.fields.map(([f, s]) => `${fieldKey(f)}: ${gradientTypeText(s, fn)}`).join("; ")} }`;
  const param = fn.params[shape.param];
  return param.type === "arr" ? (param.float32 ? "Float32Array" : "Float64Array") : "number";
}

/**
 * The expressions of a source parameter's IR arguments, read from `base` (`p.w`, `p.layer.b`; for
 * an optional one its value, `absent` when undefined, then whether it was given).
 */
function argumentReads(shape: ParamShape, base: string, fn: FnIR, absent: (type: string) => string): string[] {
  if (shape.k === "object") return shape.fields.flatMap(([f, s]) => argumentReads(s, fieldAccess(base, f), fn, absent));
  if (shape.k === "optional") return [`(${base} ?? ${absent(fn.params[shape.param].type)})`, `${base} !== undefined`];
  return [base];
}

/** The expressions of a source parameter's gradient leaves, read from `base`, in `paramLeaves` order. */
function leafReads(shape: ParamShape, base: string): string[] {
  if (shape.k === "object") return shape.fields.flatMap(([f, s]) => leafReads(s, fieldAccess(base, f)));
  return [base];
}

/** An expression of the shape built from its leaves: `{ w: g[0], b: g[1] }`. */
function build(shape: ParamShape, leaf: (param: number) => string): string {
  if (shape.k === "object") return `{ ${shape.fields.map(([f, s]) => `${fieldKey(f)}: ${build(s, leaf)}`).join(", ")} }`;
  return leaf(shape.param);
}

/** The TypeScript type of a result of this layout, with `array` at its array leaves. */
function layoutTypeText(layout: ResultLayout, array: string): string {
  if (layout === "num") return "number";
  if (layout === "arr") return array;
  return `{ ${layout.fields.map(([f, l]) => `${fieldKey(f)}: ${layoutTypeText(l, array)}`).join("; ")} }`;
}

/** A layout as the support object's pack/unpack read it: "num", "arr", or [field, layout] pairs. */
function layoutLiteral(layout: ResultLayout): string {
  if (typeof layout === "string") return JSON.stringify(layout);
  return `[${layout.fields.map(([f, l]) => `[${JSON.stringify(f)}, ${layoutLiteral(l)}]`).join(", ")}]`;
}

/** What an absent optional argument stands for: NaN for a number (undefined in arithmetic), false for a boolean, "" for a string. */
const ABSENT_PRIMAL = (type: string) => (type === "bool" ? "false" : type === "str" ? '""' : "NaN");
/** An absent tangent is 0 (booleans and strings have none). */
const ABSENT_TANGENT = (type: string) => (type === "bool" ? "false" : type === "str" ? '""' : "0");

/**
 * A function over the source's parameters that calls `flatName` with their IR parts and returns
 * its result as it is: `hessian` and `jacobian` of functions with objects or optional parameters,
 * whose rows and columns are the IR parameters' entries (the fields flattened in order).
 */
export function printFlatteningAdapter(name: string, fn: FnIR, flatName: string, resultType: string, doc: string): string {
  const params = fn.signature.map((p) => `${p.name}${p.shape.k === "optional" ? "?" : ""}: ${typeText(p.shape, fn)}`).join(", ");
  const flatArgs = fn.signature.flatMap((p) => argumentReads(p.shape, p.name, fn, ABSENT_PRIMAL)).join(", ");
  return [`/** ${doc} */`, `function ${name}(${params}): ${resultType} {`, `  return ${flatName}(${flatArgs});`, `}`].join("\n");
}

/**
 * `hvp(f)` over the source's parameters: primals and tangents shaped as the parameters (as `jvp`
 * takes them), H·v shaped as `grad` returns gradients. `flatName` is the hvp over the IR's
 * parameters, returning a list over `flatWrt`.
 */
export function printHvpAdapter(name: string, fn: FnIR, wrt: number[], single: boolean, flatWrt: number[], flatName: string): string {
  const n = fn.signature.length;
  const required = fn.signature.filter((p) => p.shape.k !== "optional").length;
  const read = (list: string, absent: (type: string) => string) => fn.signature.flatMap((p, i) => argumentReads(p.shape, `(${list}[${i}] as any)`, fn, absent));
  const position = new Map(flatWrt.map((param, k) => [param, k]));
  const shaped = wrt.map((i) => build(fn.signature[i].shape, (param) => `g[${position.get(param)}]`));
  const gradTypes = wrt.map((i) => gradientTypeText(fn.signature[i].shape, fn));
  return [
    `/** hvp(${fn.sourceName}): primals and tangents shaped as its parameters, H·v shaped as its gradients */`,
    `function ${name}(primals: ArrayLike<unknown>, tangents: ArrayLike<unknown>): ${single ? gradTypes[0] : `[${gradTypes.join(", ")}]`} {`,
    `  if (primals.length < ${required} || primals.length > ${n} || tangents.length !== primals.length) throw new TypeError("hvp(${fn.sourceName}) expects ${required === n ? n : `${required} to ${n}`} primals and as many tangents");`,
    `  const g = ${flatName}([${read("primals", ABSENT_PRIMAL).join(", ")}], [${read("tangents", ABSENT_TANGENT).join(", ")}]) as any[];`,
    `  return ${single ? shaped[0] : `[${shaped.join(", ")}]`};`,
    `}`,
  ].join("\n");
}

export function printAdapter(w: AdapterSpec): string {
  const { fn } = w;
  const taken = new Set(fn.signature.map((p) => p.name));
  const local = (base: string) => (taken.has(base) ? `$${base}` : base);
  const exp = w.exported ? "export " : "";
  const params = fn.signature.map((p) => `${p.name}${p.shape.k === "optional" ? "?" : ""}: ${typeText(p.shape, fn)}`).join(", ");
  const flatArgs = fn.signature.flatMap((p) => argumentReads(p.shape, p.name, fn, ABSENT_PRIMAL)).join(", ");
  // Gradient k of the flat wrapper's list belongs to IR parameter flatWrt[k].
  const position = new Map(w.flatWrt.map((param, k) => [param, k]));
  const shaped = (list: string) => w.wrt.map((i) => build(fn.signature[i].shape, (param) => `${list}[${position.get(param)}]`));
  const packed = (list: string) => (w.single ? shaped(list)[0] : `[${shaped(list).join(", ")}]`);
  const gradTypes = w.wrt.map((i) => gradientTypeText(fn.signature[i].shape, fn));
  const gradType = w.single ? gradTypes[0] : `[${gradTypes.join(", ")}]`;
  const title = `${w.kind}(${fn.sourceName}${w.engine === "tape" ? ', { engine: "tape" }' : ""}), shaped as ${fn.sourceName}'s parameters`;
  const g = local("g");
  const value = local("value");
  switch (w.kind) {
    case "grad":
      return [`/** ${title} */`, `${exp}function ${w.name}(${params}): ${gradType} {`, `  const ${g} = ${w.flatName}(${flatArgs});`, `  return ${packed(g)};`, `}`].join("\n");
    case "valueAndGrad":
      return [
        `/** ${title} */`,
        `${exp}function ${w.name}(${params}): [number, ${gradType}] {`,
        `  const [${value}, ${g}] = ${w.flatName}(${flatArgs});`,
        `  return [${value}, ${packed(g)}];`,
        `}`,
      ].join("\n");
    case "valueAndGradInto": {
      // grads[k] has the shape of wrt parameter k, a Float64Array at each leaf (length 1 for a number).
      const grads = local("grads");
      const buffers = w.wrt.flatMap((i, k) => leafReads(fn.signature[i].shape, `${grads}[${k}]`));
      return [
        `/** ${title}: gradients written into the caller's buffers, shaped as the parameters with a Float64Array at each leaf (length 1 for a number) */`,
        `const ${w.scratchName}: Float64Array[] = [];`,
        `${exp}function ${w.name}(${grads}: ArrayLike<any>, ${params}): number {`,
        ...buffers.map((b, k) => `  ${w.scratchName}[${k}] = ${b};`),
        `  return ${w.flatName}(${w.scratchName}, ${flatArgs});`,
        `}`,
      ].join("\n");
    }
    case "vjp": {
      const pullback = local("pullback");
      const layout = fn.resultLayout;
      const cotangentType = layout ? layoutTypeText(layout, "ArrayLike<number>") : fn.resultType === "arr" ? "ArrayLike<number>" : "number";
      const valueType = layout ? layoutTypeText(layout, "Float64Array") : TS_TYPE_NAME[fn.resultType];
      // An object result comes packed in one array (lower/object-results.ts): unpacked for the
      // caller, and the caller's cotangent packed the same way for the flat pullback.
      const flatValue = layout ? local("packed") : value;
      const layoutName = local("layout");
      return [
        `/** ${title}: the value, and a pullback from a cotangent to gradients */`,
        `${exp}function ${w.name}(${params}): [${valueType}, (cotangent: ${cotangentType}) => ${gradType}] {`,
        `  const [${flatValue}, ${pullback}] = ${w.flatName}(${flatArgs});`,
        ...(layout ? [`  const ${layoutName} = ${layoutLiteral(layout)};`] : []),
        `  return [${layout ? `${SUPPORT_NAME}.unpack(${layoutName}, ${flatValue})` : value}, (cotangent: ${cotangentType}): ${gradType} => {`,
        `    const ${g} = ${pullback}(${layout ? `${SUPPORT_NAME}.pack(${layoutName}, cotangent, ${flatValue}, ${JSON.stringify(fn.sourceName)})` : "cotangent"});`,
        `    return ${packed(g)};`,
        `  }];`,
        `}`,
      ].join("\n");
    }
    case "jit":
      // jit is a wrapper of the wasm engine only (compiler/index.ts): the other engines run f itself.
      throw new Error("gradc internal error: jit has no wrapper on this engine");
    case "jvp": {
      const n = fn.signature.length;
      const required = fn.signature.filter((p) => p.shape.k !== "optional").length;
      const read = (list: string, absent: (type: string) => string) => fn.signature.flatMap((p, i) => argumentReads(p.shape, `(${list}[${i}] as any)`, fn, absent));
      const arity = required === n ? `${n}` : `${required} to ${n}`;
      const layout = fn.resultLayout;
      const type = layout ? layoutTypeText(layout, "Float64Array") : TS_TYPE_NAME[fn.resultType];
      const call = `${w.flatName}([${read("primals", ABSENT_PRIMAL).join(", ")}], [${read("tangents", ABSENT_TANGENT).join(", ")}])`;
      return [
        `/** ${title}: tangents shaped as the parameters${layout ? ", the result and its tangent as the result" : ""} */`,
        `${exp}function ${w.name}(primals: ArrayLike<unknown>, tangents: ArrayLike<unknown>): [${type}, ${type}] {`,
        `  if (primals.length < ${required} || primals.length > ${n} || tangents.length !== primals.length) throw new TypeError("jvp(${fn.sourceName}) expects ${arity} primals and as many tangents");`,
        ...(layout
          ? [
              `  const [packed, tangent] = ${call};`,
              `  const layout = ${layoutLiteral(layout)};`,
              `  return [${SUPPORT_NAME}.unpack(layout, packed), ${SUPPORT_NAME}.unpack(layout, tangent, packed)];`,
            ]
          : [`  return ${call};`]),
        `}`,
      ].join("\n");
    }
  }
}
