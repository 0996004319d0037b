/**
 * Part of the scalar corpus, kept in its own file because it exercises a single construct:
 * module constants initialised by constant expressions (const TWO_PI = 2 * Math.PI).
 * Checked like test/scalar-corpus.test.ts: reverse mode, forward mode and Richardson central
 * differences must agree.
 */
import { describe, expect, it } from "vitest";
import { grad, jvp, valueAndGrad, vjp } from "gradc";
import { expectClose, numericPartial } from "./support/numeric.js";
import { computedConstants } from "./fixtures/scalar.js";

const points: number[][] = [[0.3], [1.15]];

describe("computedConstants", () => {
  it.each(points)("at %d: reverse, forward and finite differences agree", (x) => {
    const fd = numericPartial(computedConstants, [x], 0) as number;
    const [g] = grad(computedConstants)(x);
    const [value, tangent] = jvp(computedConstants)([x], [1]);
    expect(value).toBe(computedConstants(x));
    expectClose(g, fd, 1e-6, "grad vs FD");
    expectClose(tangent, fd, 1e-6, "jvp vs FD");
    expectClose(g, tangent, 1e-12, "grad vs jvp");
    const [v2, g2] = valueAndGrad(computedConstants)(x);
    expect(v2).toBe(computedConstants(x));
    expectClose(g2[0], g, 1e-12, "valueAndGrad");
    const [v3, pullback] = vjp(computedConstants)(x);
    expect(v3).toBe(computedConstants(x));
    expectClose(pullback(-2.5)[0], -2.5 * g, 1e-12, "vjp pullback");
  });
});
