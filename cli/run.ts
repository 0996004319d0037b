/**
 * `gradc run FILE [ARGS…]`: runs FILE in this process with gradc's Node hooks installed, so every
 * TypeScript module it imports is transformed as it loads — like `node --import gradc/register`.
 * Nothing is written to disk; errors keep their type and their stack at the user's own lines.
 */
import fs from "node:fs";
import { register } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

export async function run(file: string, args: string[]): Promise<void> {
  const entry = path.resolve(file);
  if (!fs.existsSync(entry)) {
    process.stderr.write(`gradc run: no such file: ${file}\n`);
    process.exitCode = 1;
    return;
  }
  register(new URL("../integrations/node-hooks.js", import.meta.url));
  process.setSourceMapsEnabled(true);
  process.argv = [process.argv[0]!, entry, ...args];
  try {
    await import(pathToFileURL(entry).href);
  } catch (error) {
    // gradc's own diagnostics (file:line:col and a code frame) are the whole message; any other
    // error is the program's, and propagates with its stack as Node prints it.
    if ((error as Error | undefined)?.name === "GradcDiagnosticError") {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}
