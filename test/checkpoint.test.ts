/**
 * Checkpointing (`// @checkpoint [N]` above a counted loop; compiler/differentiate/checkpoint.ts).
 *
 * Every fixture (test/fixtures/checkpoint.ts) has a copy without the comment. At trip counts
 * around the segment length (0, 1, k−1, k, k+1, multiples and not), the checkpointed gradient
 * must equal the plain one to 1e-12 relative and agree with Richardson central differences, on
 * the compiled and the wasm engines. A probe build of the same module, its support object
 * exposed, shows that the stacks come back empty after every gradient and that the checkpointed
 * loop's stack peaks at O(√n) values where the plain loop's grows with n. Comments gradc cannot
 * honour are diagnostics at the comment.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { grad, hessian, jvp } from "gradc";
import { transformModule } from "../compiler/index.js";
import { type StackSupport, loadWithSupport, watchStackPeaks } from "../bench/memory.js";
import { type Arg, expectClose, numericPartial } from "./support/numeric.js";
import {
  callsCheckpointed,
  callsCheckpointedPlain,
  freshAndFlagged,
  freshAndFlaggedPlain,
  overElements,
  overElementsPlain,
  downByTwo,
  downByTwoPlain,
  heat,
  heatPlain,
  inOuter,
  inOuterPlain,
  nested,
  nestedPlain,
  oscillator,
  oscillator7,
  oscillatorPlain,
  overwrittenAfter,
  overwrittenAfterPlain,
  relax,
  relaxPlain,
  squareTest,
  squareTestPlain,
  twoLevels,
  twoLevelsPlain,
  untilLarge,
  untilLargePlain,
} from "./fixtures/checkpoint.js";

type Fn = (...args: any[]) => any;

interface Case {
  name: string;
  f: Fn;
  wrt: number[];
  /** grad of f and of its plain copy, compiled and wasm. */
  checkpointed: Fn;
  plain: Fn;
  wasmCheckpointed: Fn;
  wasmPlain: Fn;
  points: Arg[][];
  /** Relative tolerance against central differences (default 1e-6). */
  numericTolerance?: number;
}

const F = (...xs: number[]) => Float64Array.from(xs);
const osc = (steps: number): Arg[] => [0.3, -0.2, 2, 0.1, 0.05, steps];

