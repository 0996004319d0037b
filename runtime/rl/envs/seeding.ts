/**
 * Seeding as Gymnasium does it: `reset(seed)` replaces the environment's generator, `reset()`
 * keeps drawing from the current one, and an environment never seeded draws from fresh
 * entropy. The generator is gradc's own (runtime/rl/random.ts); numbers differ from numpy's,
 * only the distributions match.
 */
import { Random } from "../random.js";

/** A generator for `seed`, a non-negative safe integer (as Gymnasium requires). */
export function generatorFor(seed: number): Random {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`reset: seed must be a non-negative integer, got ${String(seed)}`);
  }
  // Random keeps 32 bits of its seed; fold the high bits in so that seeds 2^32 apart differ.
  const high = Math.floor(seed / 2 ** 32);
  return new Random((seed >>> 0) ^ Math.imul(high, 0x9e3779b1));
}

/** A generator seeded from the platform's entropy, for environments reset without a seed. */
export function unseededGenerator(): Random {
  return new Random(globalThis.crypto.getRandomValues(new Uint32Array(1))[0]);
}
