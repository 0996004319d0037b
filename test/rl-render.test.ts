/**
 * Drawings of the environments (gradc eval --render): scenes put the agent where the state says,
 * the terminal frame and the SVG animation show it there.
 */
import { describe, expect, it } from "vitest";
import { animatedSvg, sceneOf, textFrame } from "../runtime/rl/index.js";

describe("scenes", () => {
  it("CartPole: the cart centred on x, a 1 m pole from the pivot at angle θ from upright", () => {
    const [ground, cart, pole] = sceneOf("CartPole-v1").draw(Float64Array.from([0.7, 0, Math.PI / 6, 0]));
    expect(ground).toMatchObject({ kind: "line", role: "ground" });
    expect(cart).toMatchObject({ kind: "rect", role: "agent" });
    if (cart.kind !== "rect" || pole.kind !== "line") throw new Error("unexpected shapes");
    expect(cart.x + cart.width / 2).toBeCloseTo(0.7, 12);
    expect(pole.x1).toBeCloseTo(0.7, 12);
    expect(Math.hypot(pole.x2 - pole.x1, pole.y2 - pole.y1)).toBeCloseTo(1, 12);
    // 30° to the right of upright: the tip is half a metre right of the pivot.
    expect(pole.x2 - pole.x1).toBeCloseTo(0.5, 12);
  });

  it("Acrobot: two 1 m links; hanging straight down at θ = 0, the tip at −2", () => {
    const lines = sceneOf("Acrobot-v1").draw(new Float64Array(4)).filter((s) => s.kind === "line" && s.role === "agent");
    const tip = lines[1];
    if (tip.kind !== "line") throw new Error("unexpected shape");
    expect([tip.x2, tip.y2]).toEqual([0, -2]);
  });

  it("grids: the agent in the middle of its cell", () => {
    const agent = sceneOf("LectureGrid").draw(Float64Array.from([1, 2])).find((s) => s.role === "agent");
    expect(agent).toMatchObject({ kind: "circle", cx: 1.5, cy: 2.5 });
  });

  it("names the drawable environments when asked for another", () => {
    expect(() => sceneOf("Pendulum-v1")).toThrow(/no drawing for Pendulum-v1; --render draws CartPole-v1, MountainCar-v0, Acrobot-v1, GridWorld, LectureGrid/);
  });
});

describe("terminal frames", () => {
  const poleColumns = (frame: string) =>
    frame
      .split("\n")
      .slice(0, 8) // the upper rows: only the pole reaches there
      .flatMap((row) => [...row].flatMap((ch, c) => (ch === "#" ? [c] : [])));

  it("draws an upright pole straight above the cart and a tilted one leaning its way", () => {
    const scene = sceneOf("CartPole-v1");
    const columns = 73;
    const centre = Math.round(((0 - scene.bounds.xMin) / (scene.bounds.xMax - scene.bounds.xMin)) * (columns - 1));
    const upright = poleColumns(textFrame(scene, new Float64Array(4), columns, 20));
    expect(upright.length).toBeGreaterThan(3);
    expect(new Set(upright)).toEqual(new Set([centre]));
    const right = poleColumns(textFrame(scene, Float64Array.from([0, 0, 0.2, 0]), columns, 20));
    expect(Math.max(...right)).toBeGreaterThan(centre);
    const left = poleColumns(textFrame(scene, Float64Array.from([0, 0, -0.2, 0]), columns, 20));
    expect(Math.min(...left)).toBeLessThan(centre);
  });
});

describe("animated SVG", () => {
  it("animates what moves with one value per frame, in the scene's pixels", () => {
    const scene = sceneOf("CartPole-v1");
    const xs = [-1, 0, 1.5];
    const svg = animatedSvg(scene, xs.map((x) => Float64Array.from([x, 0, 0, 0])), "three frames");
    expect(svg).toContain("three frames");
    // 600 px across the 5.2 m shown: the cart's left edge at (x − 0.25 − xMin)·600/5.2.
    const scale = 600 / (scene.bounds.xMax - scene.bounds.xMin);
    const expected = xs.map((x) => Math.round((x - 0.25 - scene.bounds.xMin) * scale * 10) / 10);
    expect(svg).toContain(`<animate attributeName="x" dur="0.060s" repeatCount="indefinite" calcMode="discrete" values="${expected.join(";")}"/>`);
    // The ground does not move: no animation inside its element.
    expect(svg).toMatch(/<line [^>]*stroke="#555"[^>]*\/>/);
  });

  it("refuses to draw nothing", () => {
    expect(() => animatedSvg(sceneOf("GridWorld"), [], "none")).toThrow(/no frames/);
  });
});
