/**
 * `gradc bench` and `gradc compare`, run as a user runs them (the built CLI in dist/, which npm's
 * pretest builds). Few, short rounds: these tests check the tables and the numbers' agreement,
 * not the timings.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { scratchFolders } from "./support/scratch.js";
import type { BenchReport } from "../cli/bench.js";
import type { CompareReport } from "../cli/compare.js";

const BIN = path.resolve("bin/gradc.js");
const gradc = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
const tmp = scratchFolders();

describe("gradc bench FILE", () => {
  const out = path.join(tmp("gradc-bench-test-"), "bench.json");
  let r: ReturnType<typeof gradc>;
  beforeAll(() => {
    r = gradc("bench", "test/fixtures/cli/bench-user.ts", "--rounds", "3", "--json", out);
  }, 120_000);

  it("exits 0 and prints a row for every engine of every function", () => {
    expect(r.stderr).not.toMatch(/MISMATCH|error/i);
    expect(r.status).toBe(0);
    const header = r.stdout.split("\n")[0]!.split("|").map((c) => c.trim()).filter(Boolean);
    expect(header).toEqual(["function", "inputs", "engine", "work", "gradient", "spread (min–max)", "forward", "gradient / forward", "vs gradc reverse", "check (rel. error)"]);
    for (const [fn, inputs] of [
      ["lecture", 2],
      ["rosenbrock", 10],
    ] as const) {
      for (const engine of ["gradc reverse", "gradc forward", "tape", "finite differences"]) {
        expect(r.stdout).toMatch(new RegExp(`^\\| ${fn} +\\| +${inputs} \\| ${engine} +\\|`, "m"));
      }
    }
    expect(r.stdout).toMatch(/\| rosenbrock +\| +10 \| gradc forward +\| 10 jvp passes +\|/);
    expect(r.stdout).toMatch(/\| rosenbrock +\| +10 \| finite differences +\| 40 calls of f +\|/);
  });

  it("checks every engine's gradient against gradc reverse, and says so", () => {
    expect(r.stdout).toContain("gradient check: passed");
    const report = JSON.parse(fs.readFileSync(out, "utf8")) as BenchReport;
    expect(report.ok).toBe(true);
    expect(report.functions.map((f) => [f.name, f.inputs])).toEqual([
      ["lecture", 2],
      ["rosenbrock", 10],
    ]);
    for (const fn of report.functions) {
      expect(fn.engines.map((e) => e.engine)).toEqual(["gradc reverse", "gradc forward", "tape", "finite differences"]);
      expect(fn.forward.median).toBeGreaterThan(0);
      for (const row of fn.engines) {
        expect(row.ok).toBe(true);
        expect(row.gradient.median).toBeGreaterThan(0);
        expect(row.gradient.min).toBeLessThanOrEqual(row.gradient.median);
        expect(row.gradient.max).toBeGreaterThanOrEqual(row.gradient.median);
        expect(row.gradientPerForward).toBeCloseTo(row.gradient.median / fn.forward.median, 10);
      }
      const error = (engine: string) => fn.engines.find((x) => x.engine === engine)!.error;
      expect(error("gradc reverse")).toBeLessThan(1e-12);
      expect(error("gradc forward")).toBeLessThan(1e-12);
      expect(error("tape")).toBeLessThan(1e-12);
      expect(error("finite differences")).toBeLessThan(1e-6);
    }
    expect(report.functions[0]!.value).toBeCloseTo(2.016646669428201, 12);
  });

  /** `gradc bench` on a file holding `source`, which it must refuse. */
  function benchRefusing(name: string, source: string) {
    const file = path.join(tmp(`gradc-bench-${name}-`), `${name}.ts`);
    fs.writeFileSync(file, source);
    const bad = gradc("bench", file);
    expect(bad.status).toBe(1);
    return bad;
  }

  it("reports a benchmarks object it cannot read at its line, and exits 1", () => {
    const bad = benchRefusing("bad", "function g(x: number): number {\n  return x * x;\n}\nexport const benchmarks = {\n  square: { f: (g), args: [2] },\n  cube: { f: [g][0], args: [2] },\n};\n");
    expect(bad.stderr).toContain("bad.ts:6:");
    expect(bad.stderr).toContain("f must name a function");
  });

  it("reports gradc's diagnostics for a function it cannot differentiate", () => {
    const bad = benchRefusing("unsupported", "function g(x: number[]): number {\n  return x.reduce((a, b) => a + b, 0);\n}\nexport const benchmarks = { sum: { f: g, args: [[1, 2]] } };\n");
    expect(bad.stderr).toContain("unsupported.ts:2:");
    expect(bad.stderr).not.toMatch(/\n\s+at .*compiler\//);
  });
});

