/**
 * Recursion (test/fixtures/recursion.ts): each recursive function differentiated by reverse
 * mode (its reverse function calls its own reverse function: joint mode), forward mode and the
 * tape, against central differences and against each other, at depths known only at run time.
 * A recursion deeper than the JavaScript stack allows is reported as such, naming the function.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { grad, jvp, vjp } from "gradc";
import { richardson } from "./support/numeric.js";
import { richardsonDerivative } from "../runtime/check.js";
import { chain, continuedFraction, cycleA, even, freshPerIteration, horner, power, rangeSum, smoothedRangeSum } from "./fixtures/recursion.js";
import { coordinates, entry, read, shifted, unitTangents } from "./support/pytree.js";

type Fn = (...args: any[]) => any;
interface Case {
  name: string;
  f: (x: number, ...rest: number[]) => number;
  grad: Fn;
  tape: Fn;
  jvp: Fn;
  /** grad and jvp with engine: "wasm". */
  wasm: Fn;
  wasmJvp: Fn;
  /** Points: x first, then the integer arguments (depths, exponents). */
  points: number[][];
}

const cases: Case[] = [
  { name: "power", f: power, grad: grad(power, { wrt: 0 }), tape: grad(power, { wrt: 0, engine: "tape" }), jvp: jvp(power), wasm: grad(power, { wrt: 0, engine: "wasm" }), wasmJvp: jvp(power, { engine: "wasm" }), points: [[0.9, 0], [0.9, 1], [1.1, 13], [-0.7, 20]] },
  { name: "even/odd", f: even, grad: grad(even, { wrt: 0 }), tape: grad(even, { wrt: 0, engine: "tape" }), jvp: jvp(even), wasm: grad(even, { wrt: 0, engine: "wasm" }), wasmJvp: jvp(even, { engine: "wasm" }), points: [[0.4, 0], [0.4, 1], [0.4, 6], [1.3, 9]] },
  { name: "chain", f: (x, rate, n) => chain(x, rate, n), grad: grad(chain, { wrt: [0, 1] }), tape: grad(chain, { wrt: [0, 1], engine: "tape" }), jvp: jvp(chain), wasm: grad(chain, { wrt: [0, 1], engine: "wasm" }), wasmJvp: jvp(chain, { engine: "wasm" }), points: [[0.5, 0.01, 50], [0.5, 0.002, 1000]] },
  { name: "a cycle closing through a function lowered earlier", f: cycleA, grad: grad(cycleA, { wrt: 0 }), tape: grad(cycleA, { wrt: 0, engine: "tape" }), jvp: jvp(cycleA), wasm: grad(cycleA, { wrt: 0, engine: "wasm" }), wasmJvp: jvp(cycleA, { engine: "wasm" }), points: [[0.7, 0], [0.7, 1], [0.7, 4], [0.4, 7]] },
  { name: "continuedFraction", f: continuedFraction, grad: grad(continuedFraction, { wrt: 0 }), tape: grad(continuedFraction, { wrt: 0, engine: "tape" }), jvp: jvp(continuedFraction), wasm: grad(continuedFraction, { wrt: 0, engine: "wasm" }), wasmJvp: jvp(continuedFraction, { engine: "wasm" }), points: [[0.7, 0, 0], [0.7, 0, 5], [2.5, 1, 30]] },
];

