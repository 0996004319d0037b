/**
 * The public faces of the wasm engine: `grad`, `valueAndGrad`, `valueAndGradInto`, `jvp` and `vjp`
 * with `engine: "wasm"`. They keep the compiled engine's contract (emit/wrappers.ts) — the same
 * arguments, results and treatment of the caller's arrays — and move arrays into the module's
 * memory and back (glue.ts): one copy of each array argument per call, one of each result.
 *
 * With `dtype: "float32"`, or without a dtype when f has Float32Array parameters, they call the
 * module's float32 variants (precision.ts) and store the arrays as those variants expect;
 * gradients are float32 under dtype "float32" and typed as their parameters otherwise; tangents
 * and array results are float32 when computed in float32.
 */
import { type FnIR, type Param, TS_TYPE_NAME, isDifferentiableParam, writtenParams } from "../../ir.js";
import type { WrapperSpec } from "../wrappers.js";
import { WASM_SUPPORT_NAME as W } from "./glue.js";
import type { ElementKind } from "./layout.js";
import { type Float32Entry, float32Name } from "./precision.js";
import type { WasmEntries } from "./module.js";

/** How a float32 entry's array parameters are stored, by export name (module.ts). */
type ParameterKinds = Map<string, (ElementKind | undefined)[]>;

/** A parameter's declared storage: the typed array it is in JavaScript. */
function declaredStorage(p: Param): ElementKind {
  return p.float32 ? "Float32Array" : p.integer ? ((p.kind ?? "Int32Array") as ElementKind) : "Float64Array";
}

const isFloatArray = (p: Param) => p.type === "arr" && isDifferentiableParam(p);

/** Position of source parameter i among a forward function's parameters (each differentiable one is followed by its tangent). */
function forwardPosition(fn: FnIR, i: number): number {
  return fn.params.slice(0, i).reduce((pos, p) => pos + (isDifferentiableParam(p) ? 2 : 1), 0);
}

/**
 * The functions the module compiles for these wrappers: float64 entries, and for `dtype:
 * "float32"` the float32 variants with the parameters that start as float32 arrays — the
 * differentiated arrays (every float array for jvp) and their adjoints or tangents.
 */
export function wasmEntries(wrappers: WrapperSpec[]): WasmEntries {
  const float64 = new Set<string>();
  const float32 = new Map<string, Set<number>>();
  const sameParameters: WasmEntries["sameParameters"] = [];
  const add = (name: string, indices: number[]) => {
    const set = float32.get(name) ?? new Set<number>();
    for (const i of indices) set.add(i);
    float32.set(name, set);
  };
  for (const w of wrappers) {
    const { fn } = w;
    if (w.dtype === "float64") {
      for (const name of [w.reverseName, w.forwardName, w.primalName]) if (name !== "") float64.add(name);
      continue;
    }
    const startsFloat32 = (i: number) => isFloatArray(fn.params[i]) && (w.dtype === "float32" || fn.params[i].float32 === true);
    if (w.kind === "jvp") {
      add(w.forwardName, fn.params.flatMap((_, i) => (startsFloat32(i) ? [forwardPosition(fn, i), forwardPosition(fn, i) + 1] : [])));
      continue;
    }
    if (w.kind === "jit") {
      add(w.primalName, w.wrt.filter(startsFloat32));
      continue;
    }
    // The reverse function takes f's parameters, then one adjoint per differentiated array.
    const arrays = w.wrt.filter((i) => isFloatArray(fn.params[i]));
    add(w.reverseName, arrays.flatMap((i, k) => (startsFloat32(i) ? [i, fn.params.length + k] : [])));
    if (w.primalName !== "") {
      add(w.primalName, arrays.filter(startsFloat32));
      sameParameters.push({ names: [w.reverseName, w.primalName], count: fn.params.length });
    }
  }
  const entries: Float32Entry[] = [...float32].map(([name, set]) => ({ name, float32Params: [...set].sort((a, b) => a - b) }));
  return { float64: [...float64], float32: entries, sameParameters };
}

