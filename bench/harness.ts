/**
 * The benchmark's method: checking an engine against the reference before timing it, and timing
 * several candidates in interleaved rounds.
 *
 * Timing: each candidate is warmed up (run until `warmupMs` has passed, at least twice unless one
 * call is already longer), which also estimates its cost and sets its calls per round so that a
 * round takes about `roundMs`. Then rounds run until both `minRounds` and the time budget are
 * reached (or `maxRounds`); each round runs every candidate once, the starting candidate rotating
 * from round to round so that none always runs first or last. A candidate whose own calls have
 * used the whole budget (a gradient of seconds) stops after three rounds. A round yields one per-call time
 * per candidate; the result is the median over rounds, with the quartiles and extremes as spread.
 */

export interface Timing {
  /** Milliseconds per call: median over rounds, quartiles, extremes. */
  median: number;
  q1: number;
  q3: number;
  min: number;
  max: number;
  rounds: number;
  callsPerRound: number;
}

export interface TimingOptions {
  warmupMs: number;
  /** Repeats of the heap-growth measurement (the median is kept). */
  heapRepeats: number;
  roundMs: number;
  budgetMs: number;
  minRounds: number;
  maxRounds: number;
}

export interface Candidate {
  key: string;
  run: () => unknown;
}

export type Measured = { ok: true; timing: Timing } | { ok: false; error: string };

function quantile(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(perCall: number[], callsPerRound: number): Timing {
  const s = [...perCall].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), q1: quantile(s, 0.25), q3: quantile(s, 0.75), min: s[0], max: s[s.length - 1], rounds: s.length, callsPerRound };
}

export function errorMessage(e: unknown): string {
  const text = e instanceof Error ? `${e.name === "Error" ? "" : `${e.name}: `}${e.message}` : String(e);
  return text.split("\n")[0].slice(0, 200);
}

const MIN_SLOW_ROUNDS = 3;

/** Times every candidate in interleaved rounds; a candidate that throws is dropped with its error. */
export function measure(candidates: Candidate[], o: TimingOptions): Map<string, Measured> {
  const out = new Map<string, Measured>();
  const live: { c: Candidate; calls: number; times: number[]; spent: number }[] = [];
  for (const c of candidates) {
    try {
      let calls = 0;
      const t0 = performance.now();
      let elapsed = 0;
      do {
        c.run();
        calls++;
        elapsed = performance.now() - t0;
      } while (elapsed < o.warmupMs && calls < 100_000);
      if (calls === 1 && elapsed < 2 * o.warmupMs) c.run(); // a second call for the JIT, unless slow
      const perCall = elapsed / calls;
      live.push({ c, calls: Math.max(1, Math.round(o.roundMs / perCall)), times: [], spent: 0 });
    } catch (e) {
      out.set(c.key, { ok: false, error: errorMessage(e) });
    }
  }
  const start = performance.now();
  for (let round = 0; live.length > 0; round++) {
    if (round >= o.maxRounds || (round >= o.minRounds && performance.now() - start >= o.budgetMs)) break;
    for (let k = 0; k < live.length; k++) {
      const entry = live[(k + round) % live.length];
      // A slow candidate that has used the whole budget by itself stops after MIN_SLOW_ROUNDS rounds.
      if (entry.times.length >= MIN_SLOW_ROUNDS && entry.spent >= o.budgetMs) continue;
      try {
        const t0 = performance.now();
        for (let i = 0; i < entry.calls; i++) entry.c.run();
        const ms = performance.now() - t0;
        entry.spent += ms;
        entry.times.push(ms / entry.calls);
      } catch (e) {
        out.set(entry.c.key, { ok: false, error: errorMessage(e) });
        live.splice(live.indexOf(entry), 1);
        k--;
      }
    }
  }
  for (const { c, calls, times } of live) out.set(c.key, { ok: true, timing: summarize(times, calls) });
  return out;
}

export interface Check {
  ok: boolean;
  tolerance: number;
  /** |v − v_ref| / |v_ref|. */
  valueError: number;
  /** ‖g − g_ref‖∞ / ‖g_ref‖∞. */
  gradientError: number;
  message?: string;
}

/** Compares a value and gradient with the reference, relative to the reference's magnitude. */
export function check(reference: { value: number; gradient: Float64Array }, got: { value: number; gradient: ArrayLike<number> }, tolerance: number): Check {
  const valueError = Math.abs(got.value - reference.value) / Math.max(Math.abs(reference.value), 1e-300);
  if (got.gradient.length !== reference.gradient.length) {
    return { ok: false, tolerance, valueError, gradientError: Infinity, message: `gradient has ${got.gradient.length} entries, expected ${reference.gradient.length}` };
  }
  let scale = 0;
  let worst = 0;
  let worstAt = -1;
  for (let i = 0; i < reference.gradient.length; i++) {
    scale = Math.max(scale, Math.abs(reference.gradient[i]));
    const d = Math.abs(got.gradient[i] - reference.gradient[i]);
    if (!(d <= worst)) {
      worst = d;
      worstAt = i;
      if (Number.isNaN(d)) break;
    }
  }
  const gradientError = worst / Math.max(scale, 1e-300);
  const ok = valueError <= tolerance && gradientError <= tolerance;
  const message = ok
    ? undefined
    : `value off by ${valueError.toExponential(1)} (relative), gradient by ${gradientError.toExponential(1)} (relative ∞-norm, worst at entry ${worstAt}), tolerance ${tolerance}`;
  return { ok, tolerance, valueError, gradientError, message };
}

export function defaultTolerance(precision: "float64" | "float32"): number {
  return precision === "float64" ? 1e-9 : 1e-3;
}
