/**
 * The primitives table (compiler/primitives.ts), record by record: whatever a record says is what
 * the compiled code and the tape engine do. A new primitive added to the table is covered here
 * without a line of this file changing.
 */
import { describe, expect, it } from "vitest";
import { MATH_PRIMITIVES, OPERATOR_PRIMITIVES, PRIMITIVES, RUNTIME_HELPERS, type PrimOp } from "../compiler/primitives.js";
import { Tape } from "../runtime/tape.js";
import { richardsonDerivative } from "../runtime/check.js";
import { runModule } from "./support/run-module.js";

const SAMPLES = [0.3, 0.65, 1.7, 2.45, -0.8];

describe("runtime helpers of the support object", () => {
  for (const helper of RUNTIME_HELPERS) {
    it(`${helper.name}: the emitted code computes what the record's evaluate computes`, () => {
      const op = helper.name as PrimOp;
      const emitted = new Function(...helper.parameters.split(",").map((p) => p.split(":")[0]!.trim()), helper.body) as (...args: number[]) => number;
      for (const p of [...SAMPLES, 0, -0]) for (const q of [...SAMPLES, 0]) expect(emitted(p, q)).toBe(PRIMITIVES[op].evaluate(p, q));
    });
  }
});

/** Each way source code writes a primitive, as a differentiable function of (x, y). */
const forms: [label: string, op: PrimOp, body: string][] = [
  ...[...OPERATOR_PRIMITIVES].map(([operator, op]): [string, PrimOp, string] => [`x ${operator} y`, op, `x ${operator} y`]),
  ...[...MATH_PRIMITIVES].map(([name, { op, arity }]): [string, PrimOp, string] => [`Math.${name}`, op, arity === 1 ? `Math.${name}(x)` : `Math.${name}(x, y)`]),
];

describe("every primitive the source can write: compiled reverse and forward mode, the tape engine and finite differences agree", () => {
  it.each(forms)("%s", async (label, op, body) => {
    const module = await runModule(
      `import { grad, jvp } from "gradc";
       export function f(x: number, y: number): number { return ${body}; }
       export const reverse = grad(f);
       export const forward = jvp(f);`,
      `primitive-${op}`,
    );
    let checked = 0;
    for (const x of SAMPLES) {
      for (const y of SAMPLES) {
        const value = PRIMITIVES[op].evaluate(x, y);
        if (!Number.isFinite(value)) continue; // outside the domain (log of a negative, …)
        expect(module.f(x, y), `${label} at (${x}, ${y})`).toBe(value);
        const [dx, dy] = module.reverse(x, y) as number[];
        const tape = tapeGradient(op, PRIMITIVES[op].arity, x, y);
        const fdx = smoothDerivative((h) => module.f(x + h, y), x);
        const fdy = smoothDerivative((h) => module.f(x, y + h), y);
        if (fdx === undefined || fdy === undefined) continue; // a kink or a jump (ties of min and max, % at a multiple)
        // A primitive rounded to a coarse resolution (fround) has difference quotients only that good over the step.
        const tolerance = Math.max(1e-6, 100 * (PRIMITIVES[op].resolution ?? 0));
        expect(Math.abs(dx! - fdx), `∂/∂x of ${label} at (${x}, ${y})`).toBeLessThan(tolerance * Math.max(1, Math.abs(fdx)));
        expect(Math.abs(dy! - fdy), `∂/∂y of ${label} at (${x}, ${y})`).toBeLessThan(tolerance * Math.max(1, Math.abs(fdy)));
        expect(module.forward([x, y], [1, 0])[1]).toBeCloseTo(dx!, 12);
        expect(module.forward([x, y], [0, 1])[1]).toBeCloseTo(dy!, 12);
        expect(tape[0]).toBeCloseTo(dx!, 12);
        expect(tape[1]).toBeCloseTo(dy!, 12);
        checked++;
      }
    }
    expect(checked, `${label}: no sample point inside its domain`).toBeGreaterThan(3);
  });
});

/**
 * Richardson differences, or undefined where the point is not smooth: where the one-sided slopes
 * differ (a kink, such as a tie of max) or differences at two step sizes disagree (a jump).
 */
function smoothDerivative(g: (h: number) => number, x: number): number | undefined {
  const step = 1e-3 * Math.max(1, Math.abs(x));
  const [right, left] = [(g(step) - g(0)) / step, (g(0) - g(-step)) / step];
  if (Math.abs(right - left) > 1e-2 * Math.max(1, Math.abs(right))) return undefined;
  const [coarse, fine] = [richardsonDerivative(g, step), richardsonDerivative(g, step / 4)];
  return Math.abs(coarse - fine) <= 1e-7 * Math.max(1, Math.abs(fine)) ? fine : undefined;
}

/** ∂op/∂x and ∂op/∂y on the tape engine, which evaluates the table's partials numerically. */
function tapeGradient(op: PrimOp, arity: number, x: number, y: number): number[] {
  const t = new Tape();
  const [vx, vy] = [t.variable(x), t.variable(y)];
  t.backward(arity === 1 ? t.apply(op, vx) : t.apply(op, vx, vy));
  return [t.adjoint(vx), t.adjoint(vy)];
}

describe("the tape engine reads the same table", () => {
  it("applies every primitive with the record's value", () => {
    const t = new Tape();
    for (const [name, p] of Object.entries(PRIMITIVES) as [PrimOp, (typeof PRIMITIVES)[PrimOp]][]) {
      const value = t.value(t.apply(name, t.variable(0.65), t.variable(1.7)));
      expect(Object.is(value, p.evaluate(0.65, 1.7)), name).toBe(true);
    }
  });
});
