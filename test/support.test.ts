/**
 * The support object every transformed module declares (compiler/emit/support.ts): the stacks on
 * which reverse mode saves overwritten values. Values must come back exactly as they were saved,
 * in reverse order — including the sign of zero, which the inactive stack's small-integer
 * encoding must not lose.
 */
import { describe, expect, it } from "vitest";
import { compileModule } from "../fuzz/run.js";

interface Support {
  push(v: number): void;
  pop(): number;
  pushInactive(v: number): void;
  popInactive(): number;
  top: number;
  inactive: unknown[];
}

function support(): Support {
  const compiled = compileModule(`import { grad } from "gradc";\nfunction f(x: number): number {\n  return x * x;\n}\nexport const g = grad(f);\n`);
  if (!compiled.ok) expect.fail(compiled.failure.message);
  return compiled.exports.__gradcSupport as Support;
}

describe("save stacks of generated code", () => {
  const values = [-0, 0, 3, Float64Array.of(7)[0], -12, 2.5, -1e-300, 2 ** 40, -(2 ** 31), NaN, Infinity, -Infinity];

  it("the inactive stack returns every value exactly, last in first out, -0 included", () => {
    const s = support();
    for (const v of values) s.pushInactive(v);
    const back = values.map(() => s.popInactive()).reverse();
    back.forEach((v, i) => expect(Object.is(v, values[i]), `value ${i}: ${values[i]} came back as ${v}`).toBe(true));
    expect(s.inactive).toHaveLength(0);
  });

  it("the active stack returns every value exactly and grows past its initial size", () => {
    const s = support();
    const many = Array.from({ length: 5000 }, (_, i) => values[i % values.length] * (i + 1));
    for (const v of many) s.push(v);
    const back = many.map(() => s.pop()).reverse();
    back.forEach((v, i) => expect(Object.is(v, many[i])).toBe(true));
    expect(s.top).toBe(0);
  });
});