describe("gradc compare (the lecture example by default)", () => {
  const dir = tmp("gradc-compare-test-");
  let r: ReturnType<typeof gradc>;
  let report: CompareReport;
  beforeAll(() => {
    r = gradc("compare", "--out", dir, "--rounds", "3");
    report = JSON.parse(fs.readFileSync(path.join(dir, "compare.json"), "utf8")) as CompareReport;
  }, 120_000);

  it("exits 0 and prints every table", () => {
    expect(r.status).toBe(0);
    for (const heading of ["## Symbolic differentiation", "## Expression swell", "## Numerical differentiation", "## Cost: time per gradient", "## Cost against the number of inputs"]) {
      expect(r.stdout).toContain(heading);
    }
    expect(report.function).toBe("f");
    expect(report.at).toEqual([1.5, 0.5]);
  });

  it("evaluates the symbolic derivative to gradc's gradient", () => {
    expect(report.gradient[0]).toBeCloseTo(3.011843327673907, 12);
    expect(report.gradient[1]).toBeCloseTo(-13.723961509314076, 12);
    if (!report.symbolic.supported) throw new Error(report.symbolic.reason);
    expect(report.symbolic.errorVsGradc).toBeLessThan(1e-12);
    report.symbolic.gradient.forEach((g, i) => expect(Math.abs(g - report.gradient[i]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(report.gradient[i]!))));
    // The printed formula is what the size counts.
    for (const d of report.symbolic.derivatives) expect(d.expression!.length).toBe(d.characters);
    expect(r.stdout).toContain("∂f/∂x1 = ");
  });

  it("shows symbolic derivatives swelling faster than gradc's code as the chain grows", () => {
    if (!report.growth.supported) throw new Error(report.growth.reason);
    const at = (n: number) => report.growth.supported && report.growth.steps.find((s) => s.n === n)!;
    expect(report.growth.steps.map((s) => s.n)).toEqual([1, 2, 4, 8, 16]);
    const [two, eight, sixteen] = [at(2), at(8), at(16)];
    if (!two || !eight || !sixteen) throw new Error("missing steps");
    expect(eight.ratio).toBeGreaterThan(two.ratio);
    expect(eight.ratio).toBeGreaterThan(10 * two.ratio);
    // gradc's code grows linearly: twice the steps, about twice the code.
    expect(sixteen.gradc.bytes / eight.gradc.bytes).toBeLessThan(2.5);
    // The symbolic derivatives of the chains agree with gradc's where the chain's value is finite.
    for (const s of report.growth.steps) if (s.errorVsGradc !== null) expect(s.errorVsGradc).toBeLessThan(1e-10);
  });

  it("finds the central differences' error smallest at an interior step h", () => {
    const { errors, best } = report.finiteDifferences;
    expect(errors.map((e) => e.h)).toEqual(Array.from({ length: 12 }, (_, i) => 10 ** -(i + 1)));
    const index = errors.findIndex((e) => e.h === best.h);
    expect(index).toBeGreaterThan(0);
    expect(index).toBeLessThan(errors.length - 1);
    expect(best.error).toBeLessThan(errors[0]!.error);
    expect(best.error).toBeLessThan(errors[errors.length - 1]!.error);
  });

  it("measures AD exact to rounding, and writes both plots", () => {
    const reverse = report.cost.find((c) => c.method === "gradc reverse mode (AD)")!;
    const forward = report.cost.find((c) => c.method === "gradc forward mode (AD)")!;
    expect(reverse.error).toBeLessThan(1e-14);
    expect(forward.error).toBeLessThan(1e-14);
    expect(reverse.perForward).toBeGreaterThan(0);
    expect(report.scaling.map((s) => s.finiteDifferenceEvaluations)).toEqual([4, 16, 64, 256]);
    for (const name of ["derivative-size.svg", "finite-difference-error.svg"]) {
      expect(fs.readFileSync(path.join(dir, name), "utf8")).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    }
  });

  it("compares a user's function given by name and point, and explains what it cannot do symbolically", () => {
    const userDir = tmp("gradc-compare-user-");
    const file = path.join(userDir, "user.ts");
    fs.writeFileSync(
      file,
      [
        "const K = 2;",
        "function helper(u: number): number {",
        "  return Math.tanh(K * u);",
        "}",
        "export function g(x: number, y: number): number {",
        "  let s = 0;",
        "  for (let i = 0; i < 3; i++) s += helper(x * i) * y;",
        "  return s;",
        "}",
        "export function branchy(x: number): number {",
        "  if (x > 0) return x * x;",
        "  return -x;",
        "}",
        "",
      ].join("\n"),
    );
    const ok = gradc("compare", file, "--function", "g", "--at", "0.3,-1.2", "--rounds", "2");
    expect(ok.status).toBe(0);
    // A loop with a constant trip count unrolls, a helper inlines, a module constant folds.
    expect(ok.stdout).toContain("g = Math.tanh(2 * x) * y + Math.tanh(2 * (x * 2)) * y");
    expect(ok.stdout).toMatch(/The symbolic gradient equals gradc's to (0|\d\.\de-1[4-7]) /);
    expect(ok.stdout).toContain("## Expression swell: g grown into a chain of n steps (x ← g(x, y), n times)");
    const branch = gradc("compare", file, "--function", "branchy", "--at", "0.5", "--rounds", "2");
    expect(branch.status).toBe(0);
    expect(branch.stdout).toContain("not available: the function branches (or loops) on a value that depends on its inputs");
    expect(branch.stdout).toContain("user.ts:11: if (x > 0) return x * x;");
    expect(branch.stdout).toContain("not available: the chains need a single `return`, as the last statement of 'branchy'");
    expect(branch.stdout).toContain("## Numerical differentiation");
    const missing = gradc("compare", file, "--function", "g");
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain("--at");
  });
});
