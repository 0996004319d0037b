/**
 * The public faces of generated code: `grad`, `valueAndGrad`, `jvp` and `vjp` wrappers that call
 * the forward- and reverse-mode functions and package their results as the public API promises
 * (README.md's opening examples; the types in runtime/index.ts).
 */
import { type FnIR, type Param, TS_TYPE_NAME, isDifferentiableParam, writtenParams } from "../ir.js";
import { SUPPORT_NAME } from "./print.js";
import type { Engine, Precision } from "../front/markers.js";

/** `jit`: f itself, run by the wasm engine (the other engines run f as it is). */
export type WrapperKind = "grad" | "valueAndGrad" | "valueAndGradInto" | "jvp" | "vjp" | "jit";

export interface WrapperSpec {
  kind: WrapperKind;
  name: string;
  fn: FnIR;
  /** Parameter indices differentiated (ignored by jvp, which takes tangents for every parameter). */
  wrt: number[];
  single: boolean;
  exported: boolean;
  engine: Engine;
  dtype: Precision;
  reverseName: string;
  forwardName: string;
  primalName: string;
}


/**
 * A wrapper of a recursive function, whose generated code recurses as deep as the source does:
 * a stack overflow is reported as what it is, naming the function, rather than as a bare
 * RangeError from inside generated code.
 */
export function guardRecursion(fn: FnIR, wrapper: string): string {
  if (!fn.reachesRecursion) return wrapper;
  const lines = wrapper.split("\n");
  const open = lines.findIndex((l) => /^(export )?function /.test(l));
  const body = lines.slice(open + 1, -1).map((l) => "  " + l);
  return [...lines.slice(0, open + 1), "  try {", ...body, `  } catch (error) {`, `    throw ${SUPPORT_NAME}.tooDeep(error, ${JSON.stringify(fn.sourceName)});`, "  }", "}"].join("\n");
}

/** One statement of generated code, inside the same guard as guardRecursion's when `fn` may recurse. */
function guardStatement(fn: FnIR, line: string): string[] {
  if (!fn.reachesRecursion) return [line];
  const pad = /^\s*/.exec(line)![0];
  return [`${pad}try {`, `  ${line}`, `${pad}} catch (error) {`, `${pad}  throw ${SUPPORT_NAME}.tooDeep(error, ${JSON.stringify(fn.sourceName)});`, `${pad}}`];
}

