/**
 * SVG plots of the results, drawn by Vega-Lite as runtime/rl/node/learning-curve.ts draws learning
 * curves: time per gradient against problem size (inputs), log-log, one line per engine, the
 * interquartile range as a bar, one plot per workload family with more than one size.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { Results } from "./report.js";
import { FAMILY_TITLES } from "./workloads.js";
import type { Workload } from "./engines/types.js";

/** Tableau 10, and two more: one colour per engine (eleven with gradc wasm and every peer). */
const PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#17becf", "#000000"];

export async function familyPlots(r: Results, engineOrder: string[]): Promise<{ file: string; svg: string }[]> {
  const families = [...new Set(r.workloads.map((w) => w.family))];
  const out: { file: string; svg: string }[] = [];
  for (const family of families) {
    const ws = r.workloads.filter((w) => w.family === family);
    if (new Set(ws.map((w) => w.size)).size < 2) continue;
    const points: Record<string, string | number>[] = [];
    for (const w of ws) {
      const batch = /batch (\d+)/.exec(w.name);
      const group = batch ? `batch ${batch[1]}` : "";
      for (const row of w.rows) {
        if (row.status !== "ok" || !row.gradient) continue;
        points.push({ engine: row.engine, group, series: `${row.engine} ${group}`, size: w.size, ms: row.gradient.median, q1: row.gradient.q1, q3: row.gradient.q3, workload: w.name });
      }
    }
    if (points.length === 0) continue;
    const groups = new Set(points.map((p) => p.group)).size > 1;
    const x = { field: "size", type: "quantitative" as const, scale: { type: "log" as const }, title: "inputs (differentiated parameters)" };
    const y = { field: "ms", type: "quantitative" as const, scale: { type: "log" as const }, title: "time per gradient (ms)" };
    // The same colour for an engine in every plot: its place among all engines picks it.
    const present = engineOrder.filter((e) => points.some((p) => p.engine === e));
    const range = present.map((e) => PALETTE[engineOrder.indexOf(e) % PALETTE.length]);
    const color = { field: "engine", type: "nominal" as const, title: "engine", scale: { domain: present, range } };
    const spec: TopLevelSpec = {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: { text: `${FAMILY_TITLES[family as Workload["family"]] ?? family}: time per gradient`, subtitle: `${r.mode} run, ${r.machine.cpu}, ${r.machine.cores} cores, Node ${r.machine.node}` },
      width: 560,
      height: 340,
      data: { values: points },
      layer: [
        {
          mark: { type: "line", point: true, strokeWidth: 1.5 },
          encoding: {
            x,
            y,
            color,
            detail: { field: "series", type: "nominal" },
            ...(groups
              ? { strokeDash: { field: "group", type: "nominal" as const, title: null }, shape: { field: "group", type: "nominal" as const, title: null } }
              : {}),
            tooltip: [{ field: "workload" }, { field: "engine" }, { field: "ms", format: ".4g" }],
          },
        },
        {
          mark: { type: "rule", strokeWidth: 1 },
          encoding: { x, y: { field: "q1", type: "quantitative", scale: { type: "log" } }, y2: { field: "q3" }, color },
        },
      ],
    };
    const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
    out.push({ file: `${family}.svg`, svg: await view.toSVG() });
  }
  return out;
}
