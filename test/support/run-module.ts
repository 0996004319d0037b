/**
 * Compiles a module given as source text with gradc, strips its types with esbuild and imports it,
 * for tests that generate programs.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { transform } from "esbuild";
import { transformOrThrow } from "../../compiler/index.js";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gradc-test-"));
let counter = 0;

export async function runModule(source: string, name: string): Promise<Record<string, any>> {
  const file = path.join(dir, `${name}-${++counter}.ts`);
  const { code } = transformOrThrow(source, file);
  const js = (await transform(code, { loader: "ts", format: "esm" })).code;
  // The transformed module still imports "gradc" for its markers' types; nothing is used at run time.
  const out = file.replace(/\.ts$/, ".mjs");
  fs.writeFileSync(out, js.replace(/import\s*\{[^}]*\}\s*from\s*"gradc";?/g, ""));
  return import(pathToFileURL(out).href);
}
