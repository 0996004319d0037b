/**
 * User-defined derivatives (defineRule; compiler/front/rules.ts, compiler/differentiate/rules.ts).
 * A rule is used where the body's own derivative would differ — NaN from overflow, 0 from a step
 * — so each result shows that the rule ran and not the body; where the two agree (smooth, moderate
 * points) the rule-based gradient is checked against central differences of f. Every engine and
 * mode must use the rule: compiled reverse and forward, vjp, the tape, WebAssembly, second order.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { grad, hessian, jvp, vjp } from "gradc";
import { transformModuleAsync } from "../compiler/index.js";
import { iterated, logAddExp, quantized, softplus, softplusLoss } from "./fixtures/rules.js";
import { logisticLoss, logisticLossGrad, logisticLossHessian, logisticLossJvp, logisticLossTape } from "./fixtures/rules-external.js";
import { richardson } from "./support/numeric.js";

const engines = {
  compiled: grad(softplusLoss),
  tape: grad(softplusLoss, { engine: "tape" }),
  wasm: grad(softplusLoss, { engine: "wasm" }),
};

function close(actual: number, expected: number, tol: number, label: string): void {
  expect(Math.abs(actual - expected) / Math.max(1, Math.abs(expected)), `${label}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tol);
}
const flat = (g: unknown) => (g as (number | Float64Array)[]).flatMap((v) => (typeof v === "number" ? [v] : Array.from(v)));

describe("defineRule", () => {
  it("softplus at 1000: the body's derivative is NaN, the rule's is 1 — on every engine and mode", () => {
    expect(Number.isNaN(Math.exp(1000) / (1 + Math.exp(1000)))).toBe(true);
    expect(grad(softplus)(1000)).toEqual([1]);
    expect(grad(softplus, { engine: "tape" })(1000)).toEqual([1]);
    expect(grad(softplus, { engine: "wasm" })(1000)).toEqual([1]);
    expect(jvp(softplus)([1000], [2])).toEqual([Infinity, 2]);
    const [, pullback] = vjp(softplus)(1000);
    expect(pullback(3)).toEqual([3]);
    // second order through the rule: d/dx σ(x) = σ(x)(1 − σ(x)), 0 at 1000 and 1/4 at 0
    expect(hessian(softplus)(1000)).toEqual([[0]]);
    close(hessian(softplus)(0)[0][0], 0.25, 1e-15, "softplus'' (0)");
  });

  it("logAddExp: partials read the value, finite where the naive body overflows", () => {
    const [ga, gb] = grad(logAddExp)(1000, 999);
    // (the rule's e^(a − value), with value rounded, against the logistic function: equal to rounding)
    close(ga, 1 / (1 + Math.exp(-1)), 1e-13, "∂/∂a");
    close(gb, 1 / (1 + Math.exp(1)), 1e-13, "∂/∂b");
    close(ga + gb, 1, 1e-13, "sum of the softmax weights");
  });

  it("the straight-through estimator: round's rule says 1 where its body's derivative is 0", () => {
    const [ga, gb] = grad(quantized)(0.4, 1.7);
    // ∂/∂a: 3·b (through the rule) + 2a·round(b); ∂/∂b: round(3a) + a² (through the rule)
    close(ga, 3 * 1.7 + 2 * 0.4 * Math.round(1.7), 1e-15, "∂/∂a");
    close(gb, Math.round(1.2) + 0.4 * 0.4, 1e-15, "∂/∂b");
    const tape = grad(quantized, { engine: "tape" })(0.4, 1.7);
    const wasm = grad(quantized, { engine: "wasm" })(0.4, 1.7);
    const [, tangent] = jvp(quantized)([0.4, 1.7], [1, 0]);
    expect(tape).toEqual([ga, gb]);
    expect(wasm).toEqual([ga, gb]);
    close(tangent, ga, 1e-15, "jvp along a");
    // second order: ∂²/∂a² = 2·round(b), ∂²/∂a∂b = 3 + 2a (rule of round(b) is 1)
    const H = hessian(quantized)(0.4, 1.7);
    close(H[0][0], 2 * Math.round(1.7), 1e-15, "∂²/∂a²");
    close(H[0][1], 3 + 2 * 0.4, 1e-15, "∂²/∂a∂b");
    close(H[1][0], 3 + 2 * 0.4, 1e-15, "∂²/∂b∂a");
    close(H[1][1], 0, 1e-15, "∂²/∂b²");
  });

  it("where the rule and the body agree, the gradient matches central differences, on every engine (three-operand rules too)", () => {
    const w = Float64Array.from([0.3, -0.8, 1.1, 0.45]);
    const x = Float64Array.from([1.2, 0.5, -0.7, 2.0]);
    const bias = 0.35;
    const reference = flat(engines.compiled(w, x, bias));
    const point = [w, x, bias] as const;
    let k = 0;
    for (const [i, size] of [[0, 4], [1, 4], [2, 1]] as const) {
      for (let j = 0; j < size; j++, k++) {
        const moved = (h: number) => {
          const [w2, x2] = [w.slice(), x.slice()];
          let b2 = bias;
          if (i === 0) w2[j] += h;
          else if (i === 1) x2[j] += h;
          else b2 += h;
          return softplusLoss(w2, x2, b2);
        };
        close(reference[k], richardson(moved, point[i] instanceof Float64Array ? (point[i] as Float64Array)[j] : bias), 1e-9, `entry ${k}`);
      }
    }
    close(flat(engines.tape(w, x, bias)).reduce((s, v, q) => s + Math.abs(v - reference[q]), 0), 0, 1e-13, "tape");
    close(flat(engines.wasm(w, x, bias)).reduce((s, v, q) => s + Math.abs(v - reference[q]), 0), 0, 1e-13, "wasm");
    const [, tangent] = jvp(softplusLoss)([w, x, bias], [Float64Array.from([1, 0, 0, 0]), new Float64Array(4), 0]);
    close(tangent, reference[0], 1e-13, "jvp");
  });

  it("a rule in a loop that overwrites its argument: central differences, three engines, jvp, vjp and the Hessian agree", () => {
    const w = Float64Array.from([0.9, 1.1, 0.7]);
    const [gx, gw] = grad(iterated, { wrt: [0, 2] })(0.8, 5, w);
    close(gx, richardson((h) => iterated(0.8 + h, 5, w), 0.8), 1e-8, "∂/∂x");
    gw.forEach((g, j) =>
      close(g, richardson((h) => iterated(0.8, 5, Float64Array.from(w, (v, k) => (k === j ? v + h : v))), w[j]), 1e-8, `∂/∂w${j}`),
    );
    for (const other of [grad(iterated, { wrt: [0, 2], engine: "tape" }), grad(iterated, { wrt: [0, 2], engine: "wasm" })]) {
      const [ox, ow] = other(0.8, 5, w);
      close(ox, gx, 1e-12, "x on another engine");
      ow.forEach((g, j) => close(g, gw[j], 1e-12, `w${j} on another engine`));
    }
    close(jvp(iterated, { engine: "wasm" })([0.8, 5, w], [1, 0, new Float64Array(3)])[1], gx, 1e-12, "wasm jvp");
    close(vjp(iterated, { wrt: [0, 2], engine: "wasm" })(0.8, 5, w)[1](1)[0], gx, 1e-12, "wasm vjp");
    const second = hessian(iterated, { wrt: [0] })(0.8, 5, w)[0][0];
    close(second, richardson((h) => grad(iterated, { wrt: 0 })(0.8 + h, 5, w), 0.8), 1e-7, "∂²/∂x²");
  });

  it("a Hessian through rules agrees with differences of the rule-based gradient", () => {
    const w = Float64Array.from([0.3, -0.8]);
    const x = Float64Array.from([1.2, 0.5]);
    const H = hessian(softplusLoss, { wrt: [0, 2] })(w, x, 0.35);
    const g = grad(softplusLoss, { wrt: [0, 2] });
    const column = (j: number, k: number) =>
      richardson((h) => {
        const w2 = w.slice();
        let b = 0.35;
        if (j < 2) w2[j] += h;
        else b += h;
        return flat(g(w2, x, b))[k];
      }, 0);
    for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) close(H[j][k], column(j, k), 1e-7, `H[${j}][${k}]`);
  });

  it("a function gradc cannot read (plain JavaScript) is differentiated through its rule, in the module that declares the rule", async () => {
    for (const [a, b] of [[0.7, -1.2], [2, 0.4]]) {
      const g = logisticLossGrad(a, b);
      const numeric = [richardson((h) => logisticLoss(a + h, b), a), richardson((h) => logisticLoss(a, b + h), b)];
      g.forEach((gk, k) => close(gk, numeric[k], 1e-9, `∂/∂${"ab"[k]}`));
      expect(logisticLossTape(a, b)).toEqual(g);
      close(logisticLossJvp([a, b], [0.3, -0.8])[1], 0.3 * g[0] - 0.8 * g[1], 1e-14, "jvp");
      const H = logisticLossHessian(a, b);
      for (let j = 0; j < 2; j++) {
        for (let k = 0; k < 2; k++) {
          const column = richardson((h) => logisticLossGrad(j === 0 ? a + h : a, j === 1 ? b + h : b)[k], 0);
          close(H[j][k], column, 1e-7, `H[${j}][${k}]`);
        }
      }
    }
    const file = path.resolve("test/fixtures/rules-elsewhere.ts");
    const readFile = (f: string) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined);
    const elsewhere = await transformModuleAsync(`import { grad } from "gradc";\nimport { logisticLoss } from "./rules-external.js";\nexport const g = grad(logisticLoss);\n`, file, { readFile });
    expect(elsewhere.diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/'logistic' is a function gradc cannot read, known by its rule here; its derivatives can be generated only in this module/)]);
    const onWasm = await transformModuleAsync(fs.readFileSync("test/fixtures/rules-external.ts", "utf8").replace('grad(logisticLoss);', 'grad(logisticLoss, { engine: "wasm" });'), path.resolve("test/fixtures/rules-external.ts"), { readFile });
    expect(onWasm.diagnostics.map((d) => d.message)).toEqual([expect.stringMatching(/engine "wasm": 'logistic' is not generated code the wasm engine can call/)]);
  });

  it("a rule that does not fit is a diagnostic at the defineRule call", async () => {
    const compile = async (body: string) => {
      const file = path.resolve("test/fixtures/rules-probe.ts");
      const { diagnostics } = await transformModuleAsync(`import { grad, defineRule } from "gradc";\n${body}\n`, file, { readFile: (f) => (fs.existsSync(f) ? fs.readFileSync(f, "utf8") : undefined) });
      return diagnostics.map((d) => `${d.line}: ${d.message}`);
    };
    expect(await compile(`function f(x: number, y: number): number { return x * y; }\ndefineRule(f, (x, y, v) => [y]);\nexport const g = grad(f);`)).toEqual([expect.stringMatching(/^3: the rule for 'f' gives 1 partial for 2 parameters/)]);
    expect(await compile(`function f(x: Float64Array): number { return x[0]; }\ndefineRule(f, (x, v) => [1]);\nexport const g = grad(f);`)).toEqual([expect.stringMatching(/^3: a rule gives partials to a function of numbers that returns a number; 'f' is not one/)]);
    expect(await compile(`const k = 2;\nfunction f(x: number): number { return k * x; }\ndefineRule(f, (x, v) => [k]);\nexport const g = grad(f);`)).toEqual([expect.stringMatching(/^4: a rule's partial may read f's parameters and value, not 'k'/)]);
    expect(await compile(`function f(x: number): number { return x; }\ndefineRule(f, (x, v) => [x > 0 ? 1 : 0]);\nexport const g = grad(f);`)).toEqual([expect.stringMatching(/a rule's partial is an expression of f's parameters and value/)]);
    expect(await compile(`function f(x: number): number { return x; }\ndefineRule(f, (x, v) => [1]);\ndefineRule(f, (x, v) => [2]);\nexport const g = grad(f);`)).toEqual([expect.stringMatching(/^4: 'f' already has a rule in this module/)]);
    // a rule for a function another TypeScript module declares would be ignored there: an error
    expect(await compile(`import { softplus } from "./rules.js";\ndefineRule(softplus, (x, v) => [1]);\nexport const g = grad(softplus);`)).toEqual([expect.stringMatching(/^3: 'softplus' is declared in rules.ts: its rule must be declared there/)]);
  });
});