const cases: Case[] = [
  {
    name: "oscillator (√n)",
    f: oscillator,
    wrt: [0, 1, 2, 3, 4],
    checkpointed: grad(oscillator, { wrt: [0, 1, 2, 3, 4] }),
    plain: grad(oscillatorPlain, { wrt: [0, 1, 2, 3, 4] }),
    wasmCheckpointed: grad(oscillator, { wrt: [0, 1, 2, 3, 4], engine: "wasm" }),
    wasmPlain: grad(oscillatorPlain, { wrt: [0, 1, 2, 3, 4], engine: "wasm" }),
    // k = ⌈√n⌉: 9 → 3 (a multiple), 10 → 4 (2 left over), 16 → 4, 17 → 5
    points: [0, 1, 2, 3, 4, 5, 8, 9, 10, 16, 17, 50].map(osc),
    // ∂/∂dt after 50 steps: dt = 0.05 is small beside the differences' step (1e-3)
    numericTolerance: 1e-5,
  },
  {
    name: "oscillator (segments of 7)",
    f: oscillator7,
    wrt: [0, 1, 2, 3, 4],
    checkpointed: grad(oscillator7, { wrt: [0, 1, 2, 3, 4] }),
    plain: grad(oscillatorPlain, { wrt: [0, 1, 2, 3, 4] }),
    wasmCheckpointed: grad(oscillator7, { wrt: [0, 1, 2, 3, 4], engine: "wasm" }),
    wasmPlain: grad(oscillatorPlain, { wrt: [0, 1, 2, 3, 4], engine: "wasm" }),
    points: [0, 1, 6, 7, 8, 13, 14, 15, 20, 50].map(osc),
    numericTolerance: 1e-5,
  },
  {
    name: "heat equation on a local array (segments of 3, inner loop)",
    f: heat,
    wrt: [0, 1],
    checkpointed: grad(heat, { wrt: [0, 1] }),
    plain: grad(heatPlain, { wrt: [0, 1] }),
    wasmCheckpointed: grad(heat, { wrt: [0, 1], engine: "wasm" }),
    wasmPlain: grad(heatPlain, { wrt: [0, 1], engine: "wasm" }),
    points: [0, 1, 2, 3, 4, 7, 9].map((steps) => [F(0.1, 0.7, -0.4, 0.9, 0.3, -0.2), 0.2, steps]),
  },
  {
    name: "a parameter array updated in place (√n)",
    f: relax,
    wrt: [0, 1],
    checkpointed: grad(relax, { wrt: [0, 1] }),
    plain: grad(relaxPlain, { wrt: [0, 1] }),
    wasmCheckpointed: grad(relax, { wrt: [0, 1], engine: "wasm" }),
    wasmPlain: grad(relaxPlain, { wrt: [0, 1], engine: "wasm" }),
    points: [0, 1, 3, 4, 5, 11].map((steps) => [F(0.5, -0.3, 0.8, 0.2), 0.3, steps]),
  },
  {
    name: "scalar state with an inner loop and a helper (segments of 7)",
    f: nested,
    wrt: [0, 1],
    checkpointed: grad(nested, { wrt: [0, 1] }),
    plain: grad(nestedPlain, { wrt: [0, 1] }),
    wasmCheckpointed: grad(nested, { wrt: [0, 1], engine: "wasm" }),
    wasmPlain: grad(nestedPlain, { wrt: [0, 1], engine: "wasm" }),
    points: [0, 1, 6, 7, 8, 15].map((steps) => [0.4, 0.8, steps, 2]),
  },
  {
    name: "counting down by two (√n)",
    f: downByTwo,
    wrt: [0, 1],
    checkpointed: grad(downByTwo, { wrt: [0, 1] }),
    plain: grad(downByTwoPlain, { wrt: [0, 1] }),
    wasmCheckpointed: grad(downByTwo, { wrt: [0, 1], engine: "wasm" }),
    wasmPlain: grad(downByTwoPlain, { wrt: [0, 1], engine: "wasm" }),
    points: [0, 1, 2, 3, 7, 8, 19, 20].map((n) => [0.6, 0.3, n]),
  },
  {
    name: "a test that is not a bound (√n from a replayed header)",
    f: squareTest,
    wrt: [0, 1],
    checkpointed: grad(squareTest, { wrt: [0, 1] }),
    plain: grad(squareTestPlain, { wrt: [0, 1] }),
    wasmCheckpointed: grad(squareTest, { wrt: [0, 1], engine: "wasm" }),
    wasmPlain: grad(squareTestPlain, { wrt: [0, 1], engine: "wasm" }),
    points: [0, 1, 2, 10, 26, 100, 101].map((n) => [0.2, 0.9, n]),
  },
  {
    name: "a test reading the loop's state (segments of 4)",
    f: untilLarge,
    wrt: [0, 1],
    checkpointed: grad(untilLarge, { wrt: [0, 1] }),
    plain: grad(untilLargePlain, { wrt: [0, 1] }),
    wasmCheckpointed: grad(untilLarge, { wrt: [0, 1], engine: "wasm" }),
    wasmPlain: grad(untilLargePlain, { wrt: [0, 1], engine: "wasm" }),
    points: [0, 1, 3, 4, 5, 9, 40].map((n) => [0.45, 0.23, n]),
  },
  {
    name: "values overwritten after the loop (segments of 3)",
    f: overwrittenAfter,
    wrt: [0, 1, 2],
    checkpointed: grad(overwrittenAfter, { wrt: [0, 1, 2] }),
    plain: grad(overwrittenAfterPlain, { wrt: [0, 1, 2] }),
    wasmCheckpointed: grad(overwrittenAfter, { wrt: [0, 1, 2], engine: "wasm" }),
    wasmPlain: grad(overwrittenAfterPlain, { wrt: [0, 1, 2], engine: "wasm" }),
    points: [0, 1, 2, 3, 4, 8].map((n) => [0.7, 0.2, F(0.3, -0.5, 0.1, 0.4, -0.2), n]),
  },
  {
    name: "inside another loop (√n, a different trip count each time)",
    f: inOuter,
    wrt: [0, 1],
    checkpointed: grad(inOuter, { wrt: [0, 1] }),
    plain: grad(inOuterPlain, { wrt: [0, 1] }),
    wasmCheckpointed: grad(inOuter, { wrt: [0, 1], engine: "wasm" }),
    wasmPlain: grad(inOuterPlain, { wrt: [0, 1], engine: "wasm" }),
    points: [
      [0.3, 1.2, 0, 5],
      [0.3, 1.2, 1, 0],
      [0.3, 1.2, 3, 0],
      [0.3, 1.2, 4, 3],
      [0.3, 1.2, 6, 8],
    ],
  },
  {
    name: "checkpointed inside checkpointed (2, then √n)",
    f: twoLevels,
    wrt: [0, 1],
    checkpointed: grad(twoLevels, { wrt: [0, 1] }),
    plain: grad(twoLevelsPlain, { wrt: [0, 1] }),
    wasmCheckpointed: grad(twoLevels, { wrt: [0, 1], engine: "wasm" }),
    wasmPlain: grad(twoLevelsPlain, { wrt: [0, 1], engine: "wasm" }),
    points: [
      [0.3, 1.2, 0, 4],
      [0.3, 1.2, 1, 1],
      [0.3, 1.2, 2, 3],
      [0.3, 1.2, 3, 5],
      [0.3, 1.2, 5, 10],
    ],
  },
  {
    name: "a fresh array per iteration, a boolean and continue (segments of 5)",
    f: freshAndFlagged,
    wrt: [0, 1],
    checkpointed: grad(freshAndFlagged, { wrt: [0, 1] }),
    plain: grad(freshAndFlaggedPlain, { wrt: [0, 1] }),
    wasmCheckpointed: grad(freshAndFlagged, { wrt: [0, 1], engine: "wasm" }),
    wasmPlain: grad(freshAndFlaggedPlain, { wrt: [0, 1], engine: "wasm" }),
    points: [0, 1, 4, 5, 6, 12, 23].map((n) => [0.55, 1.3, n]),
  },
  {
    name: "for…of over a parameter (√n)",
    f: overElements,
    wrt: [0, 1],
    checkpointed: grad(overElements, { wrt: [0, 1] }),
    plain: grad(overElementsPlain, { wrt: [0, 1] }),
    wasmCheckpointed: grad(overElements, { wrt: [0, 1], engine: "wasm" }),
    wasmPlain: grad(overElementsPlain, { wrt: [0, 1], engine: "wasm" }),
    points: [F(), F(0.4), F(0.4, -0.3, 0.9, 0.2), F(0.4, -0.3, 0.9, 0.2, 0.7, -0.1, 0.5, 0.3, -0.6, 0.8)].map((ws) => [0.35, ws]),
  },
  {
    name: "a helper with a checkpointed loop, in joint mode (segments of 4)",
    f: callsCheckpointed,
    wrt: [0, 1],
    checkpointed: grad(callsCheckpointed, { wrt: [0, 1] }),
    plain: grad(callsCheckpointedPlain, { wrt: [0, 1] }),
    wasmCheckpointed: grad(callsCheckpointed, { wrt: [0, 1], engine: "wasm" }),
    wasmPlain: grad(callsCheckpointedPlain, { wrt: [0, 1], engine: "wasm" }),
    points: [0, 1, 3, 4, 9].map((n) => [0.25, 1.7, n]),
  },
];

