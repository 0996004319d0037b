/**
 * What a training run leaves in its output folder: metrics.csv (one row per episode, the columns
 * DESIGN.md names), evaluations.csv (periodic greedy evaluations), summary.json and a
 * learning-curve picture (SVG drawn by Vega-Lite).
 */
import fs from "node:fs";
import path from "node:path";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

export const METRICS_COLUMNS = ["step", "episode", "return", "length", "epsilon", "loss", "wall_seconds"] as const;

export interface EpisodeRow {
  step: number;
  episode: number;
  return: number;
  length: number;
  epsilon: number;
  /** Mean training loss since the previous episode ended (NaN before learning starts). */
  loss: number;
  wall_seconds: number;
}

export interface EvaluationRow {
  step: number;
  mean: number;
  std: number;
  episodes: number;
}

/** Appends rows to a CSV file as episodes end, so a killed run keeps what it logged. */
export class CsvLog<Row extends object> {
  constructor(
    readonly file: string,
    private readonly columns: readonly (keyof Row & string)[],
  ) {}

  /** Starts the file afresh, or keeps its first `keepRows` rows (resuming from a checkpoint). */
  open(keepRows = 0): void {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const kept = keepRows > 0 && fs.existsSync(this.file) ? fs.readFileSync(this.file, "utf8").split("\n").slice(1, 1 + keepRows) : [];
    if (kept.length < keepRows) throw new Error(`${this.file} has ${kept.length} rows but the checkpoint recorded ${keepRows}`);
    fs.writeFileSync(this.file, [this.columns.join(","), ...kept].join("\n") + "\n");
  }

  append(row: Row): void {
    fs.appendFileSync(this.file, this.columns.map((c) => formatCell(row[c] as unknown as number)).join(",") + "\n");
  }

  read(): Row[] {
    const [head, ...lines] = fs.readFileSync(this.file, "utf8").trim().split("\n");
    const names = head.split(",");
    return lines.map((line) => Object.fromEntries(line.split(",").map((v, i) => [names[i], Number(v)])) as Row);
  }
}

function formatCell(v: number): string {
  if (Number.isNaN(v)) return "";
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(10)));
}

/** Writes JSON atomically (temporary file, then rename). */
export function writeJson(file: string, value: unknown): void {
  const temporary = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temporary, JSON.stringify(value, null, 2) + "\n");
  fs.renameSync(temporary, file);
}

/** The learning curve: episode returns, their moving average, greedy evaluations and the threshold. */
export async function learningCurveSvg(title: string, episodes: EpisodeRow[], evaluations: EvaluationRow[], threshold: number, window: number): Promise<string> {
  const points: Record<string, number | string>[] = [];
  let sum = 0;
  episodes.forEach((row, i) => {
    sum += row.return;
    if (i >= window) sum -= episodes[i - window].return;
    points.push({ step: row.step, value: row.return, series: "episode return" });
    if (i + 1 >= Math.min(window, 10)) points.push({ step: row.step, value: sum / Math.min(i + 1, window), series: `mean of last ${window}` });
  });
  for (const e of evaluations) points.push({ step: e.step, value: e.mean, series: "greedy evaluation" });
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    width: 640,
    height: 320,
    layer: [
      {
        data: { values: points },
        mark: { type: "line", interpolate: "linear", strokeWidth: 1.5 },
        encoding: {
          x: { field: "step", type: "quantitative", title: "environment step" },
          y: { field: "value", type: "quantitative", title: "return" },
          color: { field: "series", type: "nominal", title: null, scale: { range: ["#c6d4e6", "#1f5fa8", "#d1495b"] } },
          opacity: { condition: { test: "datum.series === 'episode return'", value: 0.6 }, value: 1 },
        },
      },
      {
        data: { values: [{ threshold }] },
        mark: { type: "rule", strokeDash: [6, 4], color: "#555" },
        encoding: { y: { field: "threshold", type: "quantitative" } },
      },
    ],
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  return view.toSVG();
}
