/**
 * Node module hooks for `gradc bench` and `gradc compare` (registered after gradc's own hooks, so
 * they run first): they serve the driver module those commands generate from memory — never
 * written to disk — transformed by gradc like any TypeScript module, and let `import … from
 * "gradc"` fall back to this package's runtime where the user's project cannot resolve it (a
 * global install). Every other module goes on to gradc's hooks (integrations/node-hooks.ts).
 */
import { ModuleGraph } from "../compiler/index.js";
import { type LoadContext, type LoadResult, type ResolveContext, type ResolveResult, compileTypeScript } from "../integrations/node-hooks.js";

export interface DriverHookData {
  /** Driver URL (the user's file URL with a query) → the file it stands for, and its text. */
  drivers: Record<string, { file: string; text: string }>;
  /** URL of gradc's runtime entry point (dist/runtime/index.js). */
  runtime: string;
}

let data: DriverHookData = { drivers: {}, runtime: "" };
const graph = new ModuleGraph();

export function initialize(initial: DriverHookData): void {
  data = initial;
}

export async function resolve(specifier: string, context: ResolveContext, next: (specifier: string, context: ResolveContext) => Promise<ResolveResult>): Promise<ResolveResult> {
  if (Object.hasOwn(data.drivers, specifier)) return { url: specifier, format: "module", shortCircuit: true };
  if (specifier === "gradc" && data.runtime) {
    try {
      return await next(specifier, context);
    } catch {
      return { url: data.runtime, format: "module", shortCircuit: true };
    }
  }
  return next(specifier, context);
}

export async function load(url: string, context: LoadContext, next: (url: string, context: LoadContext) => Promise<LoadResult>): Promise<LoadResult> {
  const driver = Object.hasOwn(data.drivers, url) ? data.drivers[url] : undefined;
  if (!driver) return next(url, context);
  return { format: "module", source: await compileTypeScript(driver.text, driver.file, graph), shortCircuit: true };
}