/** Fresh copies of a point's arrays: some fixtures write into their array parameters. */
const copy = (point: Arg[]): Arg[] => point.map((a) => (a instanceof Float64Array ? Float64Array.from(a) : a));

/** A gradient as a list of partial derivatives (numbers and the elements of arrays), in wrt order. */
function flatten(g: unknown): number[] {
  const parts = Array.isArray(g) ? g : [g];
  return parts.flatMap((p) => (typeof p === "number" ? [p] : Array.from(p as Float64Array)));
}

const label = (c: Case, point: Arg[]) => `${c.name} at (${point.map((a) => (typeof a === "number" ? a : `[${Array.from(a as Float64Array).join(", ")}]`)).join(", ")})`;

describe("checkpointed loops: the same gradient as without the comment", () => {
  for (const c of cases) {
    it(c.name, () => {
      for (const point of c.points) {
        const plain = flatten(c.plain(...copy(point)));
        const checkpointed = flatten(c.checkpointed(...copy(point)));
        expectClose(Float64Array.from(checkpointed), Float64Array.from(plain), 1e-12, `${label(c, point)} compiled`);
        const numeric = c.wrt.flatMap((i) => {
          const d = numericPartial(c.f, copy(point), i);
          return typeof d === "number" ? [d] : Array.from(d);
        });
        expectClose(Float64Array.from(checkpointed), Float64Array.from(numeric), c.numericTolerance ?? 1e-6, `${label(c, point)} against central differences`);
      }
    });
    it(`${c.name} — wasm engine`, () => {
      for (const point of c.points) {
        const plain = flatten(c.plain(...copy(point)));
        expectClose(Float64Array.from(flatten(c.wasmCheckpointed(...copy(point)))), Float64Array.from(plain), 1e-12, `${label(c, point)} wasm`);
        expectClose(Float64Array.from(flatten(c.wasmPlain(...copy(point)))), Float64Array.from(plain), 1e-12, `${label(c, point)} wasm, plain`);
      }
    });
  }

  it("second order: the Hessian through a checkpointed loop", () => {
    const h = hessian(oscillator, { wrt: [0, 1, 2] });
    const hPlain = hessian(oscillatorPlain, { wrt: [0, 1, 2] });
    for (const steps of [0, 3, 10, 11]) {
      const point = osc(steps) as [number, number, number, number, number, number];
      expectClose(Float64Array.from(h(...point).flat()), Float64Array.from(hPlain(...point).flat()), 1e-12, `hessian at ${steps} steps`);
    }
  });

  it("forward mode and the tape ignore the comment", () => {
    const point = osc(13) as [number, number, number, number, number, number];
    const expected = flatten(grad(oscillatorPlain, { wrt: [0, 1, 2, 3, 4] })(...point));
    expectClose(Float64Array.from(flatten(grad(oscillator, { wrt: [0, 1, 2, 3, 4], engine: "tape" })(...point))), Float64Array.from(expected), 1e-12, "tape");
    const [value, tangent] = jvp(oscillator)(point, [1, 0, 0, 0, 0, 0]);
    expect(value).toBe(oscillatorPlain(...point));
    expectClose(tangent as number, expected[0], 1e-12, "jvp");
  });
});

