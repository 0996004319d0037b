// TypeScript's own emitter with gradc's transformers, as a build script would use them.
import gradcTransformer, { differentiableDeclarations } from "gradc/tsc";
import ts from "typescript";

const config = ts.getParsedCommandLineOfConfigFile("tsconfig.json", {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
const program = ts.createProgram(config.fileNames, config.options);
const errors = ts.getPreEmitDiagnostics(program);
if (errors.length > 0) {
  console.error(ts.formatDiagnostics(errors, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => process.cwd(), getNewLine: () => "\n" }));
  process.exit(1);
}
const result = program.emit(undefined, undefined, undefined, false, {
  before: [gradcTransformer(program)],
  afterDeclarations: [differentiableDeclarations(program)],
});
if (result.emitSkipped) process.exit(1);
