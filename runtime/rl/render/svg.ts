/**
 * An animated SVG of recorded frames: each shape is drawn once and every coordinate that changes
 * gets a SMIL `<animate>` with one value per frame (discrete, looping), so the file plays in any
 * browser without script. Coordinates are rounded to 0.1 px.
 */
import type { Scene, Shape } from "./scenes.js";

const WIDTH = 600;
const STYLE: Record<Shape["role"], string> = {
  agent: 'stroke="#1f5fbf" stroke-width="6" fill="#1f5fbf" fill-opacity="0.35" stroke-linecap="round"',
  ground: 'stroke="#555" stroke-width="2" fill="#555"',
  target: 'stroke="#c0392b" stroke-width="3" fill="#c0392b"',
  grid: 'stroke="#bbb" stroke-width="1" fill="none"',
};

/** The attributes that position a shape, in SVG pixels. */
function attributes(shape: Shape, toX: (x: number) => number, toY: (y: number) => number, scale: number): Record<string, number> {
  switch (shape.kind) {
    case "line":
      return { x1: toX(shape.x1), y1: toY(shape.y1), x2: toX(shape.x2), y2: toY(shape.y2) };
    case "rect":
      return { x: toX(shape.x), y: toY(shape.y + shape.height), width: shape.width * scale, height: shape.height * scale };
    case "circle":
      return { cx: toX(shape.cx), cy: toY(shape.cy), r: shape.r * scale };
  }
}

const round = (v: number) => Math.round(v * 10) / 10;

/** An SVG document that plays `states` (one per step) of `scene` at its frame rate, with `title` above. */
export function animatedSvg(scene: Scene, states: Float64Array[], title: string): string {
  if (states.length === 0) throw new Error("animatedSvg: no frames to draw");
  const { xMin, xMax, yMin, yMax } = scene.bounds;
  const scale = WIDTH / (xMax - xMin);
  const height = Math.round((yMax - yMin) * scale);
  const toX = (x: number) => (x - xMin) * scale;
  const toY = (y: number) => (yMax - y) * scale;
  const frames = states.map((s) => scene.draw(s).map((shape) => attributes(shape, toX, toY, scale)));
  const first = scene.draw(states[0]);
  const duration = (states.length * scene.secondsPerStep).toFixed(3);
  const body = first.map((shape, i) => {
    const attrs = frames[0][i];
    const animations = Object.keys(attrs)
      .filter((name) => frames.some((f) => round(f[i][name]) !== round(attrs[name])))
      .map((name) => `<animate attributeName="${name}" dur="${duration}s" repeatCount="indefinite" calcMode="discrete" values="${frames.map((f) => round(f[i][name])).join(";")}"/>`);
    const open = `<${shape.kind} ${Object.entries(attrs)
      .map(([name, v]) => `${name}="${round(v)}"`)
      .join(" ")} ${STYLE[shape.role]}`;
    return animations.length === 0 ? `  ${open}/>` : `  ${open}>\n    ${animations.join("\n    ")}\n  </${shape.kind}>`;
  });
  const escaped = title.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height + 24}" viewBox="0 -24 ${WIDTH} ${height + 24}">`,
    `  <rect x="0" y="-24" width="${WIDTH}" height="${height + 24}" fill="white"/>`,
    `  <text x="6" y="-8" font-family="sans-serif" font-size="13" fill="#333">${escaped}</text>`,
    ...body,
    `</svg>`,
    "",
  ].join("\n");
}