// ---------------------------------------------------------------------------------------------
// The save stacks, observed on a probe build whose support object is exposed

const HERE = path.dirname(fileURLToPath(import.meta.url));

interface Peaks {
  /** Peak depth of the value stack and of the inactive stack during one gradient. */
  values: number;
  inactive: number;
  /** Depths after the gradient: every push was popped. */
  after: { values: number; inactive: number; arrays: number };
}

const PROBE_SOURCE = `import { valueAndGradInto } from "gradc";
import { callsCheckpointed, freshAndFlagged, overElements, oscillator, oscillator7, oscillatorPlain, heat, heatPlain, nested, overwrittenAfter, inOuter, twoLevels, untilLarge, squareTest } from "./fixtures/checkpoint.js";
export const oscillatorRev = valueAndGradInto(oscillator, { wrt: [0, 1, 2, 3, 4] });
export const oscillator7Rev = valueAndGradInto(oscillator7, { wrt: [0, 1, 2, 3, 4] });
export const oscillatorPlainRev = valueAndGradInto(oscillatorPlain, { wrt: [0, 1, 2, 3, 4] });
export const heatRev = valueAndGradInto(heat, { wrt: [0] });
export const heatPlainRev = valueAndGradInto(heatPlain, { wrt: [0] });
export const nestedRev = valueAndGradInto(nested, { wrt: [0] });
export const overwrittenAfterRev = valueAndGradInto(overwrittenAfter, { wrt: [0] });
export const inOuterRev = valueAndGradInto(inOuter, { wrt: [0] });
export const twoLevelsRev = valueAndGradInto(twoLevels, { wrt: [0] });
export const untilLargeRev = valueAndGradInto(untilLarge, { wrt: [0] });
export const squareTestRev = valueAndGradInto(squareTest, { wrt: [0] });
export const callsCheckpointedRev = valueAndGradInto(callsCheckpointed, { wrt: [0] });
export const freshAndFlaggedRev = valueAndGradInto(freshAndFlagged, { wrt: [0] });
export const overElementsRev = valueAndGradInto(overElements, { wrt: [0, 1] });
`;

