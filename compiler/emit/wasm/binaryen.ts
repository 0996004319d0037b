/**
 * binaryen, WebAssembly's optimizing compiler toolkit, which builds, validates and optimises the
 * modules of the wasm engine. Its npm module initialises with a top-level await, so it is loaded
 * on demand and asynchronously — only by builds that ask for `engine: "wasm"` — and the
 * synchronous compiler reads it once loaded (compiler/index.ts: `transformModuleAsync`).
 */
import type binaryen from "binaryen";

export type Binaryen = typeof binaryen;

let loaded: Binaryen | undefined;
let loading: Promise<Binaryen> | undefined;

/** binaryen, if `loadWasmBackend` has finished. */
export function wasmBackend(): Binaryen | undefined {
  return loaded;
}

/** Loads binaryen (about half a second, once per process). */
export async function loadWasmBackend(): Promise<void> {
  loading ??= import("binaryen").then((m) => (loaded = m.default));
  await loading;
}
