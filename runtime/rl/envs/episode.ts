/**
 * Gymnasium's TimeLimit wrapper as a counter: each step counts, and the step that reaches the
 * limit is truncated. It only ever sets `truncated`; whether the task itself ended
 * (`terminated`) is the environment's business, so on the limit step both can be true, as in
 * Gymnasium.
 */
export class EpisodeClock {
  private elapsed = 0;

  constructor(readonly limit: number) {}

  /** Steps taken since the last reset. */
  get steps(): number {
    return this.elapsed;
  }

  restart(): void {
    this.elapsed = 0;
  }

  /** Continues counting from `steps` (a restored episode). */
  resumeAt(steps: number): void {
    this.elapsed = steps;
  }

  /** Count one step; true when this step reaches the limit (the episode is truncated). */
  tick(): boolean {
    this.elapsed += 1;
    return this.elapsed >= this.limit;
  }
}