interface Support extends StackSupport {
  arrays: unknown[];
}

async function stackProbe(): Promise<(name: string, grads: Float64Array[], ...args: unknown[]) => Peaks> {
  const mod = await loadWithSupport(PROBE_SOURCE, path.join(HERE, "checkpoint-probe.ts"));
  const s = mod.__support as Support;
  const peaks = watchStackPeaks(s);
  return (name, grads, ...args) => {
    peaks.reset();
    (mod[`${name}Rev`] as Fn)(grads, ...args);
    return { values: peaks.values(), inactive: peaks.inactive(), after: { values: s.top, inactive: s.inactive.length, arrays: s.arrays.length } };
  };
}

describe("checkpointed loops: what the stack holds", () => {
  it("every gradient leaves the stacks empty", async () => {
    const probe = await stackProbe();
    const g = (n: number) => Array.from({ length: n }, () => new Float64Array(8));
    const runs: [string, Float64Array[], ...unknown[]][] = [
      ["oscillator", g(5), ...osc(17)],
      ["oscillator7", g(5), ...osc(15)],
      ["heat", [new Float64Array(6)], F(0.1, 0.7, -0.4, 0.9, 0.3, -0.2), 0.2, 7],
      ["nested", g(1), 0.4, 0.8, 15, 2],
      ["overwrittenAfter", g(1), 0.7, 0.2, F(0.3, -0.5, 0.1, 0.4, -0.2), 8],
      ["inOuter", g(1), 0.3, 1.2, 6, 8],
      ["twoLevels", g(1), 0.3, 1.2, 5, 10],
      ["untilLarge", g(1), 0.45, 0.23, 40],
      ["squareTest", g(1), 0.2, 0.9, 101],
      ["callsCheckpointed", g(1), 0.25, 1.7, 9],
      ["freshAndFlagged", g(1), 0.55, 1.3, 23],
      ["overElements", [new Float64Array(1), new Float64Array(5)], 0.35, F(0.4, -0.3, 0.9, 0.2, 0.7)],
    ];
    for (const [name, grads, ...args] of runs) {
      expect(probe(name, grads, ...args).after, name).toEqual({ values: 0, inactive: 0, arrays: 0 });
    }
  });

  it("a loop of n iterations saves O(√n) values instead of O(n)", async () => {
    const probe = await stackProbe();
    const grads = () => Array.from({ length: 5 }, () => new Float64Array(1));
    for (const n of [2_500, 10_000, 40_000]) {
      const plain = probe("oscillatorPlain", grads(), ...osc(n));
      const sqrt = probe("oscillator", grads(), ...osc(n));
      const seven = probe("oscillator7", grads(), ...osc(n));
      const k = Math.ceil(Math.sqrt(n));
      // Plain: a few values per iteration. √n: two numbers per checkpoint (x, v; i goes on the
      // inactive stack) for n/k + 1 checkpoints, plus one segment's saves.
      expect(plain.values).toBeGreaterThanOrEqual(3 * n);
      const perIteration = plain.values / n;
      expect(sqrt.values).toBeLessThanOrEqual(2 * (n / k + 1) + perIteration * k);
      expect(sqrt.inactive).toBeLessThanOrEqual(n / k + 2);
      expect(seven.values).toBeLessThanOrEqual(2 * (n / 7 + 1) + perIteration * 7);
      expect(sqrt.values * 20).toBeLessThan(plain.values);
    }
    // An array state: every checkpoint holds the array, one segment's saves besides.
    const u0 = F(0.1, 0.7, -0.4, 0.9, 0.3, -0.2, 0.5, 0.1);
    const steps = 300;
    const heatPlainPeak = probe("heatPlain", [new Float64Array(8)], u0, 0.2, steps);
    const heatPeak = probe("heat", [new Float64Array(8)], u0, 0.2, steps);
    expect(heatPeak.values).toBeLessThanOrEqual((steps / 3 + 1) * 8 + (heatPlainPeak.values / steps) * 3 + 8);
    expect(heatPeak.values * 2).toBeLessThan(heatPlainPeak.values);
  });
});

