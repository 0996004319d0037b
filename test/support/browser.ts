/**
 * Runs the browser demo (examples/browser, or a copy with gradc installed) end to end: builds it
 * with Vite's JS API, serves the build on 127.0.0.1, opens it in the system's Chromium, driven
 * headless by playwright-core, waits until the page says it is done and returns what it exposes
 * as `window.gradcDemo`. Everything it starts is stopped again, whether the demo passes or fails.
 */
import fs from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import type { InlineConfig } from "vite";
import type { DemoState } from "../../examples/browser/src/demo-state.js";

type Vite = typeof import("vite");

export interface BrowserDemoOptions {
  /** The demo project: a folder with index.html and vite.config.ts. */
  root: string;
  /** Vite itself, or a folder to resolve `vite` from (the project's own install). */
  vite: Vite | string;
  /** Environment steps the page trains for (its `?steps=` query). */
  steps: number;
  /** More of the page's query (`engine=wasm&dtype=float32`). */
  query?: string;
  /** How long the page may take to finish once loaded. */
  timeoutMs: number;
  /**
   * Vite config merged over the project's own. `{ configFile: false, plugins, resolve: { alias } }`
   * builds the demo against this repository's sources instead of an installed gradc.
   */
  config?: InlineConfig;
  /** The browser to run (default: `findChromium()`). */
  chromiumPath?: string;
}

export interface BrowserDemoResult {
  /** grad(f)(1.5, 0.5) of the lecture example, as the page computed it. */
  lectureGradient: number[];
  episodes: number;
  returns: number[];
  steps: number;
  /** The network and gradient engine, as the trainer described them. */
  network: string;
  buildMs: number;
  /** From loading the page to its "done". */
  runMs: number;
}

/** Headless, and nothing that reaches out to the network or needs a sandbox (containers, CI). */
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Where Debian's and Ubuntu's packages put Chromium (and Chrome). */
const CHROMIUM_LOCATIONS = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome-stable", "/usr/bin/google-chrome"];

/** $CHROMIUM_PATH if set (and present), else the first installed of the usual locations. */
export function findChromium(): string | undefined {
  const candidates = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : CHROMIUM_LOCATIONS;
  return candidates.find((file) => fs.existsSync(file));
}

export async function runBrowserDemo(options: BrowserDemoOptions): Promise<BrowserDemoResult> {
  const chromiumPath = options.chromiumPath ?? findChromium();
  if (!chromiumPath) throw new Error("runBrowserDemo: no Chromium found; install Debian's chromium package or set CHROMIUM_PATH");
  const vite = await loadVite(options.vite);
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), "gradc-browser-demo-"));
  let server: http.Server | undefined;
  let browser: Browser | undefined;
  try {
    const buildStarted = performance.now();
    await vite.build(vite.mergeConfig({ root: path.resolve(options.root), logLevel: "warn", build: { outDir, emptyOutDir: true } }, options.config ?? {}));
    const buildMs = performance.now() - buildStarted;

    server = await serveFolder(outDir);
    const { port } = server.address() as AddressInfo;
    browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") pageErrors.push(message.text());
    });

    const runStarted = performance.now();
    await page.goto(`http://127.0.0.1:${port}/?steps=${options.steps}${options.query ? `&${options.query}` : ""}`);
    try {
      await page.waitForSelector('#status[data-status="done"], #status[data-status="error"]', { timeout: options.timeoutMs });
    } catch {
      const status = await page.textContent("#status").catch(() => null);
      throw new Error(`runBrowserDemo: the page did not finish within ${options.timeoutMs} ms (status: ${JSON.stringify(status)}${describeErrors(pageErrors)})`);
    }
    const runMs = performance.now() - runStarted;
    const demo = await page.evaluate(() => (window as unknown as { gradcDemo: DemoState }).gradcDemo);
    if (demo.error !== null || !demo.done) throw new Error(`runBrowserDemo: the page failed: ${demo.error}${describeErrors(pageErrors)}`);
    return { lectureGradient: demo.lectureGradient, episodes: demo.episodes, returns: demo.returns, steps: demo.steps, network: demo.network, buildMs, runMs };
  } finally {
    await browser?.close();
    if (server) await stopServer(server);
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

async function loadVite(vite: Vite | string): Promise<Vite> {
  if (typeof vite !== "string") return vite;
  const entry = createRequire(path.join(path.resolve(vite), "package.json")).resolve("vite");
  return (await import(pathToFileURL(entry).href)) as Vite;
}

function describeErrors(errors: string[]): string {
  return errors.length === 0 ? "" : `; page errors: ${errors.join(" | ")}`;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".wasm": "application/wasm",
  ".map": "application/json",
};

/** A static file server for a built site, on 127.0.0.1 and a free port. */
async function serveFolder(root: string): Promise<http.Server> {
  const server = http.createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
    const file = path.join(root, pathname === "/" ? "index.html" : pathname);
    if (!file.startsWith(root + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      response.writeHead(404).end("not found");
      return;
    }
    response.writeHead(200, { "content-type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream" });
    fs.createReadStream(file).pipe(response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  return server;
}

async function stopServer(server: http.Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
