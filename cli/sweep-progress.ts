/**
 * A sweep's progress, one display for all its seeds: on a terminal a cli-progress MultiBar (a
 * bar for the whole sweep and one per running seed); otherwise (CI logs, pipes) a line when a
 * seed starts or ends and a status line every 15 seconds.
 */
import cliProgress from "cli-progress";

export interface SweepProgress {
  started(seed: number, totalSteps: number): void;
  progressed(seed: number, step: number, totalSteps: number): void;
  ended(seed: number, status: string): void;
  /** A message that does not belong to one seed. */
  note(message: string): void;
  /** Ends the display; calling it again does nothing. */
  stop(): void;
}

const LOG_INTERVAL_MS = 15_000;

/**
 * `seeds` to run, each expected to take `stepsPerSeed` steps (a seed's own total replaces the
 * estimate once it reports); `alreadyDone` seeds finished before this sweep started.
 */
export function sweepProgress(label: string, seeds: number, stepsPerSeed: number, alreadyDone: number): SweepProgress {
  const running = new Map<number, { step: number; total: number }>();
  let endedSteps = 0;
  let ended = 0;
  const fraction = () => {
    let done = endedSteps;
    for (const r of running.values()) done += r.step;
    // Seeds still waiting count at the estimate.
    const waiting = seeds - ended - running.size;
    const total = endedSteps + [...running.values()].reduce((sum, r) => sum + r.total, 0) + waiting * stepsPerSeed;
    return total > 0 ? done / total : 1;
  };
  const finish = (seed: number) => {
    endedSteps += running.get(seed)?.total ?? stepsPerSeed;
    ended++;
    running.delete(seed);
  };
  const header = () => `${label}: ${alreadyDone + ended} of ${alreadyDone + seeds} seeds ended`;

  if (process.stderr.isTTY) {
    const bars = new cliProgress.MultiBar({ format: "{name} |{bar}| {value}/{total} steps", hideCursor: true, stream: process.stderr }, cliProgress.Presets.shades_classic);
    const overall = bars.create(1000, 0, { name: header() }, { format: "{name} |{bar}| {percentage}% of all steps" });
    const perSeed = new Map<number, cliProgress.SingleBar>();
    const refresh = () => overall.update(Math.round(1000 * fraction()), { name: header() });
    return {
      started(seed, totalSteps) {
        running.set(seed, { step: 0, total: totalSteps });
        perSeed.set(seed, bars.create(totalSteps, 0, { name: `seed ${seed}`.padEnd(header().length) }));
        refresh();
      },
      progressed(seed, step, totalSteps) {
        running.set(seed, { step, total: totalSteps });
        perSeed.get(seed)?.update(step);
        perSeed.get(seed)?.setTotal(totalSteps);
        refresh();
      },
      ended(seed, status) {
        const bar = perSeed.get(seed);
        if (bar) bars.remove(bar);
        perSeed.delete(seed);
        finish(seed);
        bars.log(`seed ${seed}: ${status}\n`);
        refresh();
      },
      note: (message) => bars.log(`${message}\n`),
      stop: () => {
        if (bars.isActive) bars.stop();
      },
    };
  }

  const log = (message: string) => process.stderr.write(`${message}\n`);
  const timer = setInterval(() => {
    const seedsNow = [...running].map(([seed, r]) => `seed ${seed} ${r.step}/${r.total}`).join(", ");
    log(`${header()}, ${(100 * fraction()).toFixed(0)}% of steps${seedsNow ? `; running: ${seedsNow}` : ""}`);
  }, LOG_INTERVAL_MS);
  timer.unref();
  return {
    started(seed, totalSteps) {
      running.set(seed, { step: 0, total: totalSteps });
      log(`${label}: seed ${seed} started`);
    },
    progressed(seed, step, totalSteps) {
      running.set(seed, { step, total: totalSteps });
    },
    ended(seed, status) {
      finish(seed);
      log(`${header()}; seed ${seed}: ${status}`);
    },
    note: log,
    stop: () => clearInterval(timer),
  };
}
