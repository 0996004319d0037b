/**
 * Policies on disk: `gradc export` writes the greedy policy of a run as JSON; `gradc eval` and
 * `loadPolicy` read a policy file, a checkpoint file, or a run folder (its checkpoint.bin).
 */
import fs from "node:fs";
import path from "node:path";
import { GreedyPolicy, PolicyError, loadPolicy as loadPolicyContents } from "../policy.js";
import { writeFileAtomically } from "./atomic-write.js";

const CHECKPOINT_MAGIC = "GRADCKPT";

/**
 * The policy in `source`: a run folder, a checkpoint file or a policy JSON file — or anything
 * gradc/rl's browser-side `loadPolicy` takes (parsed JSON, JSON text, checkpoint bytes).
 */
export function loadPolicy(source: unknown): GreedyPolicy {
  if (typeof source !== "string" || source.trimStart().startsWith("{")) return loadPolicyContents(source);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(source);
  } catch {
    throw new PolicyError(`${source}: no such file or folder (give a run folder, its checkpoint.bin, or a policy .json file)`);
  }
  const file = stat.isDirectory() ? path.join(source, "checkpoint.bin") : source;
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(file);
  } catch (e) {
    throw new PolicyError(`${file}: cannot read it (${(e as Error).message})`);
  }
  if (Buffer.from(bytes.subarray(0, CHECKPOINT_MAGIC.length)).toString("latin1") === CHECKPOINT_MAGIC) return GreedyPolicy.fromCheckpoint(bytes, file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (e) {
    throw new PolicyError(`${file}: neither a gradc checkpoint nor a policy JSON file (${(e as Error).message})`);
  }
  return GreedyPolicy.fromJSON(parsed, file);
}

/** Writes `policy` as JSON to `file`, atomically; returns the number of bytes written. */
export function savePolicy(policy: GreedyPolicy, file: string): number {
  const text = JSON.stringify(policy.toJSON()) + "\n";
  writeFileAtomically(file, text);
  return Buffer.byteLength(text);
}
