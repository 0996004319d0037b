/**
 * `gradc emit` and `gradc check`: what gradc makes of a module, and what it cannot differentiate.
 * Both return the process exit code.
 */
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { type Diagnostic, ModuleGraph, formatDiagnostic, transformModuleAsync } from "../compiler/index.js";

export async function emit(file: string, outDir: string | undefined): Promise<number> {
  const text = readSource(file);
  if (text === undefined) return 1;
  const result = await transformModuleAsync(text, path.resolve(file));
  if (!report(result.diagnostics)) return 1;
  const code = result.code ?? text;
  if (result.code === undefined) process.stderr.write(`gradc: ${file} asks for no derivatives; printed unchanged\n`);
  if (outDir) {
    fs.mkdirSync(outDir, { recursive: true });
    const target = path.join(outDir, path.basename(file));
    fs.writeFileSync(target, code);
    if (result.map) fs.writeFileSync(`${target}.map`, result.map.toString());
    process.stderr.write(`gradc: wrote ${target}\n`);
  } else {
    process.stdout.write(code);
  }
  return 0;
}

/** Checks `file` and every module it imports by a relative path. */
export async function check(file: string): Promise<number> {
  const graph = new ModuleGraph();
  const seen = new Set<string>();
  const queue = [path.resolve(file)];
  let ok = true;
  let checked = 0;
  while (queue.length > 0) {
    const current = queue.shift()!;
    if (seen.has(current)) continue;
    seen.add(current);
    const text = readSource(current);
    if (text === undefined) return 1;
    ok = report((await transformModuleAsync(text, current, { graph })).diagnostics) && ok;
    checked++;
    for (const imported of ts.preProcessFile(text).importedFiles) {
      const resolved = graph.resolveSpecifier(current, imported.fileName);
      if (resolved) queue.push(resolved);
    }
  }
  if (ok) process.stderr.write(`gradc: ${checked} module(s) checked, no errors\n`);
  return ok ? 0 : 1;
}

function readSource(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    process.stderr.write(`gradc: cannot read ${file}\n`);
    return undefined;
  }
}

/** Prints diagnostics; true when there were none. */
function report(diagnostics: Diagnostic[]): boolean {
  for (const d of diagnostics) process.stderr.write(formatDiagnostic(d) + "\n\n");
  return diagnostics.length === 0;
}
