/**
 * The replay buffer's checkpoint form: a small JSON-able `meta` record and the bulk data as
 * typed arrays, which a checkpoint writer stores as binary (a 1M-transition CartPole buffer is
 * ~80 MB of float64; as JSON text it would be several times that and slow to parse). Restoring
 * checks every field and names the one that is wrong, so a damaged checkpoint is reported,
 * never silently turned into an empty or inconsistent buffer.
 */
import type { PrioritizedOptions } from "./prioritized.js";

export const SNAPSHOT_FORMAT = "gradc-replay";
/** Version 2 added episode streams (`pendingCounts`); version 1 snapshots (one stream, `pendingCount`) still restore. */
export const SNAPSHOT_VERSION = 2;

export type SnapshotArray = Float64Array | Int32Array | Uint8Array;

export interface ReplaySnapshotMeta {
  format: typeof SNAPSHOT_FORMAT;
  version: 1 | typeof SNAPSHOT_VERSION;
  capacity: number;
  obsSize: number;
  gamma: number;
  nStep: number;
  prioritized: Required<PrioritizedOptions> | null;
  /** The slot the next transition goes to. */
  position: number;
  /** Stored transitions; arrays hold exactly this many rows. */
  size: number;
  /** Per episode stream, n-step steps still waiting for their window; its pending* arrays hold this many. */
  pendingCounts: number[];
  /** Prioritized replay only (else null): the largest priority so far. */
  maxPriority: number | null;
  /** Prioritized replay only (else 0): the progress step that sets β. */
  progress: number;
}

/**
 * Arrays: obs, nextObs (size·D, Float64Array); actions (size, Int32Array); rewards, discounts
 * (size, Float64Array); terminated, truncated (size, Uint8Array); per stream k, pendingObs
 * (pendingCounts[k]·D), pendingActions (Int32Array), pendingRewards, pendingNextObs (D), named with
 * a ".k" suffix for k ≥ 1; priorities (size, prioritized only).
 */
export interface ReplaySnapshot {
  meta: ReplaySnapshotMeta;
  arrays: Record<string, SnapshotArray>;
}

export class ReplaySnapshotError extends Error {
  constructor(message: string) {
    super(`replay snapshot: ${message}`);
    this.name = "ReplaySnapshotError";
  }
}

type ArrayConstructor = Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;

/** `arrays[name]`, checked to be a `type` of exactly `length` elements. */
export function requireArray<C extends ArrayConstructor>(
  arrays: Record<string, SnapshotArray>,
  name: string,
  type: C,
  length: number,
): InstanceType<C> {
  const a = arrays[name];
  if (a === undefined) throw new ReplaySnapshotError(`array "${name}" is missing`);
  if (!(a instanceof type)) throw new ReplaySnapshotError(`array "${name}" should be a ${type.name}, got ${Object.prototype.toString.call(a).slice(8, -1)}`);
  if (a.length !== length) throw new ReplaySnapshotError(`array "${name}" has ${a.length} elements, expected ${length}`);
  return a as InstanceType<C>;
}

function requireInteger(meta: Record<string, unknown>, key: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const v = meta[key];
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new ReplaySnapshotError(`meta.${key} should be an integer in [${min}, ${max}], got ${JSON.stringify(v)}`);
  }
  return v;
}

function requireNumber(meta: Record<string, unknown>, key: string, ok: (v: number) => boolean, what: string): number {
  const v = meta[key];
  if (typeof v !== "number" || !ok(v)) throw new ReplaySnapshotError(`meta.${key} should be ${what}, got ${JSON.stringify(v)}`);
  return v;
}

/** Checks the meta record's shape and internal consistency (array checks come with restore). */
export function checkMeta(raw: unknown): ReplaySnapshotMeta {
  if (typeof raw !== "object" || raw === null) throw new ReplaySnapshotError("meta is missing");
  const meta = raw as Record<string, unknown>;
  if (meta.format !== SNAPSHOT_FORMAT) throw new ReplaySnapshotError(`meta.format should be "${SNAPSHOT_FORMAT}", got ${JSON.stringify(meta.format)}`);
  if (meta.version !== 1 && meta.version !== SNAPSHOT_VERSION) throw new ReplaySnapshotError(`meta.version ${JSON.stringify(meta.version)} is not supported (expected 1 or ${SNAPSHOT_VERSION})`);
  const capacity = requireInteger(meta, "capacity", 1);
  requireInteger(meta, "obsSize", 1);
  requireNumber(meta, "gamma", (v) => v >= 0 && v <= 1, "a number in [0, 1]");
  const nStep = requireInteger(meta, "nStep", 1);
  const size = requireInteger(meta, "size", 0, capacity);
  const position = requireInteger(meta, "position", 0, capacity - 1);
  if (size < capacity && position !== size) throw new ReplaySnapshotError(`meta.position ${position} should equal meta.size ${size} before the ring is full`);
  // Version 1 had one stream, its count under the name pendingCount.
  const counts = meta.version === 1 ? [meta.pendingCount] : meta.pendingCounts;
  if (!Array.isArray(counts) || counts.length === 0) throw new ReplaySnapshotError(`meta.pendingCounts should be a non-empty list, got ${JSON.stringify(counts)}`);
  counts.forEach((count, k) => {
    if (!Number.isInteger(count) || count < 0 || count > nStep - 1) throw new ReplaySnapshotError(`the pending step count of stream ${k} should be an integer in [0, ${nStep - 1}], got ${JSON.stringify(count)}`);
  });
  if (meta.prioritized === null) {
    if (meta.maxPriority !== null) throw new ReplaySnapshotError("meta.maxPriority should be null without prioritized replay");
  } else {
    if (typeof meta.prioritized !== "object") throw new ReplaySnapshotError("meta.prioritized should be an options object or null");
    requireNumber(meta, "maxPriority", (v) => v > 0 && v < Infinity, "a finite number > 0");
  }
  requireNumber(meta, "progress", (v) => v >= 0 && v < Infinity, "a finite number ≥ 0");
  return { ...meta, pendingCounts: counts } as unknown as ReplaySnapshotMeta;
}
