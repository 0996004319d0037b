/**
 * Writes a file so that a reader, or a run killed mid-write, finds the old contents or the new
 * ones, never a mix: a temporary file beside the target, flushed to disk, then renamed over it.
 */
import fs from "node:fs";
import path from "node:path";

export function writeFileAtomically(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  try {
    const fd = fs.openSync(temporary, "w");
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temporary, file);
  } catch (e) {
    // A full disk or a read-only folder: leave the old file, and no temporary beside it.
    fs.rmSync(temporary, { force: true });
    throw e;
  }
}
