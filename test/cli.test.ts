/** The command line, run as a user runs it: `gradc run`, `gradc emit`, `gradc check`. */
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { simulate } from "./fixtures/cli/physics.js";
import { richardson } from "./support/numeric.js";

const BIN = path.resolve("bin/gradc.js");
const gradc = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });

describe("gradc run", () => {
  it("runs a file whose differentiated function is imported from another module", () => {
    const out = execFileSync(process.execPath, [BIN, "run", "test/fixtures/cli/main.ts", "3", "0.2", "120"], { encoding: "utf8" });
    const result = JSON.parse(out);
    const [v0, c, steps] = [3, 0.2, 120];
    expect(result.value).toBeCloseTo(simulate(v0, c, steps), 12);
    const dv0 = richardson((h) => simulate(v0 + h, c, steps), v0);
    const dc = richardson((h) => simulate(v0, c + h, steps), c);
    expect(result.grad[0]).toBeCloseTo(dv0, 7);
    expect(result.grad[1]).toBeCloseTo(dc, 7);
    expect(result.valueAndGrad).toEqual(result.grad);
    expect(Math.abs(result.jvp - result.grad[0])).toBeLessThan(1e-12 * Math.max(1, Math.abs(dv0)));
  });

  it("fails with a diagnostic, not a stack trace, on unsupported code", () => {
    const r = gradc("run", "test/fixtures/cli/broken.ts");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("broken.ts:4:");
    expect(r.stderr).toContain("values.reduce");
    expect(r.stderr).toContain("hint:");
    expect(r.stderr).not.toMatch(/\n\s+at .*compiler\//);
  });
});

describe("gradc run: the program's arguments and errors are the program's own", () => {
  it("passes every argument after FILE to the program, --help included", () => {
    const r = gradc("run", "test/fixtures/cli/throws.ts", "--help", "-x", "1");
    expect(JSON.parse(r.stdout.split("\n")[0]!)).toEqual({ args: ["--help", "-x", "1"], gradient: [6] });
  });

  it("keeps an uncaught error's type and stack, at the user's real file and line", () => {
    const r = gradc("run", "test/fixtures/cli/throws.ts");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("CalibrationError: sensor out of range");
    expect(r.stderr).toContain(`at calibrate (${path.resolve("test/fixtures/cli/throws.ts")}:14:9)`);
  });

  it("reports a syntax error at file:line:col", () => {
    const r = gradc("run", "test/fixtures/cli/syntax-error.ts");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("syntax-error.ts:4:13 - error: syntax error: ')' expected.");
  });

  it("writes nothing to the temporary folder", () => {
    // A temporary folder of its own: other tests running in parallel use the shared one.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "gradc-run-tmpdir-"));
    try {
      const r = spawnSync(process.execPath, [BIN, "run", "test/fixtures/cli/throws.ts"], { encoding: "utf8", env: { ...process.env, TMPDIR: tmp } });
      expect(r.stderr).toContain("CalibrationError");
      expect(fs.readdirSync(tmp)).toEqual([]);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe("gradc --version", () => {
  it("prints the package's version", () => {
    const { version } = JSON.parse(fs.readFileSync("package.json", "utf8")) as { version: string };
    expect(gradc("--version").stdout.trim()).toBe(version);
  });
});

describe("gradc emit", () => {
  it("prints the module with forward and reverse functions named after the source", () => {
    const r = gradc("emit", "dsl-examples/lecture.ts");
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("function f_rev(x1: number, x2: number, result_bar: number)");
    expect(r.stdout).toContain("function f_fwd(x1: number, x1_dot: number, x2: number, x2_dot: number)");
    expect(r.stdout).toContain("// line 10: const b = Math.sin(a);");
    expect(r.stdout).toContain("export function f_grad(");
  });

  it("writes the transformed module and its source map with --out", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gradc-emit-"));
    onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const r = gradc("emit", "dsl-examples/lecture.ts", "--out", dir);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(path.join(dir, "lecture.ts"), "utf8")).toContain("function f_rev(");
    expect(JSON.parse(fs.readFileSync(path.join(dir, "lecture.ts.map"), "utf8")).mappings.length).toBeGreaterThan(0);
  });
});

describe("gradc check", () => {
  it("exits 0 on a module gradc can differentiate, with its imports", () => {
    const r = gradc("check", "test/fixtures/cli/main.ts");
    expect(r.status).toBe(0);
    expect(r.stderr).toContain("2 module(s) checked");
  });

  it("exits 1 on a syntax error, at its file:line:col", () => {
    const r = gradc("check", "test/fixtures/cli/syntax-error.ts");
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("syntax-error.ts:4:13 - error: syntax error: ')' expected.");
    expect(r.stderr).toContain("> 4 |   if (y > 1 {");
  });

  it("exits 1 and prints file:line:col with a code frame on errors", () => {
    const r = gradc("check", "test/fixtures/cli/broken.ts");
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/broken\.ts:4:\d+ - error: /);
    expect(r.stderr).toContain("> 4 |");
  });
});
