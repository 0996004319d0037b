/**
 * Scratch folders for a test file: made under the system's temporary folder and removed when
 * the file's tests end, passed or failed, so test runs leave nothing behind.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll } from "vitest";

/** Returns a function that makes a fresh folder named `prefix…` on each call (call it at a file's top level). */
export function scratchFolders(): (prefix: string) => string {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
  });
  return (prefix) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
  };
}
