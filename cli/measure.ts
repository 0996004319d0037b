/**
 * Timing and tables for `gradc bench` and `gradc compare`: candidates timed in interleaved rounds
 * (so a slow moment of the machine falls on every candidate alike), each round a batch of calls
 * long enough for the clock, the median of the rounds per call, and the spread (min–max).
 */

export interface Timing {
  /** Seconds per call: the median over rounds of each round's mean. */
  median: number;
  min: number;
  max: number;
  /** Calls per round. */
  calls: number;
  rounds: number;
}

export interface MeasureOptions {
  rounds: number;
  /** Target duration of one batch (one candidate, one round), seconds. */
  batchSeconds: number;
}

/** Keeps results alive so the engine cannot drop a call whose result is unused. */
let sink: unknown;

function timeBatch(run: () => unknown, calls: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) sink = run();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/**
 * Times every candidate: calibration (which warms each one up), one more warm-up batch, then
 * `rounds` rounds in which every candidate runs one batch in turn.
 */
export function measureInterleaved(candidates: Record<string, () => unknown>, options: MeasureOptions): Record<string, Timing> {
  const names = Object.keys(candidates);
  const calls: Record<string, number> = {};
  for (const name of names) {
    const run = candidates[name]!;
    let n = 1;
    for (;;) {
      const t = timeBatch(run, n);
      if (t >= options.batchSeconds / 4 || n >= 1 << 24) {
        calls[name] = Math.max(1, Math.ceil((n * options.batchSeconds) / Math.max(t, 1e-9)));
        break;
      }
      n *= 4;
    }
    timeBatch(run, calls[name]!);
  }
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < options.rounds; r++) {
    for (const name of names) samples[name]!.push(timeBatch(candidates[name]!, calls[name]!) / calls[name]!);
  }
  void sink;
  return Object.fromEntries(
    names.map((name) => {
      const s = [...samples[name]!].sort((a, b) => a - b);
      const mid = s.length >> 1;
      const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
      return [name, { median, min: s[0]!, max: s[s.length - 1]!, calls: calls[name]!, rounds: options.rounds }];
    }),
  );
}

/** 1.23 µs, 45.6 ns, 7.89 ms. */
export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return String(s);
  const units: [number, string][] = [
    [1, "s"],
    [1e-3, "ms"],
    [1e-6, "µs"],
    [1e-9, "ns"],
  ];
  for (const [scale, unit] of units) {
    if (s >= scale || scale === 1e-9) {
      const v = s / scale;
      return `${v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)} ${unit}`;
    }
  }
  return `${s} s`;
}

/** min–max, in the median's unit where that reads well. */
export function formatSpread(t: { min: number; max: number }): string {
  return `${formatSeconds(t.min)} – ${formatSeconds(t.max)}`;
}

export function formatRatio(r: number): string {
  if (!Number.isFinite(r)) return "—";
  return r >= 100 ? `${r.toFixed(0)}×` : r >= 10 ? `${r.toFixed(1)}×` : `${r.toFixed(2)}×`;
}

export function formatError(e: number): string {
  return Number.isNaN(e) ? "NaN" : e === 0 ? "0" : e.toExponential(1);
}

/** A Markdown table, columns padded so it also reads as plain text in a terminal. */
export function markdownTable(header: string[], rows: string[][], align: ("l" | "r")[] = []): string {
  const width = header.map((h, i) => Math.max([...h].length, ...rows.map((r) => [...(r[i] ?? "")].length)));
  const pad = (cell: string, i: number) => {
    const fill = " ".repeat(width[i]! - [...cell].length);
    return align[i] === "r" ? fill + cell : cell + fill;
  };
  const line = (cells: string[]) => `| ${cells.map(pad).join(" | ")} |`;
  const rule = `| ${width.map((w, i) => (align[i] === "r" ? "-".repeat(Math.max(w - 1, 1)) + ":" : "-".repeat(w))).join(" | ")} |`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}