// ---------------------------------------------------------------------------------------------
// Diagnostics: a comment gradc cannot honour is reported at the comment, never ignored

function diagnose(source: string) {
  const file = "/virtual/checkpoint-bad.ts";
  const result = transformModule(source, file, { readFile: () => undefined });
  return { result, file };
}

describe("checkpoint comments gradc cannot honour", () => {
  const cases: { name: string; loop: string; message: RegExp }[] = [
    {
      name: "a while loop",
      loop: "let i = 0;\n  // @checkpoint\n  while (i < n) { x = Math.sin(x); i++; }",
      message: /counted loop/,
    },
    {
      name: "a loop left by break",
      loop: "// @checkpoint 10\n  for (let i = 0; i < n; i++) { x = Math.sin(x); if (x > 2) break; }",
      message: /counted loop/,
    },
    {
      name: "a body assigning the loop variable",
      loop: "// @checkpoint\n  for (let i = 0; i < n; i++) { x = Math.sin(x); i += x > 0 ? 1 : 0; }",
      message: /counted loop/,
    },
    {
      name: "√n segments of a loop whose test reads its state",
      loop: "// @checkpoint\n  for (let i = 0; i < n && x < 2; i++) { x = x + Math.sin(x); }",
      message: /trip count before the loop/,
    },
    {
      name: "a segment length that is not a positive integer",
      loop: "// @checkpoint 0.5\n  for (let i = 0; i < n; i++) { x = Math.sin(x); }",
      message: /positive integer/,
    },
    {
      name: "a statement that is not a loop",
      loop: "// @checkpoint\n  x = Math.sin(x);",
      message: /not a loop/,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const source = `import { grad } from "gradc";\nfunction f(x: number, n: number): number {\n  ${c.loop}\n  return x;\n}\nexport const g = grad(f, { wrt: [0] });\n`;
      const { result, file } = diagnose(source);
      expect(result.code).toBeUndefined();
      const d = result.diagnostics.find((x) => c.message.test(x.message));
      expect(d, result.diagnostics.map((x) => x.message).join("\n")).toBeDefined();
      // At the comment: file, line and column of `// @checkpoint`.
      const offset = source.indexOf("// @checkpoint");
      const before = source.slice(0, offset).split("\n");
      expect({ file: d!.file, line: d!.line, col: d!.col }).toEqual({ file, line: before.length, col: before[before.length - 1].length + 1 });
      expect(d!.hint).toBeTruthy();
    });
  }

  it("a forward-mode-only use still reports it", () => {
    const source = `import { jvp } from "gradc";\nfunction f(x: number, n: number): number {\n  // @checkpoint\n  while (n > 0) { x = Math.sin(x); n--; }\n  return x;\n}\nexport const g = jvp(f);\n`;
    const { result } = diagnose(source);
    expect(result.diagnostics.some((d) => /counted loop/.test(d.message))).toBe(true);
  });
});
