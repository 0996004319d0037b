/**
 * The learning curve of a run as an SVG picture drawn by Vega-Lite: episode returns, their
 * moving average, greedy evaluations and the solve threshold. Vega renders headless here; it is
 * a large dependency, which is one reason the browser-safe core leaves pictures to this layer.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import type { EpisodeRow, EvaluationRow } from "../run-output.js";

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