export function printWasmWrapper(w: WrapperSpec, parameterKinds: ParameterKinds): string {
  const { fn } = w;
  const f32 = w.dtype !== "float64";
  /** The module's function for a generated one: its float32 variant when anything computes in float32. */
  const entry = (name: string) => (f32 ? float32Name(name) : name);
  /** How parameter `position` of generated function `name` is stored. */
  const kindAt = (name: string, position: number, fallback: ElementKind): ElementKind => (f32 ? (parameterKinds.get(float32Name(name))?.[position] ?? fallback) : fallback);
  const mainEntry = w.kind === "jvp" ? w.forwardName : w.kind === "jit" ? w.primalName : w.reverseName;
  const storage = (p: Param) => JSON.stringify(kindAt(mainEntry, w.kind === "jvp" ? forwardPosition(fn, fn.params.indexOf(p)) : fn.params.indexOf(p), declaredStorage(p)));
  const taken = new Set(fn.params.map((p) => p.name));
  const local = (base: string) => (taken.has(base) ? `$${base}` : base);
  const [wasm, value, cotangent, grads] = ["wasm", "value", "cotangent", "grads"].map(local);
  const handle = (name: string) => local(`${name}_in`);
  const bar = (name: string) => local(`${name}_bar`);
  const arrayType = f32 ? "Float64Array | Float32Array" : TS_TYPE_NAME.arr;
  /** An array result: float32 under dtype "float32", otherwise a Float64Array as f returns. */
  const resultArrayType = w.dtype === "float32" ? "Float32Array" : "Float64Array";
  const params = fn.params.map((p) => `${p.name}: ${p.type === "arr" ? arrayType : TS_TYPE_NAME[p.type]}`).join(", ");
  const exp = w.exported ? "export " : "";
  const wrtParams = w.wrt.map((i) => fn.params[i]);
  const arrayBars = wrtParams.filter((p) => p.type === "arr" && isDifferentiableParam(p));
  const barKind = (k: number) => kindAt(w.reverseName, fn.params.length + k, "Float64Array");
  /** An array gradient's type: float32 under dtype "float32", otherwise its parameter's. */
  const gradTypeOf = (p: Param) => (!isDifferentiableParam(p) ? "number" : p.type === "arr" && (p.float32 || w.dtype === "float32") ? "Float32Array" : TS_TYPE_NAME[p.type]);
  const gradients = wrtParams.map((p) => {
    if (!isDifferentiableParam(p)) return "0";
    if (p.type !== "arr") return `${W}.adjoint(${fn.params.indexOf(p)})`;
    const type = gradTypeOf(p);
    return `${W}.read(${bar(p.name)}${barKind(arrayBars.indexOf(p)) === type ? "" : `, "${type}"`}) as ${type}`;
  });
  const gradValue = w.single ? gradients[0] : `[${gradients.join(", ")}]`;
  const gradType = w.single ? gradTypeOf(wrtParams[0]) : `[${wrtParams.map(gradTypeOf).join(", ")}]`;
  const engineOptions = `engine: "wasm"${w.dtype === "float32" ? ', dtype: "float32"' : ""}`;
  const wrtOption = w.kind === "jvp" || w.kind === "jit" ? "" : `wrt: ${w.single ? w.wrt[0] : `[${w.wrt.join(", ")}]`}, `;
  const title = `${w.kind}(${fn.sourceName}, { ${wrtOption}${engineOptions} })`;
  const copyIn = (p: Param, source = p.name) => `  const ${handle(p.name)} = ${W}.copyIn(${source}, ${storage(p)});`;
  const args = (p: Param) => (p.type === "arr" ? handle(p.name) : p.type === "str" ? `${W}.string(${p.name})` : p.name);
  const written = writtenParams(fn);
  // f writes into some of its array parameters: it runs on copies of them, which are copied back
  // into the caller's arrays, so they end as a call of f leaves them; derivatives are taken at
  // the point as given (fresh copies).
  const runOnCallersArrays = (ps: Param[]) =>
    written.length === 0
      ? []
      : [
          ...written.map((p) => `  const ${local(`${p.name}_run`)} = ${W}.copyIn(${p.name}, ${storage(p)});`),
          `  ${wasm}.${entry(w.primalName)}(${ps.map((p) => (written.includes(p) ? local(`${p.name}_run`) : args(p))).join(", ")});`,
          ...written.map((p) => `  ${W}.readInto(${local(`${p.name}_run`)}, ${p.name}, ${storage(p)});`),
        ];
  /** The adjoint array of the k-th differentiated array parameter, zeroed, as the reverse function stores it. */
  const zerosFor = (p: Param, k: number) => `${W}.zeros(${p.name}.length${barKind(k) === "Float32Array" ? ', "Float32Array"' : ""})`;
  const reverseCall = (seed: string) => `${wasm}.${entry(w.reverseName)}(${[...fn.params.map(args), ...arrayBars.map((p) => bar(p.name)), seed].join(", ")})`;
  const prepare = [
    `  const ${wasm} = ${W}.begin();`,
    ...fn.params.filter((p) => p.type === "arr").map((p) => copyIn(p)),
    ...runOnCallersArrays(fn.params),
    ...arrayBars.map((p, k) => `  const ${bar(p.name)} = ${zerosFor(p, k)};`),
  ];

  switch (w.kind) {
    case "grad":
      return [`/** ${title} */`, `${exp}function ${w.name}(${params}): ${gradType} {`, ...prepare, `  ${reverseCall("1")};`, `  return ${gradValue};`, `}`].join("\n");
    case "valueAndGrad":
      return [
        `/** ${title} */`,
        `${exp}function ${w.name}(${params}): [number, ${gradType}] {`,
        ...prepare,
        `  const ${value} = ${reverseCall("1")};`,
        `  return [${value}, ${gradValue}];`,
        `}`,
      ].join("\n");
    case "valueAndGradInto": {
      const checks = wrtParams.flatMap((p, k) =>
        p.type === "arr" && isDifferentiableParam(p)
          ? [`  if (${grads}[${k}].length !== ${p.name}.length) throw new RangeError(\`${w.name}: gradient buffer ${k} has length \${${grads}[${k}].length}, '${p.name}' has \${${p.name}.length}\`);`]
          : [],
      );
      const outs = wrtParams.map((p, k) =>
        p.type === "arr" && isDifferentiableParam(p) ? `  ${W}.readInto(${bar(p.name)}, ${grads}[${k}]);` : `  ${grads}[${k}][0] = ${gradients[k]};`,
      );
      return [
        `/** ${title}, writing gradients into caller-provided buffers (one ${f32 ? "Float32Array or " : ""}Float64Array per wrt parameter; length 1 for numbers) */`,
        `${exp}function ${w.name}(${grads}: ArrayLike<${arrayType}>, ${params}): number {`,
        ...checks,
        ...prepare,
        `  const ${value} = ${reverseCall("1")};`,
        ...outs,
        `  return ${value};`,
        `}`,
      ].join("\n");
    }
    case "vjp": {
      const arrayResult = fn.resultType === "arr";
      const cotangentType = arrayResult ? "ArrayLike<number>" : "number";
      const saved = (p: Param) => local(`${p.name}_saved`);
      const arrays = fn.params.filter((p) => p.type === "arr");
      return [
        `/** ${title}: the value, and a pullback from a cotangent to gradients */`,
        `${exp}function ${w.name}(${params}): [${arrayResult ? resultArrayType : TS_TYPE_NAME[fn.resultType]}, (cotangent: ${cotangentType}) => ${gradType}] {`,
        // The point as given, for the pullback: f may write into its array parameters.
        ...arrays.map((p) => `  const ${saved(p)} = ${p.name}.slice();`),
        `  let ${wasm} = ${W}.begin();`,
        ...arrays.map((p) => copyIn(p)),
        `  const ${value} = ${arrayResult ? `${W}.read(${wasm}.${entry(w.primalName)}(${fn.params.map(args).join(", ")}), "${resultArrayType}") as ${resultArrayType}` : `${wasm}.${entry(w.primalName)}(${fn.params.map(args).join(", ")})`};`,
        ...written.map((p) => `  ${W}.readInto(${handle(p.name)}, ${p.name}, ${storage(p)});`),
        `  return [${value}, (${cotangent}: ${cotangentType}): ${gradType} => {`,
        ...(arrayResult
          ? [`    if (${cotangent}.length !== ${value}.length) throw new RangeError(\`vjp(${fn.sourceName}): the cotangent has length \${${cotangent}.length}, the result \${${value}.length}\`);`]
          : []),
        `    ${wasm} = ${W}.begin();`,
        ...arrays.map((p) => "  " + copyIn(p, saved(p))),
        ...arrayBars.map((p, k) => `    const ${bar(p.name)} = ${zerosFor(p, k)};`),
        `    ${reverseCall(arrayResult ? `${W}.copyIn(${cotangent}, ${JSON.stringify(kindAt(w.reverseName, fn.params.length + arrayBars.length, "Float64Array"))})` : cotangent)};`,
        `    return ${gradValue};`,
        `  }];`,
        `}`,
      ].join("\n");
    }
    case "jit": {
      const arrayResult = fn.resultType === "arr";
      return [
        `/** ${title}: ${fn.sourceName} itself, run as WebAssembly */`,
        `${exp}function ${w.name}(${params}): ${arrayResult ? resultArrayType : TS_TYPE_NAME[fn.resultType]} {`,
        `  const ${wasm} = ${W}.begin();`,
        ...fn.params.filter((p) => p.type === "arr").map((p) => copyIn(p)),
        `  const ${value} = ${wasm}.${entry(w.primalName)}(${fn.params.map(args).join(", ")});`,
        ...written.map((p) => `  ${W}.readInto(${handle(p.name)}, ${p.name}, ${storage(p)});`),
        `  return ${arrayResult ? `${W}.read(${value}, "${resultArrayType}") as ${resultArrayType}` : value};`,
        `}`,
      ].join("\n");
    }
    case "jvp":
      return printJvp(w, fn, title, storage, (position) => JSON.stringify(kindAt(w.forwardName, position, "Float64Array")), entry(w.forwardName), arrayType, resultArrayType);
  }
}

