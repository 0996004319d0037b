/**
 * Part of the scalar corpus, kept in its own file because it exercises a single construct:
 * ++ and -- used inside expressions (postfix yields the old value, prefix the new one).
 * Checked like test/scalar-corpus.test.ts: reverse mode, forward mode and Richardson central
 * differences must agree.
 */
import { describe, expect, it } from "vitest";
import { grad, jvp, valueAndGrad, vjp } from "gradc";
import { expectClose, numericPartial } from "./support/numeric.js";
import { incDecInExpressions } from "./fixtures/scalar.js";

const points: number[][] = [[1.2], [-0.7]];

describe("incDecInExpressions", () => {
  it.each(points)("at %d: reverse, forward and finite differences agree", (x) => {
    const fd = numericPartial(incDecInExpressions, [x], 0) as number;
    const [g] = grad(incDecInExpressions)(x);
    const [value, tangent] = jvp(incDecInExpressions)([x], [1]);
    expect(value).toBe(incDecInExpressions(x));
    expectClose(g, fd, 1e-6, "grad vs FD");
    expectClose(tangent, fd, 1e-6, "jvp vs FD");
    expectClose(g, tangent, 1e-12, "grad vs jvp");
    const [v2, g2] = valueAndGrad(incDecInExpressions)(x);
    expect(v2).toBe(incDecInExpressions(x));
    expectClose(g2[0], g, 1e-12, "valueAndGrad");
    const [v3, pullback] = vjp(incDecInExpressions)(x);
    expect(v3).toBe(incDecInExpressions(x));
    expectClose(pullback(-2.5)[0], -2.5 * g, 1e-12, "vjp pullback");
  });
});
