/** aggregate.md: the aggregate as a page a person reads (aggregate.json holds the same numbers for programs). */
import type { Aggregate, Bound, Estimate, SeedRow, Statistics } from "./aggregate.js";
import { formatSeedList } from "./seed-list.js";

export const steps = (x: number) => Math.round(x).toLocaleString("en-US");
/** Four significant digits: returns run from 0.95 (GridWorld) to 500 (CartPole) and −100 (Acrobot). */
export const ret = (x: number) => String(Number(x.toPrecision(4)));
const bound = (b: Bound, format: (x: number) => string) => `${b.atLeast ? "≥ " : ""}${format(b.value)}`;
const interval = (e: Estimate, format: (x: number) => string) => `${bound(e.low, format)} to ${bound(e.high, format)}`;
/** "1,234 (95% CI 1,000 to ≥ 2,000)". */
export const estimateText = (e: Estimate, format: (x: number) => string) => `${bound(e.point, format)} (95% CI ${interval(e, format)})`;

function statisticRows(label: string, stats: Statistics | null, format: (x: number) => string): string[] {
  if (stats === null) return [`| ${label} | – | – |`];
  const row = (name: string, e: Estimate) => `| ${label}, ${name} | ${bound(e.point, format)} | ${interval(e, format)} |`;
  return [row("median", stats.median), row("IQM", stats.iqm)];
}

function seedLine(r: SeedRow): string {
  const status = r.exitCode !== null && r.exitCode !== 0 ? `${r.status} (exit ${r.exitCode})` : r.status;
  const cells = [
    String(r.seed),
    status,
    r.solved === null ? "–" : r.solved ? "yes" : "no",
    r.stepsToSolve === null ? "–" : bound(r.stepsToSolve, steps),
    r.seconds === null ? "–" : r.seconds.toFixed(1),
    r.finalEval === null ? "–" : `${ret(r.finalEval.mean)} ± ${ret(r.finalEval.std)}`,
    r.stepsPerSecond === null ? "–" : steps(r.stepsPerSecond),
  ];
  return `| ${cells.join(" | ")} |`;
}

export function aggregateMarkdown(a: Aggregate): string {
  const rate = a.solveRate === null ? "" : ` (${Math.round(100 * a.solveRate)}%)`;
  const lines = [
    `# DQN on ${a.env}, seeds ${formatSeedList(a.seeds)}`,
    "",
    `**Solved: ${a.solved} of ${a.finished} finished runs${rate}** (${a.seeds.length} seeds requested). ` +
      `Solved means the mean return of the last ${a.solveWindow} training episodes reached ${ret(a.rewardThreshold)}.`,
    "",
    `| statistic over the ${a.finished} finished runs | value | 95% confidence interval |`,
    "| --- | --- | --- |",
    ...statisticRows("steps to solve", a.stepsToSolve, steps),
    ...statisticRows("final greedy evaluation", a.finalEval, ret),
    "",
    "- **≥**: a run that did not solve is counted at its step budget (`total_timesteps`; right-censored: " +
      "it would have needed more, if it ever solves). A value marked ≥ depends on such runs and is a lower bound; " +
      "unmarked values do not depend on them.",
    "- **IQM** (interquartile mean, as rliable computes it: `scipy.stats.trim_mean(x, 0.25)`): ⌊n/4⌋ runs dropped at each end " +
      "of the sorted values, the rest averaged (for 10 runs, the middle 6).",
    `- **Confidence intervals**: percentile bootstrap over seeds (${a.method.bootstrap.resamples.toLocaleString("en-US")} resamples with ` +
      `replacement, generator seed ${a.method.bootstrap.seed}: the same results give the same intervals).`,
    "- The statistics cover finished runs only (done or diverged); a diverged run counts as not solving.",
    "",
    "## Seeds",
    "",
    "| seed | status | solved | steps to solve | seconds | final greedy evaluation | steps/s |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...a.runs.map(seedLine),
  ];
  // Why a seed did not end cleanly is usually in the last lines it wrote.
  const logs = a.runs.flatMap((r) => (r.status !== "done" && r.stderrTail?.trim() ? [{ ...r, tail: r.stderrTail.trimEnd() }] : []));
  if (logs.length > 0) lines.push("", "## Seeds that did not end cleanly");
  for (const r of logs) {
    lines.push("", `### Seed ${r.seed}: ${r.status}`, "", `The end of its stderr (more in seed-${r.seed}/stderr.log):`, "", "```text", r.tail, "```");
  }
  return lines.join("\n").trimEnd() + "\n";
}