function printJvp(w: WrapperSpec, fn: FnIR, title: string, storage: (p: Param) => string, kindAt: (position: number) => string, forward: string, arrayType: string, resultArrayType: string): string {
  const n = fn.params.length;
  const lines = [`  const wasm = ${W}.begin();`];
  const args: string[] = [];
  fn.params.forEach((p, i) => {
    if (p.type === "arr") {
      lines.push(`  const primal${i} = ${W}.copyIn(primals[${i}] as ArrayLike<number>, ${storage(p)});`);
      args.push(`primal${i}`);
      if (isDifferentiableParam(p)) {
        lines.push(`  const tangent${i} = ${W}.copyIn(tangents[${i}] as ArrayLike<number>, ${kindAt(forwardPosition(fn, i) + 1)});`);
        args.push(`tangent${i}`);
      }
    } else {
      args.push(p.type === "str" ? `${W}.string(primals[${i}] as string)` : `primals[${i}]`);
      if (isDifferentiableParam(p)) args.push(`tangents[${i}]`);
    }
  });
  const arrayResult = fn.resultType === "arr";
  const type = fn.resultType === "arr" ? resultArrayType : TS_TYPE_NAME[fn.resultType];
  return [
    `/** ${title}: the value and the directional derivative along the tangents */`,
    `${w.exported ? "export " : ""}function ${w.name}(primals: ArrayLike<unknown>, tangents: ArrayLike<unknown>): [${type}, ${type}] {`,
    `  if (primals.length !== ${n} || tangents.length !== ${n}) {`,
    `    throw new TypeError("jvp(${fn.sourceName}) expects ${n} primals and ${n} tangents");`,
    `  }`,
    ...lines,
    `  const value = wasm.${forward}(${args.join(", ")});`,
    // f's writes into its array parameters reach the caller's arrays, as a call of f does.
    ...writtenParams(fn).map((p) => `  ${W}.readInto(primal${fn.params.indexOf(p)}, primals[${fn.params.indexOf(p)}] as ${arrayType}, ${storage(p)});`),
    arrayResult ? `  return [${W}.read(value, "${resultArrayType}") as ${type}, ${W}.read(wasm.tangents.value, "${resultArrayType}") as ${type}];` : `  return [value, wasm.tangent.value];`,
    `}`,
  ].join("\n");
}
