/**
 * How the wasm engine lays out its linear memory; the module (runtime.ts, functions.ts) and the
 * JavaScript that calls it (glue.ts) both read these.
 *
 *   [0, 16)                  unused, so that no array is at address 0
 *   [16, 16 + 8·slots)       the adjoints of scalar parameters ($gradc.adjoint of the JS engine)
 *   [heapBase, …)            arrays and save stacks, bump-allocated; every call starts afresh
 *
 * An array is a handle: the address of a 16-byte header (its length, then log2 of its element
 * size, i32s; JavaScript reads a float array back as float32 or float64 by it) followed by its
 * elements, so element i of a Float64Array is at handle + 16 + 8·i. Elements start 16-byte
 * aligned, as SIMD loads prefer.
 */

/** Byte address of adjoint slot 0. */
export const ADJOINT_BASE = 16;
/** Bytes of an array's header. */
export const HEADER_BYTES = 16;

/** Where the heap starts for a module with `slots` adjoint slots. */
export function heapBase(slots: number): number {
  return align16(ADJOINT_BASE + 8 * Math.max(1, slots));
}

export function align16(n: number): number {
  return (n + 15) & ~15;
}

/** How an array variable's elements are stored: as the typed array it is in JavaScript. */
export type ElementKind = "Float64Array" | "Float32Array" | "Int32Array" | "Uint32Array" | "Int16Array" | "Uint16Array" | "Int8Array" | "Uint8Array" | "Uint8ClampedArray";

/** log2 of the element size. */
export const ELEMENT_SHIFT: Record<ElementKind, number> = {
  Float64Array: 3,
  Float32Array: 2,
  Int32Array: 2,
  Uint32Array: 2,
  Int16Array: 1,
  Uint16Array: 1,
  Int8Array: 0,
  Uint8Array: 0,
  Uint8ClampedArray: 0,
};

export function isElementKind(name: string): name is ElementKind {
  return name in ELEMENT_SHIFT;
}
