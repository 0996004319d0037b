/**
 * The generated driver of `gradc bench` and `gradc compare`. gradc compiles derivatives at build
 * time from marker calls that name the function (`valueAndGrad(rosenbrock)`), so a command that
 * differentiates a user's function must write those calls itself. The driver is the user's
 * module text with marker calls appended — a copy of the module rather than an import of it, so
 * a function need not be exported to be benchmarked, and the markers see every name in the
 * module's scope — loaded through gradc's Node hooks under the user's own path (with a query), so
 * its relative imports resolve as the user's do. It lives in memory only: nothing is written to
 * disk, nothing is left behind when the command is interrupted.
 */
import fs from "node:fs";
import { register } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { DriverHookData } from "./driver-hooks.js";

/** A name that appears nowhere in `text` (nor in `taken`), from `base`. */
export function freshName(text: string, base: string, taken: Set<string> = new Set()): string {
  const used = new Set(text.match(/[A-Za-z_$][\w$]*/g) ?? []);
  let name = base;
  for (let i = 2; used.has(name) || taken.has(name); i++) name = `${base}${i}`;
  taken.add(name);
  return name;
}

/**
 * `text` with `import { api as local, … } from "gradc";` added on its first line (after a `#!`
 * line), so every line of the user's code keeps its number — in diagnostics and stack traces —
 * and gradc's generated block still goes after the imports, before the module's own code runs.
 */
export function withGradcImport(text: string, imports: Record<string, string>): string {
  const names = Object.entries(imports).map(([local, api]) => `${api} as ${local}`);
  const statement = `import { ${names.join(", ")} } from "gradc"; `;
  if (text.startsWith("#!")) {
    const eol = text.indexOf("\n");
    return eol < 0 ? `${text}\n${statement}` : text.slice(0, eol + 1) + statement + text.slice(eol + 1);
  }
  return statement + text;
}

/** Thrown when gradc reports diagnostics for the driver: the message is the formatted diagnostics. */
export class DriverDiagnostics extends Error {}

let registered = false;

/**
 * Loads the driver `text` standing for `file` and returns its export `exportName`. `tag` names
 * the command (`?gradc-bench`), which shows in stack traces of the user's code.
 */
export async function loadDriver(file: string, text: string, exportName: string, tag: string): Promise<unknown> {
  if (registered) throw new Error("gradc internal error: one driver per process");
  registered = true;
  const url = `${pathToFileURL(file).href}?${tag}`;
  const data: DriverHookData = { drivers: { [url]: { file, text } }, runtime: new URL("../runtime/index.js", import.meta.url).href };
  register(new URL("../integrations/node-hooks.js", import.meta.url));
  register(new URL("./driver-hooks.js", import.meta.url), { data });
  process.setSourceMapsEnabled(true);
  try {
    const module = (await import(url)) as Record<string, unknown>;
    return module[exportName];
  } catch (error) {
    if ((error as Error | undefined)?.name === "GradcDiagnosticError") throw new DriverDiagnostics((error as Error).message);
    throw error;
  }
}

/** Reads a user's TypeScript file, or reports why not on stderr. */
export function readUserFile(command: string, file: string): { path: string; text: string } | undefined {
  const resolved = path.resolve(file);
  if (!/\.(m?ts|tsx)$/.test(resolved)) {
    process.stderr.write(`gradc ${command}: ${file} is not a TypeScript file\n`);
    return undefined;
  }
  try {
    return { path: resolved, text: fs.readFileSync(resolved, "utf8") };
  } catch {
    process.stderr.write(`gradc ${command}: no such file: ${file}\n`);
    return undefined;
  }
}
