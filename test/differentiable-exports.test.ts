/**
 * `@differentiable` exports beside marker calls in the same module: the generated `f_grad` keeps
 * its promised name, marker wrappers take other names, and the module may call `f_grad` itself.
 */
import { describe, expect, it } from "vitest";
import { transformModule } from "../compiler/index.js";
import { runModule } from "./support/run-module.js";

const SOURCE = `
import { grad } from "gradc";

/** @differentiable */
export function f(x: number, y: number): number {
  return x * x * y + Math.sin(y);
}

declare function f_grad(x: number, y: number): [number, number];
export const viaMarker = grad(f)(2, 3);
export const viaExport = f_grad(2, 3);
`;

describe("@differentiable and marker calls in one module", () => {
  it("both give ∂f = (2xy, x² + cos y)", async () => {
    const m = await runModule(SOURCE, "annotated-and-marker");
    const expected = [2 * 2 * 3, 2 * 2 + Math.cos(3)];
    expect(m.viaMarker).toEqual(expected);
    expect(m.viaExport).toEqual(expected);
    expect(m.f_grad(2, 3)).toEqual(expected);
  });

  it("a real declaration of f_grad in the module is still an error", () => {
    const r = transformModule(SOURCE.replace("declare function f_grad(x: number, y: number): [number, number];", "function f_grad(): number[] { return []; }"), "/virtual/clash.ts");
    expect(r.diagnostics.map((d) => d.message)).toContain("@differentiable would generate 'f_grad', but the module already declares that name");
  });
});
