/**
 * The JavaScript side of the wasm engine, emitted into the transformed module beside the support
 * object: the module's bytes (base64), instantiated on first use, and the moves of arrays in and
 * out of its memory (layout.ts). Each call from a wrapper starts with `begin()`, which resets the
 * module's heap: whatever a call allocates lives until the next call, so steady-state calls
 * allocate nothing in JavaScript beyond the arrays they return.
 */
import { ADJOINT_BASE, HEADER_BYTES } from "./layout.js";
import type { WasmModule } from "./module.js";

export const WASM_SUPPORT_NAME = "$gradcWasm";

export function wasmSupportDeclaration(module: WasmModule): string {
  const base64 = Buffer.from(module.bytes).toString("base64");
  return `/** The WebAssembly engine of this module's derivatives (${module.bytes.length} bytes, built by gradc with binaryen). */
const ${WASM_SUPPORT_NAME} = {
  bytes: "${base64}",
  exports: undefined as any,
  memory: undefined as unknown as WebAssembly.Memory,
  f64: new Float64Array(0),
  i32: new Int32Array(0),
  /** Ids of strings: the compiled code's constants first, then strings callers passed. */
  strings: new Map<string, number>(${JSON.stringify(module.strings.map((s, i) => [s, i + 1]))}),
  /** The id of a string argument: equal strings, equal ids. */
  string(value: string): number {
    let id = this.strings.get(value);
    if (id === undefined) {
      id = this.strings.size + 1;
      this.strings.set(value, id);
    }
    return id;
  },
  /** Instantiates the module on first use, then starts a call: the heap is reset. */
  begin(): any {
    if (this.exports === undefined) {
      const bytes = Uint8Array.from(atob(this.bytes), (c) => c.charCodeAt(0));
      const imports = { math: { ${module.imports.join(", ")} } };
      this.exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), imports).exports;
      this.memory = this.exports.memory;
    }
    this.exports.reset();
    return this.exports;
  },
  /** Typed views of the memory, renewed after it grew. */
  views(): void {
    if (this.f64.buffer !== this.memory.buffer) {
      this.f64 = new Float64Array(this.memory.buffer);
      this.i32 = new Int32Array(this.memory.buffer);
    }
  },
  /** A copy of \`a\` in the module's memory, stored as \`kind\` (the parameter's typed array); returns its handle. */
  copyIn(a: ArrayLike<number>, kind: string = "Float64Array"): number {
    if (kind === "Float64Array") {
      const handle = this.exports.alloc(a.length, 3);
      this.views();
      this.f64.set(a, (handle + ${HEADER_BYTES}) >> 3);
      return handle;
    }
    const View = (globalThis as any)[kind];
    const handle = this.exports.alloc(a.length, Math.log2(View.BYTES_PER_ELEMENT));
    new View(this.memory.buffer, handle + ${HEADER_BYTES}, a.length).set(a);
    return handle;
  },
  /** A zeroed array of \`length\` in the module's memory: a Float64Array, or a Float32Array (dtype "float32"). */
  zeros(length: number, kind: string = "Float64Array"): number {
    return this.exports.alloc(length, kind === "Float32Array" ? 2 : 3);
  },
  /**
   * The float array at \`handle\` (a gradient, a result) copied out: as \`kind\` when given, else a
   * Float32Array if it is stored as float32 and a Float64Array otherwise.
   */
  read(handle: number, kind?: "Float64Array" | "Float32Array"): Float64Array | Float32Array {
    this.views();
    const length = this.i32[handle >> 2];
    const stored = this.i32[(handle >> 2) + 1] === 2 ? new Float32Array(this.memory.buffer, handle + ${HEADER_BYTES}, length) : this.f64.subarray((handle + ${HEADER_BYTES}) >> 3, ((handle + ${HEADER_BYTES}) >> 3) + length);
    return kind === undefined || stored instanceof (globalThis as any)[kind] ? stored.slice() : (globalThis as any)[kind].from(stored);
  },
  /**
   * Copies the array at \`handle\` into \`out\` (a caller's array f wrote into, or a gradient
   * buffer): stored as \`kind\`, or, without one, as its header says (float32 or float64).
   */
  readInto(handle: number, out: { [i: number]: number; set(values: ArrayLike<number>): void; length: number }, kind?: string): void {
    this.views();
    kind ??= this.i32[(handle >> 2) + 1] === 2 ? "Float32Array" : "Float64Array";
    if (kind === "Float64Array") {
      const start = (handle + ${HEADER_BYTES}) >> 3;
      for (let i = 0; i < out.length; i++) out[i] = this.f64[start + i];
    } else {
      out.set(new (globalThis as any)[kind](this.memory.buffer, handle + ${HEADER_BYTES}, out.length));
    }
  },
  /** The adjoint of scalar parameter \`index\` the last reverse call left. */
  adjoint(index: number): number {
    this.views();
    return this.f64[(${ADJOINT_BASE} >> 3) + index];
  },
};`;
}
