/**
 * The package as users get it: the tarball `npm pack` makes, installed (not linked) into a fresh
 * project — a copy of test/package/project — on plain Node. Every integration builds that project
 * and runs what it produced, and the gradients are checked against values derived by hand:
 * cross-module imports, re-exports through an index and a `@differentiable` library included.
 *
 * One install serves every test. The build tools themselves (Vite, Rollup, webpack, ts-patch…)
 * are the repository's dev dependencies, linked into the project: they are what the user brings,
 * gradc is what is under test. `npm test` builds dist/ first (pretest).
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, runBrowserDemo } from "./support/browser.js";

const REPO = path.resolve(".");
/** Tools a user would install beside gradc, linked from this repository's node_modules. */
const USER_TOOLS = ["vite", "vitest", "rollup", "rollup-plugin-esbuild", "webpack", "ts-loader", "ts-patch"];
const LECTURE = { value: 2.016646669428201, gradient: [3.011843327673907, -13.723961509314076] };

let scratch: string;
let project: string;

beforeAll(async () => {
  if (!fs.existsSync(path.join(REPO, "dist", "runtime", "index.js"))) throw new Error("dist/ is missing: run `npm run build` (npm test runs it first)");
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "gradc-package-"));
  const packed = await sh("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", scratch], REPO);
  const tarball = path.join(scratch, packed.stdout.trim().split("\n").pop()!);
  project = path.join(scratch, "project");
  fs.cpSync(path.join(REPO, "test", "package", "project"), project, { recursive: true });
  // The browser demo, as a user would have it beside their code (its own node_modules and build aside).
  fs.cpSync(path.join(REPO, "examples", "browser"), path.join(project, "browser"), {
    recursive: true,
    filter: (src) => !/[\\/](node_modules|dist)$/.test(src),
  });
  await sh("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error", tarball], project);
  for (const tool of USER_TOOLS) fs.symlinkSync(path.join(REPO, "node_modules", tool), path.join(project, "node_modules", tool), "dir");
}, 300_000);

afterAll(() => {
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }); // a stopped watcher may still be writing
});

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end. Asynchronous on purpose: a worker blocked in spawnSync for a minute
 * cannot answer Vitest's RPC, which under load fails the run ("Timeout calling onTaskUpdate").
 */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

/** Runs a command; throws with its output unless it exits 0. */
async function sh(command: string, args: string[], cwd: string): Promise<Result> {
  const r = await run(command, args, cwd);
  if (r.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

const node = (args: string[], cwd = project) => sh(process.execPath, args, cwd);
const nodeFails = (args: string[], cwd = project) => run(process.execPath, args, cwd);

/** Rosenbrock's gradient, derived by hand: the project's array function. */
function rosenbrockGradient(x: number[]): number[] {
  const g = x.map(() => 0);
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i + 1]! - x[i]! * x[i]!;
    g[i]! += -400 * x[i]! * a - 2 * (1 - x[i]!);
    g[i + 1]! += 200 * a;
  }
  return g;
}

