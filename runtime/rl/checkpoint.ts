/**
 * Checkpoints that lose nothing: one binary file holding a JSON header (counters, config, RNG
 * state…) and raw typed arrays (parameters, optimizer moments, the replay buffer), closed by a
 * SHA-256 of everything before it. Written atomically — to a temporary file, flushed, then
 * renamed over the old one — so a run killed at any moment leaves either the previous checkpoint
 * or the new one, never half of one. A truncated or corrupted file is an error naming the file.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const MAGIC = Buffer.from("GRADCKPT", "ascii");
const VERSION = 1;
const HASH_BYTES = 32;

export type StoredArray = Float64Array | Int32Array | Uint8Array;
type DType = "f64" | "i32" | "u8";

interface Header {
  meta: unknown;
  arrays: { name: string; dtype: DType; offset: number; length: number }[];
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckpointError";
  }
}

export function saveCheckpoint(file: string, meta: unknown, arrays: Record<string, StoredArray>): void {
  const entries: Header["arrays"] = [];
  const blobs: Buffer[] = [];
  let offset = 0;
  for (const [name, array] of Object.entries(arrays)) {
    const dtype: DType = array instanceof Float64Array ? "f64" : array instanceof Int32Array ? "i32" : "u8";
    entries.push({ name, dtype, offset, length: array.length });
    const bytes = Buffer.from(array.buffer, array.byteOffset, array.byteLength);
    blobs.push(bytes);
    offset += bytes.length;
    // Keep every array 8-byte aligned so it can be viewed in place when loaded.
    const pad = (8 - (bytes.length % 8)) % 8;
    if (pad) blobs.push(Buffer.alloc(pad));
    offset += pad;
  }
  const header = Buffer.from(JSON.stringify({ meta, arrays: entries } satisfies Header), "utf8");
  const fixed = Buffer.alloc(16);
  MAGIC.copy(fixed, 0);
  fixed.writeUInt32LE(VERSION, 8);
  fixed.writeUInt32LE(header.length, 12);
  const headerPad = Buffer.alloc((8 - (header.length % 8)) % 8);
  const body = Buffer.concat([fixed, header, headerPad, ...blobs]);
  const hash = createHash("sha256").update(body).digest();

  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.tmp-${process.pid}`;
  const fd = fs.openSync(temporary, "w");
  try {
    fs.writeSync(fd, body);
    fs.writeSync(fd, hash);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
}

export function loadCheckpoint(file: string): { meta: any; arrays: Record<string, StoredArray> } {
  let data: Buffer;
  try {
    data = fs.readFileSync(file);
  } catch (e) {
    throw new CheckpointError(`${file}: cannot read the checkpoint (${(e as Error).message})`);
  }
  if (data.length < 16 + HASH_BYTES || !data.subarray(0, 8).equals(MAGIC)) {
    throw new CheckpointError(`${file}: not a gradc checkpoint (it is ${data.length} bytes and lacks the GRADCKPT header)`);
  }
  const version = data.readUInt32LE(8);
  if (version !== VERSION) throw new CheckpointError(`${file}: checkpoint format version ${version}, this gradc reads version ${VERSION}`);
  const body = data.subarray(0, data.length - HASH_BYTES);
  const expected = data.subarray(data.length - HASH_BYTES);
  if (!createHash("sha256").update(body).digest().equals(expected)) {
    throw new CheckpointError(`${file}: the checkpoint is truncated or corrupted (its checksum does not match); resume from an intact copy or start a new run`);
  }
  const headerLength = data.readUInt32LE(12);
  let header: Header;
  try {
    header = JSON.parse(data.subarray(16, 16 + headerLength).toString("utf8")) as Header;
  } catch {
    throw new CheckpointError(`${file}: the checkpoint header is not valid JSON`);
  }
  const start = 16 + headerLength + ((8 - (headerLength % 8)) % 8);
  const arrays: Record<string, StoredArray> = {};
  for (const { name, dtype, offset, length } of header.arrays) {
    const width = dtype === "f64" ? 8 : dtype === "i32" ? 4 : 1;
    const begin = start + offset;
    if (begin + length * width > body.length) throw new CheckpointError(`${file}: array '${name}' runs past the end of the checkpoint`);
    const bytes = body.subarray(begin, begin + length * width);
    // Copy into fresh, aligned storage owned by the caller.
    const copy = new Uint8Array(bytes);
    arrays[name] = dtype === "f64" ? new Float64Array(copy.buffer) : dtype === "i32" ? new Int32Array(copy.buffer) : copy;
  }
  return { meta: header.meta, arrays };
}
