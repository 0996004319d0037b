import { describe, expect, it } from "vitest";
import { grad, jvp, valueAndGrad, vjp, type WithDerivatives } from "gradc";
import * as lecture from "../dsl-examples/lecture.js";
import { f } from "../dsl-examples/lecture.js";

// Generated at build time beside the @differentiable function; TypeScript's checker cannot see
// them, so WithDerivatives adds their types to the module's.
const { f_grad, f_jvp, f_valueAndGrad, f_vjp } = lecture as WithDerivatives<typeof lecture>;

// The lecture example's reference figures, as the course publishes them and README.md quotes them
// (computed independently of gradc).
const VALUE = 2.016646669428201;
const GRADIENT = [3.011843327673907, -13.723961509314076];

describe("the lecture example", () => {
  it("grad matches the reference gradient to 1e-12", () => {
    const g = grad(f)(1.5, 0.5);
    expect(g[0]).toBeCloseTo(GRADIENT[0], 12);
    expect(g[1]).toBeCloseTo(GRADIENT[1], 12);
  });

  it("valueAndGrad returns the reference value and gradient", () => {
    const [v, g] = valueAndGrad(f)(1.5, 0.5);
    expect(v).toBeCloseTo(VALUE, 12);
    expect(g[0]).toBeCloseTo(GRADIENT[0], 12);
    expect(g[1]).toBeCloseTo(GRADIENT[1], 12);
  });

  it("wrt selects parameters; a single index returns a single gradient", () => {
    expect(grad(f, { wrt: [1] })(1.5, 0.5)).toHaveLength(1);
    expect(grad(f, { wrt: [1] })(1.5, 0.5)[0]).toBeCloseTo(GRADIENT[1], 12);
    expect(grad(f, { wrt: 0 })(1.5, 0.5)).toBeCloseTo(GRADIENT[0], 12);
  });

  it("jvp along each axis gives each partial derivative", () => {
    const [v0, t0] = jvp(f)([1.5, 0.5], [1, 0]);
    const [, t1] = jvp(f)([1.5, 0.5], [0, 1]);
    expect(v0).toBeCloseTo(VALUE, 12);
    expect(t0).toBeCloseTo(GRADIENT[0], 12);
    expect(t1).toBeCloseTo(GRADIENT[1], 12);
  });

  it("vjp scales the gradient by the cotangent", () => {
    const [v, pullback] = vjp(f)(1.5, 0.5);
    expect(v).toBeCloseTo(VALUE, 12);
    const g = pullback(-2);
    expect(g[0]).toBeCloseTo(-2 * GRADIENT[0], 11);
    expect(g[1]).toBeCloseTo(-2 * GRADIENT[1], 11);
  });

  it("@differentiable exports f_grad, f_valueAndGrad, f_jvp and f_vjp", () => {
    expect(f_grad(1.5, 0.5)[1]).toBeCloseTo(GRADIENT[1], 12);
    expect(f_valueAndGrad(1.5, 0.5)[0]).toBeCloseTo(VALUE, 12);
    expect(f_jvp([1.5, 0.5], [0, 1])[1]).toBeCloseTo(GRADIENT[1], 12);
    expect(f_vjp(1.5, 0.5)[1](1)[0]).toBeCloseTo(GRADIENT[0], 12);
  });
});

describe("a marker call that was not transformed", () => {
  it("throws an error saying how to enable the transform instead of returning a number", async () => {
    // Imported by path, not as "gradc": the transform leaves these calls alone, as it would in a
    // build without the gradc plugin.
    const runtime = await import("../runtime/index.js");
    for (const api of ["grad", "valueAndGrad", "valueAndGradInto", "jvp", "vjp"] as const) {
      expect(() => (runtime[api] as (f: unknown) => unknown)(f)).toThrow(/was not transformed by gradc.*gradc run.*gradc\/plugin/s);
    }
    expect(() => runtime.checkGrad(f, [1, 2])).toThrow(/without the gradc transform/);
    expect(runtime.stopGradient(3)).toBe(3);
  });
});
