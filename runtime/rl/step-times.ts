/**
 * Where a training step's time goes. The trainer marks the end of each phase of a step; the time
 * since the previous mark is added to that phase. A mark reads the clock once (tens of
 * nanoseconds against the milliseconds of a gradient) and allocates nothing in Node.
 *
 * Phases, in the order a step runs them:
 * - environment: the environment copies' `step` (physics, reward, observation);
 * - acting: ε-greedy action choice (a forward pass of the online network when greedy);
 * - replay: adding the transition and sampling a batch (priorities included);
 * - target: the TD targets (target network forward, and the online one for Double DQN);
 * - gradient: loss and gradient (gradc's generated code, or the tape);
 * - optimizer: gradient clipping, the optimizer step and the target network update;
 * - other: everything else (episode bookkeeping, records, evaluations, checkpoints, progress).
 */
export const STEP_PHASES = ["environment", "acting", "replay", "target", "gradient", "optimizer"] as const;
export type StepPhase = (typeof STEP_PHASES)[number];

/** Microseconds per environment step, by phase; `other` is the wall time no phase accounts for. */
export type StepTimes = Record<StepPhase | "other", number>;

export const Phase = {
  environment: 0,
  acting: 1,
  replay: 2,
  target: 3,
  gradient: 4,
  optimizer: 5,
} as const satisfies Record<StepPhase, number>;

/**
 * Nanoseconds since an arbitrary origin. Node's `process.hrtime()` allocates nothing in
 * optimised code (V8 removes its [seconds, nanoseconds] pair); `performance.now()` returns a
 * boxed double, so it is only the fallback where there is no `process` (browsers).
 */
const hrtime = (globalThis as { process?: { hrtime?: () => [number, number] } }).process?.hrtime;
function nanoseconds(): number {
  if (hrtime) {
    const t = hrtime();
    return t[0] * 1e9 + t[1];
  }
  return performance.now() * 1e6;
}

export class StepClock {
  /** Nanoseconds spent in each phase (indexed as `Phase`) since the clock was made. */
  private readonly spent = new Float64Array(STEP_PHASES.length);
  /** The previous mark, in a typed array rather than a field so that storing it boxes nothing. */
  private readonly lastMark = new Float64Array([nanoseconds()]);

  /** Starts timing the next phase from now (time since the previous mark goes to no phase). */
  restart(): void {
    this.lastMark[0] = nanoseconds();
  }

  /** Adds the time since the previous mark to `phase` (a `Phase` value). */
  mark(phase: number): void {
    const now = nanoseconds();
    this.spent[phase] += now - this.lastMark[0];
    this.lastMark[0] = now;
  }

  /**
   * Writes microseconds per environment step into `into`, given the steps taken and the wall
   * seconds they took (the difference to the phases' sum is `other`).
   */
  perStep(steps: number, wallSeconds: number, into: StepTimes): StepTimes {
    const t = this.spent;
    const usPerNs = 1e-3 / Math.max(1, steps);
    // Named stores, not a loop over phase names: a store by computed key boxes the number.
    into.environment = t[Phase.environment] * usPerNs;
    into.acting = t[Phase.acting] * usPerNs;
    into.replay = t[Phase.replay] * usPerNs;
    into.target = t[Phase.target] * usPerNs;
    into.gradient = t[Phase.gradient] * usPerNs;
    into.optimizer = t[Phase.optimizer] * usPerNs;
    const accounted = t[0] + t[1] + t[2] + t[3] + t[4] + t[5];
    into.other = Math.max(0, wallSeconds * 1e9 - accounted) * usPerNs;
    return into;
  }
}

export function emptyStepTimes(): StepTimes {
  return { environment: 0, acting: 0, replay: 0, target: 0, gradient: 0, optimizer: 0, other: 0 };
}

const SHORT_NAMES: Record<StepPhase | "other", string> = {
  environment: "env",
  acting: "act",
  replay: "replay",
  target: "target",
  gradient: "grad",
  optimizer: "opt",
  other: "other",
};

/** "env 9 · act 41 · replay 20 · target 310 · grad 1620 · opt 95 · other 12 µs/step", for progress lines. */
export function formatStepTimes(times: StepTimes): string {
  const parts = (Object.keys(SHORT_NAMES) as (StepPhase | "other")[]).map((phase) => `${SHORT_NAMES[phase]} ${Math.round(times[phase])}`);
  return `${parts.join(" · ")} µs/step`;
}
