/**
 * Node module hooks (run on Node's loader thread): TypeScript files are transformed by gradc,
 * stripped of their types by esbuild and loaded as ES modules, with an inline source map that
 * chains both steps back to the file on disk. Relative imports may name a `.ts` file by its
 * `.js` name (TypeScript's NodeNext convention) or leave the extension out.
 */
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";
import { DiagnosticError, ModuleGraph, transformModuleAsync } from "../compiler/index.js";

export interface ResolveContext {
  parentURL?: string;
  conditions: string[];
  importAttributes?: Record<string, string>;
}
export interface ResolveResult {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
}
export interface LoadContext {
  format?: string | null;
  conditions: string[];
  importAttributes?: Record<string, string>;
}
export interface LoadResult {
  format: string;
  source?: string | ArrayBuffer | Uint8Array;
  shortCircuit?: boolean;
}

const TYPESCRIPT = /\.(m?ts|tsx)$/;
/** One graph for the process: each imported file is parsed once however many modules import it. */
const graph = new ModuleGraph();

export async function resolve(specifier: string, context: ResolveContext, next: (specifier: string, context: ResolveContext) => Promise<ResolveResult>): Promise<ResolveResult> {
  try {
    return await next(specifier, context);
  } catch (error) {
    const fromTypeScript = context.parentURL !== undefined && TYPESCRIPT.test(new URL(context.parentURL).pathname);
    if (!fromTypeScript || !/^\.\.?\//.test(specifier) || (error as { code?: string }).code !== "ERR_MODULE_NOT_FOUND") throw error;
    for (const candidate of typeScriptCandidates(specifier)) {
      const url = new URL(candidate, context.parentURL);
      if (fs.existsSync(url) && fs.statSync(url).isFile()) return { url: url.href, shortCircuit: true };
    }
    throw error;
  }
}

/** `./a.js` → `./a.ts`; `./a` → `./a.ts`, `./a/index.ts`; likewise for .mjs/.mts and .tsx. */
function typeScriptCandidates(specifier: string): string[] {
  if (/\.js$/.test(specifier)) return [specifier.replace(/\.js$/, ".ts"), specifier.replace(/\.js$/, ".tsx")];
  if (/\.mjs$/.test(specifier)) return [specifier.replace(/\.mjs$/, ".mts")];
  if (/\.[cm]?[jt]sx?$/.test(specifier)) return [];
  return [`${specifier}.ts`, `${specifier}.tsx`, `${specifier}/index.ts`];
}

export async function load(url: string, context: LoadContext, next: (url: string, context: LoadContext) => Promise<LoadResult>): Promise<LoadResult> {
  if (!url.startsWith("file:") || !TYPESCRIPT.test(new URL(url).pathname)) return next(url, context);
  const file = fileURLToPath(url);
  return { format: "module", source: await compileTypeScript(fs.readFileSync(file, "utf8"), file, graph), shortCircuit: true };
}

/**
 * A TypeScript module's text → the JavaScript Node runs: gradc's transform, then esbuild strips
 * the types, with an inline source map back to `file`. Diagnostics throw, as Node should print them.
 */
export async function compileTypeScript(text: string, file: string, graph: ModuleGraph): Promise<string> {
  const result = await transformModuleAsync(text, file, { graph });
  if (result.diagnostics.length > 0) {
    // The diagnostics name the user's file, line and column: Node prints just them, without the
    // loader's frames or the diagnostic objects that DiagnosticError carries.
    const { name, message } = new DiagnosticError(result.diagnostics);
    const error = new Error(message);
    Object.defineProperty(error, "name", { value: name, enumerable: false });
    error.stack = `${name}: ${message}`;
    throw error;
  }
  const withMap = result.code === undefined ? text : `${result.code}\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(result.map!.toString()).toString("base64")}`;
  const js = await transform(withMap, {
    loader: file.endsWith(".tsx") ? "tsx" : "ts",
    format: "esm",
    // The full version: esbuild keeps what this Node supports (import attributes since 20.10).
    target: `node${process.versions.node}`,
    sourcemap: "inline",
    sourcefile: file,
  });
  return js.code;
}