function close(actual: number, expected: number, tol: number, label: string): void {
  expect(Math.abs(actual - expected) / Math.max(1, Math.abs(expected)), `${label}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tol);
}

describe.each(cases)("$name", (c) => {
  it.each(c.points)("at %s: reverse, forward and tape agree with central differences", (...point) => {
    const [x, ...rest] = point;
    const g = c.grad(x, ...rest);
    const dx = typeof g === "number" ? g : g[0];
    close(dx, richardson((h) => c.f(x! + h, ...rest), x!), 1e-6, "∂f/∂x vs central differences");
    const t = c.tape(x, ...rest);
    close(typeof t === "number" ? t : t[0], dx, 1e-12, "tape");
    const [value, tangent] = c.jvp(point, point.map((_, i) => (i === 0 ? 1 : 0)));
    expect(value).toBe(c.f(x!, ...rest));
    close(tangent, dx, 1e-12, "jvp");
    const w = c.wasm(x, ...rest);
    close(typeof w === "number" ? w : w[0], dx, 1e-12, "wasm");
    const [wasmValue, wasmTangent] = c.wasmJvp(point, point.map((_, i) => (i === 0 ? 1 : 0)));
    expect(wasmValue).toBe(value);
    close(wasmTangent, tangent, 1e-12, "wasm jvp");
    if (c.name === "chain") {
      // The second differentiated argument, rate, which every level rescales.
      // A step of 1e-3 is a tenth of rate itself here: difference it with a step fit for its size.
      close(g[1], richardsonDerivative((h) => c.f(x!, rest[0]! + h, rest[1]!), 1e-3 * rest[0]!), 1e-6, "∂f/∂rate");
      close(t[1], g[1], 1e-12, "tape ∂f/∂rate");
      close(w[1], g[1], 1e-12, "wasm ∂f/∂rate");
    }
  });
});

describe("depth", () => {
  it("2,000 levels of recursion differentiate in every engine", () => {
    const g = grad(chain, { wrt: 0 })(0.5, 0.001, 2000);
    close(g, richardson((h) => chain(0.5 + h, 0.001, 2000), 0.5), 1e-6, "∂f/∂x at depth 2000");
    close(grad(chain, { wrt: 0, engine: "tape" })(0.5, 0.001, 2000), g, 1e-12, "tape");
    close(jvp(chain)([0.5, 0.001, 2000], [1, 0, 0])[1], g, 1e-12, "jvp");
  });

  it("10,000 levels on every engine with the stack the error message advises (node --stack-size=3900)", () => {
    const run = spawnSync(process.execPath, ["--stack-size=3900", "bin/gradc.js", "run", "test/fixtures/deep-recursion.ts", "10000"], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const d = JSON.parse(run.stdout) as Record<"reverse" | "forward" | "tape" | "differences", number>;
    close(d.reverse, d.differences, 1e-6, "reverse at depth 10,000 vs central differences");
    close(d.forward, d.reverse, 1e-12, "forward");
    close(d.tape, d.reverse, 1e-12, "tape");
  });

  it("a recursion deeper than the stack is reported, naming the function, on every engine", () => {
    const tooDeep = /gradc: the derivative of 'chain' recursed deeper than the JavaScript stack allows/;
    expect(() => grad(chain, { wrt: 0 })(0.5, 0.001, 1_000_000)).toThrow(tooDeep);
    expect(() => grad(chain, { wrt: 0, engine: "tape" })(0.5, 0.001, 1_000_000)).toThrow(tooDeep);
    expect(() => jvp(chain)([0.5, 0.001, 1_000_000], [1, 0, 0])).toThrow(tooDeep);
    expect(() => vjp(chain)(0.5, 0.001, 1_000_000)).toThrow(tooDeep);
    // vjp's pullback runs later, deeper than the value did (the reverse function's frames are
    // larger): at any depth it either works or reports the recursion, never a bare RangeError.
    const outcome = (run: () => unknown) => {
      try {
        run();
        return "ok";
      } catch (error) {
        return (error as Error).message;
      }
    };
    for (const depth of [3_000, 9_000, 30_000]) {
      const first = outcome(() => vjp(chain)(0.5, 0.001, depth));
      expect(first === "ok" || tooDeep.test(first), first).toBe(true);
      if (first !== "ok") continue;
      const [, pullback] = vjp(chain)(0.5, 0.001, depth);
      const second = outcome(() => pullback(1));
      expect(second === "ok" || tooDeep.test(second), second).toBe(true);
    }
  });
});

describe("recursion over arrays it only reads", () => {
  const F = (...xs: number[]) => Float64Array.from(xs);
  const arrayCases: { name: string; f: Fn; grad: Fn; tape: Fn; jvp: Fn; wasm: Fn; wasmJvp: Fn; point: () => unknown[]; wrt: number[] }[] = [
    { name: "rangeSum (divide and conquer)", f: rangeSum, grad: grad(rangeSum, { wrt: [0, 1] }), tape: grad(rangeSum, { wrt: [0, 1], engine: "tape" }), jvp: jvp(rangeSum), wasm: grad(rangeSum, { wrt: [0, 1], engine: "wasm" }), wasmJvp: jvp(rangeSum, { engine: "wasm" }), point: () => [F(0.3, -0.8, 1.2, 0.5, -0.1), F(1.1, 0.4, -0.7, 0.9, 0.2), 0, 5], wrt: [0, 1] },
    { name: "horner (linear recursion from the end)", f: horner, grad: grad(horner, { wrt: [0, 1] }), tape: grad(horner, { wrt: [0, 1], engine: "tape" }), jvp: jvp(horner), wasm: grad(horner, { wrt: [0, 1], engine: "wasm" }), wasmJvp: jvp(horner, { engine: "wasm" }), point: () => [F(0.5, -0.3, 0.8, 0.2), 0.7, 3], wrt: [0, 1] },
    { name: "freshPerIteration (arrays allocated in each iteration, filled, then recursed over)", f: freshPerIteration, grad: grad(freshPerIteration), tape: grad(freshPerIteration, { engine: "tape" }), jvp: jvp(freshPerIteration), wasm: grad(freshPerIteration, { engine: "wasm" }), wasmJvp: jvp(freshPerIteration, { engine: "wasm" }), point: () => [F(0.4, -0.7, 1.1)], wrt: [0] },
    { name: "smoothedRangeSum (a local array filled, then recursed over)", f: smoothedRangeSum, grad: grad(smoothedRangeSum), tape: grad(smoothedRangeSum, { engine: "tape" }), jvp: jvp(smoothedRangeSum), wasm: grad(smoothedRangeSum, { engine: "wasm" }), wasmJvp: jvp(smoothedRangeSum, { engine: "wasm" }), point: () => [F(0.3, -0.8, 1.2, 0.5), F(1.1, 0.4, -0.7, 0.9)], wrt: [0, 1] },
  ];
  it.each(arrayCases)("$name: reverse, forward, tape and wasm agree with central differences", (c) => {
    const args = c.point();
    const g = c.grad(...c.point());
    const t = c.tape(...c.point());
    const w = c.wasm(...c.point());
    for (const [k, index] of c.wrt.entries()) {
      for (const coord of coordinates(args[index], index)) {
        const numeric = richardson((h) => c.f(...shifted(c.point(), coord, h)), read(args, coord));
        const here = { ...coord, arg: k };
        close(entry(g, here), numeric, 1e-6, `∂f/∂${index}[${coord.element}]`);
        close(entry(t, here), entry(g, here), 1e-12, "tape");
        const [value, tangent] = c.jvp(c.point(), unitTangents(c.point(), coord));
        expect(value).toBe(c.f(...c.point()));
        close(tangent, entry(g, here), 1e-12, "jvp");
        close(entry(w, here), entry(g, here), 1e-12, "wasm");
        close(c.wasmJvp(c.point(), unitTangents(c.point(), coord))[1], tangent, 1e-12, "wasm jvp");
      }
    }
  });
});
