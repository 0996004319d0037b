/**
 * Argument checks shared by the environments. Gymnasium asserts `action_space.contains(action)`;
 * here a bad action or state throws at once, because a silently clamped action or a short state
 * array would train on wrong transitions without any visible error.
 */

/** Throws unless `action` is one of the integers 0 … actionCount − 1. */
export function checkAction(environment: string, action: number, actionCount: number): void {
  if (!Number.isInteger(action) || action < 0 || action >= actionCount) {
    throw new RangeError(`${environment}: invalid action ${String(action)}; expected an integer in 0..${actionCount - 1}`);
  }
}

/** Throws unless `state` has `length` finite numbers. */
export function checkState(environment: string, state: ArrayLike<number>, length: number): void {
  if (state.length !== length) {
    throw new RangeError(`${environment}: setState expects ${length} numbers, got ${state.length}`);
  }
  for (let i = 0; i < length; i++) {
    if (!Number.isFinite(state[i])) throw new RangeError(`${environment}: setState got a non-finite value ${state[i]} at index ${i}`);
  }
}

/** Throws when step() comes before any reset() or setState(), as Gymnasium's "Call reset before using step". */
export function checkStarted(environment: string, started: boolean): void {
  if (!started) throw new Error(`${environment}: call reset() (or setState()) before step()`);
}
