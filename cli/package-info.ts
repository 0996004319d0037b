/**
 * gradc's own package.json, found from this module's location (cli/ in the sources, dist/cli/ in
 * the package), for `--version`.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && (JSON.parse(fs.readFileSync(manifest, "utf8")) as { name?: string }).name === "gradc") return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("gradc: cannot find gradc's package.json");
    dir = parent;
  }
}

export function packageVersion(): string {
  return (JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
}
