/**
 * The WebAssembly module of one transformed source module: the generated functions the wasm
 * wrappers call (and everything they call), the runtime (runtime.ts), and imports for the
 * primitives WebAssembly lacks (sin, exp, pow, … from JavaScript's `Math`, so both engines compute
 * the same values). binaryen validates and optimises it; the bytes are embedded in the
 * transformed module (glue.ts).
 */
import { type GFn, type Param, type Type, walkGenerated } from "../../ir.js";
import { PRIMITIVES, type PrimOp } from "../../primitives.js";
import { spell } from "../print.js";
import type { Binaryen } from "./binaryen.js";
import { addWasmFunction } from "./functions.js";
import type { ElementKind } from "./layout.js";
import { type Float32Entry, float32Name, inferPrecision } from "./precision.js";
import { MEMORY, addRuntime } from "./runtime.js";
import { WasmUnsupported } from "./unsupported.js";

export interface WasmModule {
  bytes: Uint8Array;
  /** The JavaScript functions the module imports, as `name: expression` source lines (module "math"). */
  imports: string[];
  /** The string constants of the compiled code; the string at index i has id i + 1. */
  strings: string[];
  /** Per float32 entry (by its export name), how each array parameter is stored (undefined for others). */
  parameterKinds: Map<string, (ElementKind | undefined)[]>;
  /** Loops run on SIMD lanes (vectorize.ts), by generated function (those with at least one; float32 variants under their own names). */
  vectorizedLoops: Record<string, number>;
}

/** What to compile: float64 entries by name, float32 variants (`dtype: "float32"`) and which of their parameters are the same arrays. */
export interface WasmEntries {
  float64: string[];
  float32: Float32Entry[];
  sameParameters: { names: string[]; count: number }[];
}

/**
 * Compiles the entries (exported under their own names, float32 variants under `float32Name`)
 * and the generated functions they call, optimised at binaryen's `optimizeLevel`. Throws
 * WasmUnsupported for a construct outside the engine.
 */
export function buildWasmModule(b: Binaryen, functions: Map<string, GFn>, entries: WasmEntries, adjointSlots: number, helperOwner: string, optimizeLevel = 3): WasmModule {
  const included = reachable(functions, entries.float64);
  const included32 = reachable(functions, entries.float32.map((e) => e.name));
  const precision = inferPrecision(new Map([...included32].map((n) => [n, functions.get(n)!])), entries.float32, entries.sameParameters);
  const m = new b.Module();
  try {
    m.setFeatures(b.Features.MVP | b.Features.MutableGlobals | b.Features.NontrappingFPToInt | b.Features.BulkMemory | b.Features.BulkMemoryOpt | b.Features.SignExt | b.Features.SIMD128);
    m.setMemory(1, 65536, "memory", [], false, false, MEMORY);
    addRuntime(b, m, adjointSlots);
    const imported = new Map<PrimOp | "toInt32", string>();
    const importOf = (op: PrimOp | "toInt32") => {
      let name = imported.get(op);
      if (!name) {
        name = `$math_${op}`;
        if (op === "toInt32") m.addFunctionImport(name, "math", op, b.f64, b.i32);
        else m.addFunctionImport(name, "math", op, b.createType(Array(PRIMITIVES[op].arity).fill(b.f64)), b.f64);
        imported.set(op, name);
      }
      return name;
    };
    const strings: string[] = [];
    const stringId = (value: string) => {
      if (!strings.includes(value)) strings.push(value);
      return strings.indexOf(value) + 1;
    };
    const signature = (name: string): { params: Param[]; returns: Type } | undefined => {
      const fn = functions.get(name);
      return fn && (included.has(name) || included32.has(name)) ? { params: fn.params, returns: fn.returns } : undefined;
    };
    const ctx = { signature, importOf, stringId };
    const vectorizedLoops: Record<string, number> = {};
    for (const name of included) {
      const loops = addWasmFunction(b, m, functions.get(name)!, ctx);
      if (loops > 0) vectorizedLoops[name] = loops;
    }
    for (const name of included32) {
      const loops = addWasmFunction(b, m, functions.get(name)!, ctx, float32Name(name), precision.get(name), float32Name);
      if (loops > 0) vectorizedLoops[float32Name(name)] = loops;
    }
    for (const name of entries.float64) m.addFunctionExport(name, name);
    const parameterKinds = new Map<string, (ElementKind | undefined)[]>();
    for (const { name } of entries.float32) {
      m.addFunctionExport(float32Name(name), float32Name(name));
      const kinds = precision.get(name)!.arrayKinds;
      parameterKinds.set(float32Name(name), functions.get(name)!.params.map((p) => (p.type === "arr" ? kinds.get(p.name) : undefined)));
    }
    if (!m.validate()) throw new Error(`gradc internal error: the wasm module does not validate:\n${m.emitText().slice(0, 4000)}`);
    b.setOptimizeLevel(optimizeLevel);
    b.setShrinkLevel(0);
    m.optimize();
    const bytes = m.emitBinary();
    const imports = [...imported.keys()].map((op) => `${op}: ${op === "toInt32" ? "(v: number) => v | 0" : javascriptOf(op, helperOwner)}`);
    return { bytes, imports, strings, parameterKinds, vectorizedLoops };
  } finally {
    m.dispose();
  }
}

/** The generated functions `entries` call, transitively, in a stable order. */
function reachable(functions: Map<string, GFn>, entries: string[]): Set<string> {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    const fn = functions.get(name);
    if (!fn) throw new WasmUnsupported(`'${name}' is not generated code the wasm engine can call (a function gradc cannot read, known by its defineRule, runs on the compiled and tape engines)`);
    seen.add(name);
    walkGenerated(fn.body, (s) => {
      if (s.k === "effect") visit(s.fn);
      if (s.k === "assign" && s.expr.k === "call") visit(s.expr.fn);
    });
  };
  entries.forEach(visit);
  return seen;
}

/** A primitive as a JavaScript function: `Math.sin` itself, or an arrow over its spelling. */
function javascriptOf(op: PrimOp, helperOwner: string): string {
  const p = PRIMITIVES[op];
  if ("call" in p.spelling) return p.spelling.call;
  const params = ["a", "b"].slice(0, p.arity);
  return `(${params.map((x) => `${x}: number`).join(", ")}) => ${spell(p.spelling, params, `${helperOwner}.`)}`;
}
