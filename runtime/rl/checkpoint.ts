/**
 * Checkpoints that lose nothing, as bytes: a JSON header (counters, config, RNG state…) and raw
 * typed arrays (parameters, optimizer moments, the replay buffer), closed by a SHA-256 of
 * everything before it, so a truncated or corrupted checkpoint is an error rather than a silent
 * restart. Encoding and decoding touch no files, so the trainer's core runs in a browser too;
 * where the bytes go (an atomically written file, IndexedDB, a download) is the caller's choice.
 *
 * Layout: "GRADCKPT", u32 version, u32 header length, the UTF-8 JSON header, zero padding to 8
 * bytes, then each array's raw little-endian bytes padded to 8 bytes, then the 32-byte SHA-256.
 */
import { sha256 } from "./sha256.js";

const MAGIC = new TextEncoder().encode("GRADCKPT");
const VERSION = 1;
const FIXED_BYTES = 16;
const HASH_BYTES = 32;

export type StoredArray = Float64Array | Int32Array | Uint8Array;
type DType = "f64" | "i32" | "u8";

interface Header {
  meta: unknown;
  arrays: { name: string; dtype: DType; offset: number; length: number }[];
}

export interface DecodedCheckpoint {
  // The header's JSON as written: whoever wrote it checks its shape (see DQN.restore).
  meta: any;
  arrays: Record<string, StoredArray>;
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckpointError";
  }
}

/** Bytes to the next multiple of 8: every array starts 8-byte aligned so it can be viewed in place. */
const padding = (length: number) => (8 - (length % 8)) % 8;

export function encodeCheckpoint(meta: unknown, arrays: Record<string, StoredArray>): Uint8Array {
  const entries: Header["arrays"] = [];
  let offset = 0;
  for (const [name, array] of Object.entries(arrays)) {
    const dtype: DType = array instanceof Float64Array ? "f64" : array instanceof Int32Array ? "i32" : "u8";
    entries.push({ name, dtype, offset, length: array.length });
    offset += array.byteLength + padding(array.byteLength);
  }
  const header = new TextEncoder().encode(JSON.stringify({ meta, arrays: entries } satisfies Header));
  const dataStart = FIXED_BYTES + header.length + padding(header.length);
  const bodyLength = dataStart + offset;
  const bytes = new Uint8Array(bodyLength + HASH_BYTES);
  bytes.set(MAGIC, 0);
  const fixed = new DataView(bytes.buffer);
  fixed.setUint32(8, VERSION, true);
  fixed.setUint32(12, header.length, true);
  bytes.set(header, FIXED_BYTES);
  for (const { name, offset } of entries) {
    const array = arrays[name];
    bytes.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), dataStart + offset);
  }
  bytes.set(sha256(bytes.subarray(0, bodyLength)), bodyLength);
  return bytes;
}

/** Checks and decodes a checkpoint; `source` (a file name, say) starts every error message. */
export function decodeCheckpoint(bytes: Uint8Array, source: string): DecodedCheckpoint {
  const magicMatches = bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b);
  if (bytes.length < FIXED_BYTES + HASH_BYTES) {
    throw new CheckpointError(`${source}: ${magicMatches ? "the checkpoint is truncated" : "not a gradc checkpoint"} (it is only ${bytes.length} bytes)`);
  }
  // The checksum first: a flipped byte anywhere, the header's fields included, reads as corruption.
  const body = bytes.subarray(0, bytes.length - HASH_BYTES);
  const expected = bytes.subarray(bytes.length - HASH_BYTES);
  const actual = sha256(body);
  if (actual.some((b, i) => expected[i] !== b)) {
    throw new CheckpointError(
      magicMatches
        ? `${source}: the checkpoint is truncated or corrupted (its checksum does not match); resume from an intact copy or start a new run`
        : `${source}: not a gradc checkpoint, or a corrupted one (no GRADCKPT header and no valid checksum)`,
    );
  }
  if (!magicMatches) throw new CheckpointError(`${source}: not a gradc checkpoint (it lacks the GRADCKPT header)`);
  const fixed = new DataView(bytes.buffer, bytes.byteOffset, FIXED_BYTES);
  const version = fixed.getUint32(8, true);
  if (version !== VERSION) throw new CheckpointError(`${source}: checkpoint format version ${version}, this gradc reads version ${VERSION}`);
  const headerLength = fixed.getUint32(12, true);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(FIXED_BYTES, FIXED_BYTES + headerLength))) as Header;
  } catch {
    throw new CheckpointError(`${source}: the checkpoint header is not valid JSON`);
  }
  const dataStart = FIXED_BYTES + headerLength + padding(headerLength);
  const arrays: Record<string, StoredArray> = {};
  for (const { name, dtype, offset, length } of header.arrays) {
    const width = dtype === "f64" ? 8 : dtype === "i32" ? 4 : 1;
    const begin = dataStart + offset;
    if (begin + length * width > body.length) throw new CheckpointError(`${source}: array '${name}' runs past the end of the checkpoint`);
    // Copy into fresh, aligned storage owned by the caller (not slice(): on a Node Buffer it is a view).
    const copy = new Uint8Array(bytes.subarray(begin, begin + length * width));
    arrays[name] = dtype === "f64" ? new Float64Array(copy.buffer) : dtype === "i32" ? new Int32Array(copy.buffer) : copy;
  }
  return { meta: header.meta, arrays };
}