// What src/cli.ts prints, checked: the lecture example, Rosenbrock and the annotated library.
function expectResults(stdout: string): void {
  const results = JSON.parse(stdout.trim().split("\n").pop()!) as {
    lecture: number[];
    lectureValue: number;
    rosenbrock: { value: number; gradient: number[] };
    energy: number[];
    rosenbrockHessian: number[][];
  };
  expect(results.lectureValue).toBeCloseTo(LECTURE.value, 12);
  expect(results.lecture[0]).toBeCloseTo(LECTURE.gradient[0]!, 12);
  expect(results.lecture[1]).toBeCloseTo(LECTURE.gradient[1]!, 12);
  const x = [-1.2, 1, 0.5, 2];
  const expected = rosenbrockGradient(x);
  expect(results.rosenbrock.value).toBeCloseTo(355.7, 10);
  results.rosenbrock.gradient.forEach((g, i) => expect(g).toBeCloseTo(expected[i]!, 9));
  // energy(x, y) = x²y + cos y at (1.5, 0.5): (2xy, x² − sin y).
  expect(results.energy[0]).toBeCloseTo(2 * 1.5 * 0.5, 12);
  expect(results.energy[1]).toBeCloseTo(1.5 ** 2 - Math.sin(0.5), 12);
  // Rosenbrock's Hessian by hand: tridiagonal, H[i][i] = 1200xᵢ² − 400xᵢ₊₁ + 2 (+ 200 past the first), H[i][i+1] = −400xᵢ.
  const n = x.length;
  results.rosenbrockHessian.forEach((row, i) =>
    row.forEach((h, j) => {
      const diagonal = (i + 1 < n ? 1200 * x[i]! ** 2 - 400 * x[i + 1]! + 2 : 0) + (i > 0 ? 200 : 0);
      const expectedEntry = i === j ? diagonal : j === i + 1 ? -400 * x[i]! : i === j + 1 ? -400 * x[j]! : 0;
      expect(h).toBeCloseTo(expectedEntry, 9);
    }),
  );
}

describe("bundler plugins (gradc/plugin)", () => {
  it("esbuild: gradc.esbuild()", async () => {
    await node(["build-esbuild.mjs"]);
    expectResults((await node(["out/esbuild/cli.mjs"])).stdout);
  });

  it("Rollup: gradc.rollup()", async () => {
    await node(["build-rollup.mjs"]);
    expectResults((await node(["out/rollup/cli.mjs"])).stdout);
  });

  it("webpack: gradc.webpack()", async () => {
    await node(["build-webpack.mjs"]);
    expectResults((await node(["out/webpack/cli.cjs"])).stdout);
  });

  it("Vite build: gradc.vite()", async () => {
    await node(["node_modules/vite/bin/vite.js", "build", "--logLevel", "error"]);
    expectResults((await node(["out/vite/cli.js"])).stdout);
  });

  it("Vite dev server, modules loaded on demand (SSR): gradc.vite()", async () => {
    expectResults((await node(["vite-dev-ssr.mjs"])).stdout);
  });

  it("Vitest: gradc.vite() in vitest.config.ts", async () => {
    // A Vitest of the user's own, not a worker of this one: none of this run's VITEST_* variables.
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VITEST")));
    const r = await run(process.execPath, ["node_modules/vitest/vitest.mjs", "run"], project, { ...env, NO_COLOR: "1", FORCE_COLOR: "0" });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Tests\s+1 passed/);
  });

  it("fails the build with file:line:col and a code frame on unsupported code", async () => {
    const r = await nodeFails(["-e", `import("gradc/plugin").then(async ({ default: gradc }) => {
      const esbuild = await import("esbuild");
      await esbuild.build({ entryPoints: ["broken/unsupported.ts"], bundle: true, write: false, platform: "node", format: "esm", logLevel: "silent", plugins: [gradc.esbuild()] });
    }).catch((e) => { console.error(e.message); process.exit(1); })`]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("broken/unsupported.ts:4:10 - error:");
    expect(r.stderr).toContain("> 4 |   return values.reduce");
  });
});

describe("TypeScript's emitter (gradc/tsc)", () => {
  it("program.emit with gradcTransformer(program): the output runs under plain node", async () => {
    await node(["build-tsc.mjs"]);
    expectResults((await node(["out/tsc/cli.js"])).stdout);
    // The generated exports of the @differentiable library are declared, with their types.
    expect(fs.readFileSync(path.join(project, "out/tsc/lib.d.ts"), "utf8")).toContain('export declare const energy_grad: import("gradc").GradFunction<typeof energy>;');
  });

  it("ts-patch's tspc with `\"transform\": \"gradc/tsc\"` in tsconfig.json", async () => {
    await node(["node_modules/ts-patch/bin/tspc.js", "-p", "tsconfig.tspatch.json"]);
    expectResults((await node(["out/tspc/cli.js"])).stdout);
    expect(fs.readFileSync(path.join(project, "out/tspc/lib.d.ts"), "utf8")).toContain("energy_vjp");
  });
});