export function printWrapper(w: WrapperSpec): string {
  const { fn } = w;
  // Wrapper locals keep readable names unless a parameter already uses one.
  const taken = new Set(fn.params.map((p) => p.name));
  const local = (base: string) => (taken.has(base) ? `$${base}` : base);
  const value = local("value");
  const cotangent = local("cotangent");
  const bar = (name: string) => local(`${name}_bar`);
  const params = fn.params.map((p) => `${p.name}: ${TS_TYPE_NAME[p.type]}`).join(", ");
  const exp = w.exported ? "export " : "";
  const wrtParams = w.wrt.map((i) => fn.params[i]);
  const arrayBuffers = wrtParams.filter((p) => p.type === "arr" && isDifferentiableParam(p));
  // Booleans and strings keep their place in the list (when `wrt` is not given) with gradient 0.
  // A Float32Array's gradient, accumulated in float64, is handed back as a Float32Array.
  const gradients = wrtParams.map((p) =>
    !isDifferentiableParam(p) ? "0" : p.type === "arr" ? (p.float32 ? `Float32Array.from(${bar(p.name)})` : bar(p.name)) : `${SUPPORT_NAME}.adjoint[${fn.params.indexOf(p)}]`,
  );
  const gradValue = w.single ? gradients[0] : `[${gradients.join(", ")}]`;
  const gradTypeOf = (p: Param) => (!isDifferentiableParam(p) ? "number" : p.float32 ? "Float32Array" : TS_TYPE_NAME[p.type]);
  const gradType = w.single ? gradTypeOf(wrtParams[0]) : `[${wrtParams.map(gradTypeOf).join(", ")}]`;
  const reverseCall = (seed: string, args = fn.params.map((p) => p.name)) =>
    `${w.reverseName}(${[...args, ...arrayBuffers.map((p) => bar(p.name)), seed].join(", ")})`;
  const allocate = arrayBuffers.map((p) => `  const ${bar(p.name)} = new Float64Array(${p.name}.length);`);
  // A function that writes into its array parameters: f runs on the caller's arrays, which end
  // as a call of f leaves them, and reverse mode runs on copies of them as given (its sweeps
  // restore only what they need, which would leave the caller's arrays half-way).
  const written = writtenParams(fn);
  const given = (name: string) => local(`${name}_given`);
  const runOnCallersArrays = written.length === 0 ? [] : [...written.map((p) => `  const ${given(p.name)} = ${p.name}.slice();`), `  ${w.primalName}(${fn.params.map((p) => p.name).join(", ")});`];
  const reverseArgs = fn.params.map((p) => (written.includes(p) ? given(p.name) : p.name));
  const title = `${w.kind}(${fn.sourceName}${w.kind === "jvp" ? "" : `, { wrt: ${w.single ? w.wrt[0] : `[${w.wrt.join(", ")}]`} }`})`;

  switch (w.kind) {
    case "grad":
      return [
        `/** ${title} */`,
        `${exp}function ${w.name}(${params}): ${gradType} {`,
        ...allocate,
        ...runOnCallersArrays,
        `  ${reverseCall("1", reverseArgs)};`,
        `  return ${gradValue};`,
        `}`,
      ].join("\n");
    case "valueAndGrad":
      return [
        `/** ${title} */`,
        `${exp}function ${w.name}(${params}): [number, ${gradType}] {`,
        ...allocate,
        ...runOnCallersArrays,
        `  const ${value} = ${reverseCall("1", reverseArgs)};`,
        `  return [${value}, ${gradValue}];`,
        `}`,
      ].join("\n");
    case "valueAndGradInto": {
      // The zero-allocation form: gradients are written into the caller's buffers.
      const grads = local("grads");
      const lines = wrtParams.map((p, k) => {
        const buffer = `${grads}[${k}]`;
        if (p.type === "arr" && isDifferentiableParam(p)) {
          return [
            `  const ${bar(p.name)} = ${buffer};`,
            `  if (${bar(p.name)}.length !== ${p.name}.length) throw new RangeError(\`${w.name}: gradient buffer ${k} has length \${${bar(p.name)}.length}, '${p.name}' has \${${p.name}.length}\`);`,
            `  ${bar(p.name)}.fill(0);`,
          ];
        }
        return [];
      });
      const scalarOuts = wrtParams.flatMap((p, k) => (p.type === "arr" && isDifferentiableParam(p) ? [] : [`  ${grads}[${k}][0] = ${gradients[k]};`]));
      return [
        `/** ${title}, writing gradients into caller-provided buffers (one Float64Array per wrt parameter; length 1 for numbers) */`,
        `${exp}function ${w.name}(${grads}: ArrayLike<Float64Array>, ${params}): number {`,
        ...lines.flat(),
        ...runOnCallersArrays,
        `  const ${value} = ${reverseCall("1", reverseArgs)};`,
        ...scalarOuts,
        `  return ${value};`,
        `}`,
      ].join("\n");
    }
    case "vjp": {
      const saved = fn.params.map((p) => (p.type === "arr" ? local(`${p.name}_saved`) : p.name));
      // An array result is copied out of the generated function's reusable buffer; its cotangent
      // is an array of the same length.
      const arrayResult = fn.resultType === "arr";
      const cotangentType = arrayResult ? "ArrayLike<number>" : "number";
      const checkCotangent = arrayResult
        ? [`    if (${cotangent}.length !== ${value}.length) throw new RangeError(\`vjp(${fn.sourceName}): the cotangent has length \${${cotangent}.length}, the result \${${value}.length}\`);`]
        : [];
      return [
        `/** ${title}: the value, and a pullback from a cotangent to gradients */`,
        `${exp}function ${w.name}(${params}): [${TS_TYPE_NAME[fn.resultType]}, (cotangent: ${cotangentType}) => ${gradType}] {`,
        // Copies first: f may write into its array parameters, and the pullback differentiates at
        // the point as given.
        // slice() keeps the array's kind: a Float32Array copy still rounds what is stored in it.
        ...fn.params.filter((p) => p.type === "arr").map((p) => `  const ${local(`${p.name}_saved`)} = ${p.name}.slice();`),
        `  const ${value} = ${w.primalName}(${fn.params.map((p) => p.name).join(", ")})${arrayResult ? ".slice()" : ""};`,
        `  return [${value}, (${cotangent}: ${cotangentType}): ${gradType} => {`,
        ...checkCotangent,
        ...allocate.map((l) => "  " + l),
        // The reverse sweep runs f's code again, which may write into the arrays: fresh copies each time.
        // The pullback runs after the wrapper returned: a recursion too deep is reported here too.
        ...guardStatement(fn, `    ${reverseCall(arrayResult ? `Float64Array.from(${cotangent})` : cotangent, fn.params.map((p, i) => (p.type === "arr" ? `${saved[i]}.slice()` : saved[i])))};`),
        `    return ${gradValue};`,
        `  }];`,
        `}`,
      ].join("\n");
    }
    case "jit":
      // jit is a wrapper of the wasm engine only (compiler/index.ts): the other engines run f itself.
      throw new Error("gradc internal error: jit has no wrapper on this engine");
    case "jvp": {
      const n = fn.params.length;
      const args = fn.params.flatMap((p, i) => (isDifferentiableParam(p) ? [`primals[${i}] as ${TS_TYPE_NAME[p.type]}`, `tangents[${i}] as ${TS_TYPE_NAME[p.type]}`] : [`primals[${i}] as ${TS_TYPE_NAME[p.type]}`]));
      // An array result and its tangent are copied out of the generated function's reusable buffers.
      const arrayResult = fn.resultType === "arr";
      const type = TS_TYPE_NAME[fn.resultType];
      return [
        `/** ${title}: the value and the directional derivative along the tangents */`,
        `${exp}function ${w.name}(primals: ArrayLike<unknown>, tangents: ArrayLike<unknown>): [${type}, ${type}] {`,
        `  if (primals.length !== ${n} || tangents.length !== ${n}) {`,
        `    throw new TypeError("jvp(${fn.sourceName}) expects ${n} primals and ${n} tangents");`,
        `  }`,
        `  const value = ${w.forwardName}(${args.join(", ")});`,
        arrayResult ? `  return [value.slice(), ${SUPPORT_NAME}.tangents.slice()];` : `  return [value, ${SUPPORT_NAME}.tangent];`,
        `}`,
      ].join("\n");
    }
  }
}
