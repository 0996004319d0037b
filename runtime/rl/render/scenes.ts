/**
 * What each environment looks like: a scene of lines, rectangles and circles in world
 * coordinates, drawn from the environment's state (`getState()`). A scene has the same shapes in
 * every frame, only their coordinates change, so an animation is one list of values per
 * coordinate (svg.ts) and a terminal frame is the shapes rasterised (terminal.ts). No Node API.
 */

export type Shape =
  | { kind: "line"; x1: number; y1: number; x2: number; y2: number; role: Role }
  | { kind: "rect"; x: number; y: number; width: number; height: number; role: Role }
  | { kind: "circle"; cx: number; cy: number; r: number; role: Role };

/** What a shape stands for: the agent (moves), the ground, a target, or decoration. */
export type Role = "agent" | "ground" | "target" | "grid";

export interface Scene {
  /** The world rectangle to show: x from xMin to xMax, y (upwards) from yMin to yMax. */
  bounds: { xMin: number; xMax: number; yMin: number; yMax: number };
  /** Seconds a frame is shown: Gymnasium's render_fps (CartPole 50, MountainCar 30, Acrobot 15); 0.1 s for the grids. */
  secondsPerStep: number;
  /** The shapes of a state. */
  draw(state: Float64Array): Shape[];
}

const cartPole: Scene = {
  bounds: { xMin: -2.6, xMax: 2.6, yMin: -0.4, yMax: 1.4 },
  secondsPerStep: 0.02,
  draw(state) {
    const [x, , theta] = state;
    // Gymnasium's pole is 2 × length = 1 m long; θ measured from upright, positive to the right.
    const pivotY = 0.15;
    return [
      { kind: "line", x1: -2.4, y1: 0, x2: 2.4, y2: 0, role: "ground" },
      { kind: "rect", x: x - 0.25, y: 0, width: 0.5, height: 0.3, role: "agent" },
      { kind: "line", x1: x, y1: pivotY, x2: x + Math.sin(theta), y2: pivotY + Math.cos(theta), role: "agent" },
    ];
  },
};

const mountainHeight = (x: number) => Math.sin(3 * x) * 0.45 + 0.55;
const HILL_POINTS = 24;

const mountainCar: Scene = {
  bounds: { xMin: -1.25, xMax: 0.65, yMin: -0.05, yMax: 1.15 },
  secondsPerStep: 1 / 30,
  draw(state) {
    const hill: Shape[] = [];
    for (let i = 0; i < HILL_POINTS; i++) {
      const a = -1.2 + (1.8 * i) / HILL_POINTS;
      const b = -1.2 + (1.8 * (i + 1)) / HILL_POINTS;
      hill.push({ kind: "line", x1: a, y1: mountainHeight(a), x2: b, y2: mountainHeight(b), role: "ground" });
    }
    const position = state[0];
    return [
      ...hill,
      { kind: "line", x1: 0.5, y1: mountainHeight(0.5), x2: 0.5, y2: mountainHeight(0.5) + 0.15, role: "target" },
      { kind: "circle", cx: position, cy: mountainHeight(position) + 0.04, r: 0.04, role: "agent" },
    ];
  },
};

const acrobot: Scene = {
  bounds: { xMin: -2.2, xMax: 2.2, yMin: -2.2, yMax: 2.2 },
  secondsPerStep: 1 / 15,
  draw(state) {
    const [theta1, theta2] = state;
    // θ1 from hanging straight down; link 2's angle is relative to link 1. Each link is 1 m.
    const x1 = Math.sin(theta1);
    const y1 = -Math.cos(theta1);
    const x2 = x1 + Math.sin(theta1 + theta2);
    const y2 = y1 - Math.cos(theta1 + theta2);
    return [
      { kind: "line", x1: -2.2, y1: 1, x2: 2.2, y2: 1, role: "target" },
      { kind: "line", x1: 0, y1: 0, x2: x1, y2: y1, role: "agent" },
      { kind: "line", x1, y1, x2, y2, role: "agent" },
      { kind: "circle", cx: 0, cy: 0, r: 0.05, role: "ground" },
    ];
  },
};

/** A grid of `columns` × `rows` cells with the agent at the state's [column, row] and marked cells. */
function gridScene(columns: number, rows: number, marks: { column: number; row: number }[]): Scene {
  return {
    bounds: { xMin: -0.1, xMax: columns + 0.1, yMin: -0.1, yMax: rows + 0.1 },
    secondsPerStep: 0.1,
    draw(state) {
      const shapes: Shape[] = [];
      for (let c = 0; c < columns; c++) for (let r = 0; r < rows; r++) shapes.push({ kind: "rect", x: c, y: r, width: 1, height: 1, role: "grid" });
      for (const m of marks) shapes.push({ kind: "circle", cx: m.column + 0.5, cy: m.row + 0.5, r: 0.15, role: "target" });
      shapes.push({ kind: "circle", cx: state[0] + 0.5, cy: state[1] + 0.5, r: 0.3, role: "agent" });
      return shapes;
    },
  };
}

const SCENES: Record<string, Scene> = {
  "CartPole-v1": cartPole,
  "MountainCar-v0": mountainCar,
  "Acrobot-v1": acrobot,
  GridWorld: gridScene(5, 5, [
    { column: 2, row: 2 },
    { column: 4, row: 4 },
  ]),
  LectureGrid: gridScene(4, 6, [
    { column: 1, row: 2 },
    { column: 2, row: 4 },
  ]),
};

/** The scene of an environment by its name; an environment without one is an error that lists those with one. */
export function sceneOf(envName: string): Scene {
  const scene = SCENES[envName];
  if (!scene) throw new Error(`no drawing for ${envName}; --render draws ${Object.keys(SCENES).join(", ")}`);
  return scene;
}
