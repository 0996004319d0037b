/**
 * The public API's types (runtime/index.ts), checked with TypeScript's compiler API under the
 * strictest flags a user may have. test/fixtures/types/usage.ts holds correct uses, which must
 * type-check, and misuses marked `// @ts-expect-error`, which must not (an unused directive is
 * itself an error). Type-checking only: nothing here runs a marker.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const repo = fileURLToPath(new URL("..", import.meta.url));
const at = (file: string) => path.join(repo, file);
const FIXTURE = at("test/fixtures/types/usage.ts");
const ENTRY = at("runtime/index.ts");

/** What a careful user's tsconfig says, with "gradc" pointing at the sources. */
const STRICT: ts.CompilerOptions = {
  strict: true,
  noUncheckedIndexedAccess: true,
  exactOptionalPropertyTypes: true,
  noImplicitOverride: true,
  noPropertyAccessFromIndexSignature: true,
  skipLibCheck: false,
  target: ts.ScriptTarget.ES2022,
  lib: ["lib.es2022.d.ts"],
  types: [],
  noEmit: true,
  paths: { gradc: [ENTRY] },
};

const RESOLUTIONS: [string, ts.CompilerOptions][] = [
  ["NodeNext", { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext }],
  ["Bundler", { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler }],
];

function diagnosticsOf(roots: string[], options: ts.CompilerOptions) {
  const program = ts.createProgram(roots, { ...STRICT, ...options });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const files = program
    .getSourceFiles()
    .map((f) => path.relative(repo, f.fileName).split(path.sep).join("/"))
    .filter((f) => !f.startsWith("node_modules/"));
  const report = ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (f) => f,
    getCurrentDirectory: () => repo,
    getNewLine: () => "\n",
  });
  return { diagnostics, files, report };
}

describe.each(RESOLUTIONS)("the public API's types (moduleResolution %s)", (_name, resolution) => {
  it("type-check the fixture: correct uses compile, every misuse marked @ts-expect-error is rejected", () => {
    const { files, report } = diagnosticsOf([FIXTURE], resolution);
    expect(files).toContain("runtime/index.ts"); // "gradc" resolved to the sources
    expect(report).toBe("");
  });
});

describe("runtime/index.ts and the modules it imports", () => {
  it("type-check under strict, noUncheckedIndexedAccess, exactOptionalPropertyTypes and skipLibCheck: false", () => {
    const { files, report } = diagnosticsOf([ENTRY], RESOLUTIONS[0]![1]);
    expect(files).toEqual(expect.arrayContaining(["runtime/index.ts", "runtime/tape.ts", "runtime/check.ts"]));
    expect(report).toBe("");
  });
});

it("the fixture has its misuses (one `// @ts-expect-error` each)", () => {
  const misuses = readFileSync(FIXTURE, "utf8").match(/^\/\/ @ts-expect-error /gm) ?? [];
  expect(misuses.length).toBeGreaterThanOrEqual(30);
});
