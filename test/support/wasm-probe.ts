/**
 * The wasm module gradc builds for `grad` and `jvp` of a fixture of test/fixtures/wasm-loops.ts, as
 * text, with the loops the compiler reports vectorized: which loops run on SIMD lanes.
 */
import fs from "node:fs";
import path from "node:path";
import { expect } from "vitest";
import { transformModuleAsync } from "../../compiler/index.js";

/** `options`: the engine options of both marker calls, e.g. `engine: "wasm", dtype: "float32"`. */
export async function wasmModuleText(name: string, options = 'engine: "wasm"'): Promise<{ text: string; vectorizedLoops: Record<string, number> }> {
  const file = path.resolve("test/fixtures/wasm-probe.ts");
  const source = `import { grad, jvp } from "gradc";\nimport { ${name} } from "./wasm-loops.js";\nexport const g = grad(${name}, { ${options} });\nexport const j = jvp(${name}, { ${options} });\n`;
  const { code, diagnostics, wasm } = await transformModuleAsync(source, file, { readFile: (f) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined) });
  expect(diagnostics).toEqual([]);
  const bytes = Buffer.from(/bytes: "([^"]+)"/.exec(code!)![1], "base64");
  const { default: binaryen } = await import("binaryen");
  const module = binaryen.readBinary(bytes);
  module.setFeatures(binaryen.Features.All);
  const text = module.emitText();
  module.dispose();
  return { text, vectorizedLoops: wasm?.vectorizedLoops ?? {} };
}
