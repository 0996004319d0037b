/**
 * curves.svg: every seed's learning curve and their mean, drawn by Vega-Lite as a run's
 * learning-curve.svg is. A seed's curve is the moving average of its episode returns over the
 * solve window (the quantity "solved" is judged on) against environment steps. The mean is taken
 * on a common grid of steps, each seed's curve holding its last value between episodes and after
 * it stops (a run stopped on solving keeps the return it stopped at), with a 95% percentile
 * bootstrap confidence band over seeds.
 */
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { bootstrapInterval, type BootstrapOptions } from "./statistics.js";

export interface CurvePoint {
  step: number;
  value: number;
}

export interface BandPoint {
  step: number;
  mean: number;
  low: number;
  high: number;
}

/**
 * The mean return of the last `window` episodes after each episode, from the episode on which
 * min(window, 10) episodes exist (as learning-curve.svg draws it: fewer would be noise).
 */
export function movingAverage(episodes: readonly { step: number; return: number }[], window: number): CurvePoint[] {
  const points: CurvePoint[] = [];
  let sum = 0;
  episodes.forEach((row, i) => {
    sum += row.return;
    if (i >= window) sum -= episodes[i - window].return;
    if (i + 1 >= Math.min(window, 10)) points.push({ step: row.step, value: sum / Math.min(i + 1, window) });
  });
  return points;
}

/**
 * The mean of `curves` (each sorted by step, none empty) at `gridPoints` evenly spaced steps,
 * from the first step where every curve has a value to the last step of any curve.
 */
export function meanBand(curves: readonly (readonly CurvePoint[])[], gridPoints: number, bootstrap: BootstrapOptions): BandPoint[] {
  if (curves.length === 0) return [];
  const start = Math.max(...curves.map((c) => c[0].step));
  const end = Math.max(...curves.map((c) => c[c.length - 1].step));
  const count = start === end ? 1 : gridPoints;
  const next = curves.map(() => 0);
  const band: BandPoint[] = [];
  for (let k = 0; k < count; k++) {
    const step = count === 1 ? start : Math.round(start + ((end - start) * k) / (count - 1));
    const values = curves.map((curve, c) => {
      while (next[c] + 1 < curve.length && curve[next[c] + 1].step <= step) next[c]++;
      return curve[next[c]].value;
    });
    const [low, high] = bootstrapInterval(values, mean, bootstrap);
    band.push({ step, mean: mean(values), low, high });
  }
  return band;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

export interface CurvesPicture {
  title: string;
  /** Each seed's moving average (seeds without episodes left out). */
  seeds: { seed: number; curve: CurvePoint[] }[];
  /** The mean over the seeds it covers (see `meanBand`); `meanOf` says how many. */
  band: BandPoint[];
  meanOf: number;
  threshold: number;
  window: number;
}

export async function curvesSvg(p: CurvesPicture): Promise<string> {
  const x = { field: "step", type: "quantitative", title: "environment step" } as const;
  const [oneSeed, mean, band] = ["one seed", `mean of the ${p.meanOf} finished seeds`, "95% bootstrap CI of the mean"];
  const color = { scale: { domain: [oneSeed, mean, band], range: ["#9db5d3", "#1f5fa8", "#c5d5ea"] }, legend: { title: null, labelLimit: 400 } };
  const spec: TopLevelSpec = {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: p.title,
      subtitle: [`each seed: mean return of its last ${p.window} training episodes, held after it stops`, `dashed: the reward threshold (${p.threshold})`],
    },
    width: 640,
    height: 320,
    layer: [
      {
        data: { values: p.band },
        mark: { type: "area", opacity: 0.7 },
        encoding: { x, y: { field: "low", type: "quantitative" }, y2: { field: "high" }, color: { datum: band, ...color } },
      },
      {
        data: { values: p.seeds.flatMap(({ seed, curve }) => curve.map((point) => ({ ...point, seed }))) },
        mark: { type: "line", strokeWidth: 1 },
        encoding: {
          x,
          y: { field: "value", type: "quantitative", title: `mean return of the last ${p.window} episodes` },
          detail: { field: "seed", type: "nominal" },
          color: { datum: oneSeed },
        },
      },
      {
        data: { values: p.band },
        mark: { type: "line", strokeWidth: 2.5 },
        encoding: { x, y: { field: "mean", type: "quantitative" }, color: { datum: mean } },
      },
      {
        data: { values: [{ threshold: p.threshold }] },
        mark: { type: "rule", strokeDash: [6, 4], color: "#555" },
        encoding: { y: { field: "threshold", type: "quantitative" } },
      },
    ],
  };
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  return view.toSVG();
}
