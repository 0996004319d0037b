/**
 * Build-tool adapters: one unplugin instance that runs gradc's transform on every TypeScript
 * module, for Vite (and Vitest), esbuild, Rollup and webpack. A module with diagnostics fails the
 * build with file:line:col and a code frame.
 */
import path from "node:path";
import { createUnplugin } from "unplugin";
import { ModuleGraph, formatDiagnostic, transformModuleAsync } from "../compiler/index.js";

export interface GradcPluginOptions {
  /** Which files to transform (default: .ts, .mts, .tsx outside node_modules). */
  include?: (id: string) => boolean;
}

const defaultInclude = (id: string) => /\.(m|c)?tsx?$/.test(id) && !id.includes(`${path.sep}node_modules${path.sep}`);

const gradc = createUnplugin((options: GradcPluginOptions | undefined) => {
  const include = options?.include ?? defaultInclude;
  return {
    name: "gradc",
    enforce: "pre",
    transformInclude(id) {
      return include(id.split("?")[0]);
    },
    async transform(code, id) {
      const file = id.split("?")[0];
      // A fresh graph per module: imported files are re-read, so edits are always seen in watch mode.
      const result = await transformModuleAsync(code, file, { graph: new ModuleGraph() });
      if (result.diagnostics.length > 0) {
        throw new Error(`gradc could not differentiate ${path.basename(file)}:\n\n${result.diagnostics.map(formatDiagnostic).join("\n\n")}`);
      }
      if (result.code === undefined) return undefined;
      return { code: result.code, map: result.map };
    },
  };
});

export default gradc;
