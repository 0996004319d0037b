/**
 * Iteration to a fixpoint, for the passes that repeat until nothing changes (inlining,
 * to-be-recorded analysis, clean-up). A pass that has not settled within its bound is a compiler
 * bug: it is reported as one, never used half-done.
 */
export function untilStable(what: string, limit: number, step: () => boolean): void {
  for (let round = 0; round < limit; round++) {
    if (!step()) return;
  }
  throw new Error(`gradc internal error: ${what} did not settle within ${limit} rounds; please report this program`);
}
