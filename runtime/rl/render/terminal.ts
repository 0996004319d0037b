/**
 * A scene as text: shapes rasterised onto a grid of characters (lines by Bresenham's algorithm,
 * rectangle outlines, circle rims), for `gradc eval --render` in a terminal. Later shapes draw
 * over earlier ones, so the agent, drawn last, stays visible.
 */
import type { Scene, Shape } from "./scenes.js";

const INK: Record<Shape["role"], string> = { agent: "#", ground: "=", target: "*", grid: "." };

/** The frame of `state` as `rows` lines of `columns` characters. */
export function textFrame(scene: Scene, state: Float64Array, columns = 72, rows = 20): string {
  const { xMin, xMax, yMin, yMax } = scene.bounds;
  const canvas = Array.from({ length: rows }, () => new Array<string>(columns).fill(" "));
  const col = (x: number) => Math.round(((x - xMin) / (xMax - xMin)) * (columns - 1));
  const row = (y: number) => Math.round(((yMax - y) / (yMax - yMin)) * (rows - 1));
  const plot = (c: number, r: number, ink: string) => {
    if (r >= 0 && r < rows && c >= 0 && c < columns) canvas[r][c] = ink;
  };
  const line = (x1: number, y1: number, x2: number, y2: number, ink: string) => {
    let [c, r] = [col(x1), row(y1)];
    const [c2, r2] = [col(x2), row(y2)];
    const dc = Math.abs(c2 - c);
    const dr = -Math.abs(r2 - r);
    const sc = c < c2 ? 1 : -1;
    const sr = r < r2 ? 1 : -1;
    let error = dc + dr;
    for (;;) {
      plot(c, r, ink);
      if (c === c2 && r === r2) return;
      const e2 = 2 * error;
      if (e2 >= dr) {
        error += dr;
        c += sc;
      }
      if (e2 <= dc) {
        error += dc;
        r += sr;
      }
    }
  };
  for (const shape of scene.draw(state)) {
    const ink = INK[shape.role];
    switch (shape.kind) {
      case "line":
        line(shape.x1, shape.y1, shape.x2, shape.y2, ink);
        break;
      case "rect": {
        const { x, y, width: w, height: h } = shape;
        line(x, y, x + w, y, ink);
        line(x + w, y, x + w, y + h, ink);
        line(x + w, y + h, x, y + h, ink);
        line(x, y + h, x, y, ink);
        break;
      }
      case "circle":
        for (let k = 0; k < 24; k++) {
          const a = (2 * Math.PI * k) / 24;
          plot(col(shape.cx + shape.r * Math.cos(a)), row(shape.cy + shape.r * Math.sin(a)), ink);
        }
        plot(col(shape.cx), row(shape.cy), ink);
        break;
    }
  }
  return canvas.map((r) => r.join("").trimEnd()).join("\n");
}
