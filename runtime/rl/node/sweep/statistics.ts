/**
 * Summary statistics across seeds, as rliable (Agarwal et al., "Deep Reinforcement Learning at
 * the Edge of the Statistical Precipice", 2021) recommends them for few runs: the median, the
 * interquartile mean, and percentile bootstrap confidence intervals. Pure functions of arrays.
 *
 * Values may be +Infinity: a statistic that does not look at them stays finite. The sweep's
 * aggregate uses this to tell exact values from lower bounds when some runs never solved.
 */
import { Random } from "../../random.js";

function sorted(values: readonly number[]): number[] {
  if (values.length === 0) throw new RangeError("a statistic of no values");
  if (values.some(Number.isNaN)) throw new RangeError("a statistic of NaN");
  return [...values].sort((a, b) => a - b);
}

/** The middle value, or the mean of the two middle values (numpy's median). */
export function median(values: readonly number[]): number {
  const x = sorted(values);
  const mid = x.length >> 1;
  return x.length % 2 === 1 ? x[mid] : (x[mid - 1] + x[mid]) / 2;
}

/**
 * The interquartile mean as rliable reports it (`aggregate_iqm` calls
 * `scipy.stats.trim_mean(x, 0.25)`): drop ⌊n/4⌋ of the sorted values at each end and average the
 * rest — for 10 runs, the middle 6; for 5, the middle 3. Numbers comparable with rliable's tables
 * matter more here than the exact middle half of a small sample.
 */
export function interquartileMean(values: readonly number[]): number {
  const x = sorted(values);
  const cut = Math.floor(x.length / 4);
  const kept = x.slice(cut, x.length - cut);
  return kept.reduce((sum, v) => sum + v, 0) / kept.length;
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of ascending `sortedValues`, interpolating linearly between order
 * statistics (numpy's default "linear" method, Hyndman and Fan's type 7).
 */
export function quantileOfSorted(sortedValues: readonly number[], q: number): number {
  if (sortedValues.length === 0) throw new RangeError("a quantile of no values");
  const h = (sortedValues.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  const [a, b] = [sortedValues[lo], sortedValues[hi]];
  // Equal neighbours (Infinity among them) need no interpolation, and would give NaN for ∞ − ∞.
  return a === b ? a : a + (h - lo) * (b - a);
}

export interface BootstrapOptions {
  /** Resamples drawn (rliable's examples use 2,000 to 50,000). */
  resamples: number;
  /** Coverage of the interval, e.g. 0.95. */
  confidence: number;
  /** Seeds the resampling, so the interval is the same every time for the same values. */
  seed: number;
}

/**
 * A percentile bootstrap confidence interval for `statistic(values)`: draw `resamples` samples of
 * n values with replacement, apply the statistic to each, and take the quantiles (1 − c)/2 and
 * (1 + c)/2 of the results. The draws depend only on n and the seed, not on the values, so two
 * calls with the same n and seed resample the same positions.
 */
export function bootstrapInterval(values: readonly number[], statistic: (sample: readonly number[]) => number, options: BootstrapOptions): [number, number] {
  const n = values.length;
  if (n === 0) throw new RangeError("a bootstrap of no values");
  const random = new Random(options.seed);
  const results = new Array<number>(options.resamples);
  const sample = new Array<number>(n);
  for (let r = 0; r < options.resamples; r++) {
    for (let i = 0; i < n; i++) sample[i] = values[random.nextInt(n)];
    results[r] = statistic(sample);
  }
  results.sort((a, b) => a - b);
  const tail = (1 - options.confidence) / 2;
  return [quantileOfSorted(results, tail), quantileOfSorted(results, 1 - tail)];
}
