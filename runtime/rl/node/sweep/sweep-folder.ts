/**
 * A sweep's folder: seed-<s>/ for each seed's run (an ordinary `gradc train` folder), config.json
 * (the resolved config every seed starts from), and the aggregate written from whatever the seed
 * folders hold: aggregate.json, aggregate.md and curves.svg. Aggregating reads only the folders,
 * so it works the same on seeds trained here, on other machines, or by a cluster's job array.
 */
import fs from "node:fs";
import path from "node:path";
import { writeFileAtomically } from "../atomic-write.js";
import { type Aggregate, aggregateSeeds, BOOTSTRAP, type SeedRecord, type SeedStatus } from "./aggregate.js";
import { aggregateMarkdown } from "./aggregate-markdown.js";
import { curvesSvg, meanBand, movingAverage } from "./curves.js";
import { readEpisodes, readStderrTail, seedFolderState } from "./seed-folder.js";
import { formatSeedList } from "./seed-list.js";

export const SWEEP_CONFIG = "config.json";
const AGGREGATE_FILES = ["aggregate.json", "aggregate.md", "curves.svg"];
/** Lines of a seed's stderr quoted in the aggregate (its stderr.log keeps more). */
const QUOTED_STDERR_LINES = 20;

export const seedFolder = (dir: string, seed: number) => path.join(dir, `seed-${seed}`);

/** Whether `dir` already holds a sweep: a config, an aggregate or a seed folder from one. */
export function holdsSweep(dir: string): boolean {
  if (!fs.existsSync(dir)) return false;
  return fs.readdirSync(dir).some((name) => name === SWEEP_CONFIG || AGGREGATE_FILES.includes(name) || /^seed-\d+$/.test(name));
}

/** For --force: removes these seeds' folders and the aggregate, so no stale file outlives the new runs. */
export function clearSweep(dir: string, seeds: readonly number[]): void {
  for (const seed of seeds) fs.rmSync(seedFolder(dir, seed), { recursive: true, force: true });
  for (const name of [SWEEP_CONFIG, ...AGGREGATE_FILES]) fs.rmSync(path.join(dir, name), { force: true });
}

/** How a seed this sweep ran ended (seeds it did not run are judged from their folders). */
export interface SeedOutcome {
  status: SeedStatus;
  exitCode: number | null;
}

/** One record per seed, from this sweep's outcomes where it ran the seed, from the folder otherwise. */
export function collectRecords(dir: string, seeds: readonly number[], outcomes: ReadonlyMap<number, SeedOutcome>): SeedRecord[] {
  return seeds.map((seed) => {
    const folder = seedFolder(dir, seed);
    const state = seedFolderState(folder);
    const summary = state.kind === "absent" ? null : state.summary;
    const outcome = outcomes.get(seed) ?? {
      status: state.kind === "finished" ? (state.summary.diverged ? "diverged" : "done") : state.kind === "absent" ? "missing" : "incomplete",
      exitCode: null,
    };
    const log = outcome.status === "done" ? null : readStderrTail(folder);
    const stderrTail = log === null ? null : log.trimEnd().split("\n").slice(-QUOTED_STDERR_LINES).join("\n");
    return { seed, status: outcome.status, exitCode: outcome.exitCode, summary, stderrTail };
  });
}

/**
 * Writes aggregate.json, aggregate.md and curves.svg into `dir` for `records`; `defaults` gives
 * the threshold and window if no seed has a summary.
 */
export async function writeAggregate(dir: string, env: string, records: readonly SeedRecord[], defaults: { reward_threshold: number; solve_window: number }): Promise<Aggregate> {
  const aggregate = aggregateSeeds(env, records, defaults);
  const curves = records.map((r) => ({ seed: r.seed, finished: r.status === "done" || r.status === "diverged", curve: movingAverage(readEpisodes(seedFolder(dir, r.seed)), aggregate.solveWindow) }));
  const drawn = curves.filter((c) => c.curve.length > 0);
  const averaged = drawn.filter((c) => c.finished).map((c) => c.curve);
  const svg = await curvesSvg({
    title: `DQN on ${env}, seeds ${formatSeedList(aggregate.seeds)}`,
    seeds: drawn,
    band: meanBand(averaged, 200, BOOTSTRAP),
    meanOf: averaged.length,
    threshold: aggregate.rewardThreshold,
    window: aggregate.solveWindow,
  });
  writeFileAtomically(path.join(dir, "aggregate.json"), JSON.stringify(aggregate, null, 2) + "\n");
  writeFileAtomically(path.join(dir, "aggregate.md"), aggregateMarkdown(aggregate));
  writeFileAtomically(path.join(dir, "curves.svg"), svg);
  return aggregate;
}
