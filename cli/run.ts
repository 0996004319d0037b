/**
 * `gradc run FILE`: bundles FILE with esbuild, every imported TypeScript module passed through
 * gradc's transform, and runs the result in this process — like `tsx`, with derivatives.
 * The bundle keeps an inline source map, so stack traces point at the user's own lines.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as esbuild from "esbuild";
import gradc from "../compiler/plugin.js";

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Maps `gradc` and `gradc/…` imports to this package, wherever the user's file lives. */
const selfResolve: esbuild.Plugin = {
  name: "gradc-self",
  setup(build) {
    const pkg = JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, "package.json"), "utf8")) as { exports: Record<string, string> };
    build.onResolve({ filter: /^gradc(\/.*)?$/ }, (args) => {
      const key = args.path === "gradc" ? "." : `.${args.path.slice("gradc".length)}`;
      const target = pkg.exports[key];
      if (!target) return { errors: [{ text: `gradc has no entry point '${args.path}'` }] };
      return { path: path.join(PACKAGE_ROOT, target) };
    });
  },
};

export async function bundle(entry: string): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    write: false,
    sourcemap: "inline",
    logLevel: "silent",
    plugins: [selfResolve, gradc.esbuild()],
    // Bundled CommonJS dependencies may call require(); give them one.
    banner: { js: 'import { createRequire as __gradcCreateRequire } from "node:module"; const require = __gradcCreateRequire(import.meta.url);' },
  });
  return result.outputFiles[0].text;
}

export async function run(file: string, args: string[]): Promise<void> {
  const entry = path.resolve(file);
  if (!fs.existsSync(entry)) throw new Error(`gradc run: no such file: ${file}`);
  const code = await bundle(entry);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gradc-run-"));
  const out = path.join(dir, path.basename(entry).replace(/\.(m|c)?tsx?$/, "") + ".mjs");
  fs.writeFileSync(out, code);
  process.setSourceMapsEnabled(true);
  process.argv = [process.argv[0], entry, ...args];
  try {
    await import(pathToFileURL(out).href);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
