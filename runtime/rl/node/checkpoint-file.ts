/**
 * Checkpoint files: the core's checkpoint bytes (runtime/rl/checkpoint.ts), written atomically so
 * a run killed at any moment leaves either the previous checkpoint or the new one, never half of
 * one. Errors name the file.
 */
import fs from "node:fs";
import { CheckpointError, decodeCheckpoint, encodeCheckpoint, type DecodedCheckpoint, type StoredArray } from "../checkpoint.js";
import { writeFileAtomically } from "./atomic-write.js";

export function readCheckpointFile(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new CheckpointError(`${file}: cannot read the checkpoint (${(e as Error).message})`);
  }
}

export function loadCheckpoint(file: string): DecodedCheckpoint {
  return decodeCheckpoint(readCheckpointFile(file), file);
}

export function saveCheckpoint(file: string, meta: unknown, arrays: Record<string, StoredArray>): void {
  writeFileAtomically(file, encodeCheckpoint(meta, arrays));
}
