import { expect, it } from "vitest";
import { results } from "./main.js";

it("computes the lecture gradient through gradc.vite() in Vitest", () => {
  expect(results.lecture[0]).toBeCloseTo(3.011843327673907, 12);
  expect(results.lecture[1]).toBeCloseTo(-13.723961509314076, 12);
  expect(results.rosenbrock.gradient).toHaveLength(4);
});
