/**
 * `gradc build`: a project compiled to JavaScript on disk by TypeScript's own emitter, with gradc's
 * transformer (integrations/tsc.ts) in the pipeline — what `tsc` does, plus derivatives. Type
 * errors are reported as tsc reports them; gradc's diagnostics fail the build. `--watch` rebuilds
 * on every change, the whole project each time: a derivative depends on the bodies of the
 * functions it calls, which an incremental emit would not revisit.
 */
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";
import { type Diagnostic, formatDiagnostic, loadWasmBackend } from "../compiler/index.js";
import gradcTransformer, { differentiableDeclarations } from "../integrations/tsc.js";

export interface BuildOptions {
  /** A tsconfig.json, a folder holding one, or a folder of TypeScript sources. */
  project: string;
  outDir?: string;
  watch: boolean;
  /** Transformers run after TypeScript's own (gradc's build of itself rewrites import paths). */
  after?: ts.TransformerFactory<ts.SourceFile>[];
}

/** Options for a folder without a tsconfig.json: modern ESM, declarations and source maps. */
const FOLDER_DEFAULTS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  strict: true,
  declaration: true,
  sourceMap: true,
  skipLibCheck: true,
  esModuleInterop: true,
  resolveJsonModule: true,
};

const formatHost: ts.FormatDiagnosticsHost = {
  getCanonicalFileName: (f) => f,
  getCurrentDirectory: () => process.cwd(),
  getNewLine: () => "\n",
};

/** Builds once (returns the exit code), or watches until interrupted. */
export async function build(options: BuildOptions): Promise<number> {
  const project = resolveProject(options);
  if (typeof project === "string") {
    process.stderr.write(`gradc build: ${project}\n`);
    return 1;
  }
  // TypeScript's transformers run synchronously: binaryen (the wasm engine) is loaded first when a file asks for it.
  if (project.fileNames.some((f) => /engine\s*:\s*["'`]wasm["'`]/.test(fs.readFileSync(f, "utf8")))) await loadWasmBackend();
  if (options.watch) {
    watch(project, options);
    return new Promise<number>(() => {}); // until Ctrl-C
  }
  const program = ts.createProgram({ rootNames: project.fileNames, options: project.options, projectReferences: project.projectReferences });
  const ok = emitProgram(program, options);
  return ok ? 0 : 1;
}

interface Project {
  fileNames: string[];
  options: ts.CompilerOptions;
  projectReferences?: readonly ts.ProjectReference[];
  configFile?: string;
}

function resolveProject(options: BuildOptions): Project | string {
  const target = path.resolve(options.project);
  if (!fs.existsSync(target)) return `no such file or folder: ${options.project}`;
  const configFile = fs.statSync(target).isDirectory() ? (fs.existsSync(path.join(target, "tsconfig.json")) ? path.join(target, "tsconfig.json") : undefined) : target;
  const overrides: ts.CompilerOptions = options.outDir ? { outDir: path.resolve(options.outDir) } : {};
  if (configFile) {
    const parsed = ts.getParsedCommandLineOfConfigFile(configFile, overrides, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
    if (!parsed) return `cannot read ${configFile}`;
    if (parsed.errors.length > 0) return ts.formatDiagnosticsWithColorAndContext(parsed.errors, formatHost);
    return { fileNames: parsed.fileNames, options: { ...parsed.options, noEmit: false }, projectReferences: parsed.projectReferences, configFile };
  }
  const fileNames = ts.sys.readDirectory(target, [".ts", ".tsx", ".mts", ".cts"], ["**/node_modules", "**/*.d.ts"]);
  if (fileNames.length === 0) return `no TypeScript files in ${options.project}`;
  return { fileNames, options: { ...FOLDER_DEFAULTS, rootDir: target, outDir: path.resolve(options.outDir ?? path.join(target, "dist")), ...overrides } };
}

/** Emits every file; prints type errors and gradc's diagnostics. True when there were none. */
function emitProgram(program: ts.Program, options: BuildOptions): boolean {
  const typeErrors = ts.getPreEmitDiagnostics(program);
  if (typeErrors.length > 0) process.stderr.write(ts.formatDiagnosticsWithColorAndContext(typeErrors, formatHost));
  const gradcErrors: Diagnostic[] = [];
  const transformers: ts.CustomTransformers = {
    before: [gradcTransformer(program, { onDiagnostics: (d) => gradcErrors.push(...d) })],
    after: options.after,
    afterDeclarations: [differentiableDeclarations(program)],
  };
  const result = program.emit(undefined, undefined, undefined, false, transformers);
  for (const d of gradcErrors) process.stderr.write(formatDiagnostic(d) + "\n\n");
  if (result.diagnostics.length > 0) process.stderr.write(ts.formatDiagnosticsWithColorAndContext(result.diagnostics, formatHost));
  const errors = typeErrors.filter((d) => d.category === ts.DiagnosticCategory.Error).length + gradcErrors.length + result.diagnostics.length;
  const outDir = program.getCompilerOptions().outDir;
  process.stderr.write(
    errors === 0
      ? `gradc build: ${program.getRootFileNames().length} file(s) compiled${outDir ? ` to ${path.relative(process.cwd(), outDir) || "."}` : ""}\n`
      : `gradc build: ${errors} error(s)${result.emitSkipped ? "; nothing written" : ""}\n`,
  );
  return errors === 0;
}

function watch(project: Project, options: BuildOptions): void {
  const report: ts.WatchStatusReporter = (diagnostic) => process.stderr.write(`gradc build --watch: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n")}\n`);
  const reportDiagnostic: ts.DiagnosticReporter = (d) => process.stderr.write(ts.formatDiagnosticsWithColorAndContext([d], formatHost));
  const afterProgramCreate = (builder: ts.SemanticDiagnosticsBuilderProgram) => {
    emitProgram(builder.getProgram(), options);
  };
  if (project.configFile) {
    const host = ts.createWatchCompilerHost(project.configFile, project.options, ts.sys, ts.createSemanticDiagnosticsBuilderProgram, reportDiagnostic, report);
    ts.createWatchProgram({ ...host, afterProgramCreate });
  } else {
    const host = ts.createWatchCompilerHost(project.fileNames, project.options, ts.sys, ts.createSemanticDiagnosticsBuilderProgram, reportDiagnostic, report);
    ts.createWatchProgram({ ...host, afterProgramCreate });
  }
}