describe("Node (gradc/register) and the command line", () => {
  it("node --import gradc/register runs TypeScript with derivatives", async () => {
    expectResults((await node(["--import", "gradc/register", "src/cli.ts"])).stdout);
  });

  it("node --import gradc/register reports a syntax error at file:line:col", async () => {
    const r = await nodeFails(["--import", "gradc/register", "broken/syntax.ts"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("broken/syntax.ts:4:13 - error: syntax error: ')' expected.");
  });

  it("npx gradc run, with the program's own arguments passed through", async () => {
    const r = await sh("npx", ["--no-install", "gradc", "run", "src/cli.ts", "--help"], project);
    expectResults(r.stdout);
  });

  it("npx gradc build: the project to JavaScript on disk", async () => {
    await sh("npx", ["--no-install", "gradc", "build", "--out-dir", "out/gradc-build"], project);
    expectResults((await node(["out/gradc-build/cli.js"])).stdout);
  });

  it("npx gradc build --watch rebuilds when a source changes", async () => {
    const outDir = path.join(project, "out/gradc-watch");
    // Its own process group: npx runs gradc as a child of its own, which must stop too.
    const child = spawn("npx", ["--no-install", "gradc", "build", "--watch", "--out-dir", outDir], { cwd: project, detached: true });
    try {
      const mainJs = path.join(outDir, "lib.js");
      await waitFor(() => fs.existsSync(mainJs) && fs.readFileSync(mainJs, "utf8").includes("energy_grad"));
      expectResults((await node([path.join(outDir, "cli.js")])).stdout);
      // Changing the library's function changes its generated gradient.
      const lib = path.join(project, "src/lib.ts");
      const original = fs.readFileSync(lib, "utf8");
      fs.writeFileSync(lib, original.replace("x * x * y", "3 * x * x * y"));
      try {
        await waitFor(() => fs.readFileSync(mainJs, "utf8").includes("3 * x"));
        await waitFor(async () => {
          const energy = (JSON.parse((await node([path.join(outDir, "cli.js")])).stdout) as { energy: number[] }).energy;
          return Math.abs(energy[0]! - 6 * 1.5 * 0.5) < 1e-12;
        });
      } finally {
        fs.writeFileSync(lib, original);
      }
    } finally {
      await stopProcessGroup(child.pid!);
    }
  });

  it("npx gradc train GridWorld trains with the package's prebuilt gradients; gradc export and gradc eval use the result", async () => {
    const r = await sh("npx", ["--no-install", "gradc", "train", "GridWorld", "--steps", "1500", "--out", "runs/grid"], project);
    expect(r.stdout).toContain("GridWorld:");
    const summary = JSON.parse(fs.readFileSync(path.join(project, "runs/grid/summary.json"), "utf8")) as { totalSteps: number; seed: number; finalEval: { mean: number } };
    expect(summary.totalSteps).toBe(1500);
    expect(Number.isFinite(summary.finalEval.mean)).toBe(true);
    await sh("npx", ["--no-install", "gradc", "export", "runs/grid", "--out", "grid-policy.json"], project);
    // The final evaluation's seeds (DQN.evaluate): the exported policy reproduces its mean.
    const seed = String(summary.seed * 7919 + 2_000_000);
    const evaluated = await sh("npx", ["--no-install", "gradc", "eval", "grid-policy.json", "--episodes", "20", "--seed", seed, "--json", "grid-eval.json"], project);
    expect(evaluated.stdout).toContain("GridWorld: greedy return");
    expect((JSON.parse(fs.readFileSync(path.join(project, "grid-eval.json"), "utf8")) as { mean: number }).mean).toBe(summary.finalEval.mean);
    // The folder holds a run now: a second run there is refused.
    const again = await run("npx", ["--no-install", "gradc", "train", "GridWorld", "--steps", "100", "--out", "runs/grid"], project);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain("already holds a training run");
  });

  it("gradc --version prints the package's version", async () => {
    const version = (JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string }).version;
    expect((await sh("npx", ["--no-install", "gradc", "--version"], project)).stdout.trim()).toBe(version);
  });
});

describe("types in the user's project (strict, noUncheckedIndexedAccess, skipLibCheck off)", () => {
  it("the project type-checks against the packed declarations", async () => {
    await node(["node_modules/typescript/bin/tsc", "--noEmit", "-p", "tsconfig.json"]);
  });

  it("tsc rejects a gradient used as a string", async () => {
    const r = await nodeFails(["node_modules/typescript/bin/tsc", "-p", "types"]);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toContain("types/misuse.ts(8,7): error TS2322: Type 'number' is not assignable to type 'string'.");
  });

  it("every documented use type-checks and every misuse is an error (test/fixtures/types/usage.ts)", async () => {
    fs.copyFileSync(path.join(REPO, "test/fixtures/types/usage.ts"), path.join(project, "types/usage.ts"));
    const r = await nodeFails(["node_modules/typescript/bin/tsc", "-p", "types"]);
    const errors = r.stdout.split("\n").filter((l) => l.includes("error TS"));
    expect(errors.filter((l) => !l.startsWith("types/misuse.ts"))).toEqual([]);
  });
});

/** CI (.ci/run) installs Chromium and sets GRADC_REQUIRE_BROWSER, so there a missing browser fails. */
const chromium = findChromium();
const requireBrowser = process.env.GRADC_REQUIRE_BROWSER === "1";

describe("in a browser: examples/browser built with Vite and gradc.vite(), run in headless Chromium", () => {
  it.skipIf(!chromium && !requireBrowser)("shows the lecture gradient and trains a DQN on CartPole in the page", async () => {
    expect(chromium, "Chromium not found (apt-get install chromium)").toBeDefined();
    const steps = 3000;
    const result = await runBrowserDemo({ root: path.join(project, "browser"), vite: project, steps, timeoutMs: 180_000 });
    expect(result.lectureGradient[0]).toBeCloseTo(LECTURE.gradient[0]!, 12);
    expect(result.lectureGradient[1]).toBeCloseTo(LECTURE.gradient[1]!, 12);
    expect(result.steps).toBe(steps);
    expect(result.episodes).toBeGreaterThan(5);
    expect(result.returns).toHaveLength(result.episodes);
    // CartPole pays 1 per step: finished episodes account for every step but the last, unfinished one's (< 500).
    const total = result.returns.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(steps);
    expect(total).toBeGreaterThan(steps - 500);
  });

  it.skipIf(!chromium && !requireBrowser)("trains on the WebAssembly engine in float32 in the page (?engine=wasm&dtype=float32)", async () => {
    expect(chromium, "Chromium not found (apt-get install chromium)").toBeDefined();
    const steps = 1500;
    const result = await runBrowserDemo({ root: path.join(project, "browser"), vite: project, steps, query: "engine=wasm&dtype=float32", timeoutMs: 180_000 });
    expect(result.network).toMatch(/wasm float32 gradients/);
    expect(result.steps).toBe(steps);
    expect(result.episodes).toBeGreaterThan(5);
    const total = result.returns.reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(steps);
    expect(total).toBeGreaterThan(steps - 500);
  });
});

/** Stops every process of the group `pid` leads and waits until none is left (a watcher must not write while the folder is removed). */
async function stopProcessGroup(pid: number): Promise<void> {
  const alive = () => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (alive()) process.kill(-pid, "SIGTERM");
  for (let waited = 0; alive() && waited < 10_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
  if (alive()) process.kill(-pid, "SIGKILL");
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  for (;;) {
    try {
      if (await condition()) return;
    } catch {
      // not ready yet (a file half written, a build in progress)
    }
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting for the watch build");
    await new Promise((r) => setTimeout(r, 200));
  }
}
