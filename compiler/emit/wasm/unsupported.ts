import type { SourceLoc } from "../../ir.js";

/** A construct the wasm engine does not compile; reported as a diagnostic at `loc`. */
export class WasmUnsupported extends Error {
  constructor(
    message: string,
    readonly loc?: SourceLoc,
  ) {
    super(message);
  }
}
