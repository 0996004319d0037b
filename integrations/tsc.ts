/**
 * gradc as a TypeScript transformer, for builds that run TypeScript's own emitter:
 *
 *   program.emit(undefined, undefined, undefined, false, { before: [gradcTransformer(program)] })
 *
 * and ts-patch's `"plugins": [{ "transform": "gradc/tsc" }]`. `differentiableDeclarations` adds the
 * declarations of `@differentiable` functions' generated exports to .d.ts output (`afterDeclarations`). The module's syntax tree is edited
 * as gradc's plan says: each marker call becomes the name of its generated function, and the
 * generated declarations go in after the imports. Everything the user wrote stays the original
 * node, so the rest of TypeScript's pipeline (type erasure, import elision, down-levelling,
 * CommonJS, source maps) treats it exactly as it would without gradc.
 */
import ts from "typescript";
import { type Diagnostic, DiagnosticError, ModuleGraph, planModule } from "../compiler/index.js";

export { differentiableDeclarations } from "./declarations.js";

export interface GradcTransformerConfig {
  /**
   * Receives each module's diagnostics. Without it a module gradc cannot differentiate throws a
   * DiagnosticError (file:line:col and a code frame), which stops the emit.
   */
  onDiagnostics?: (diagnostics: Diagnostic[]) => void;
}

/** What ts-patch passes as a program transformer's third argument (only what gradc uses). */
interface TsPatchExtras {
  addDiagnostic?: (diagnostic: ts.Diagnostic) => void;
}

export default function gradcTransformer(program: ts.Program, config: GradcTransformerConfig = {}, extras?: TsPatchExtras): ts.TransformerFactory<ts.SourceFile> {
  // Imported modules are read from the program where it has them, so unsaved edits in a watch
  // build and virtual files are seen as TypeScript sees them.
  const graph = new ModuleGraph((file) => program.getSourceFile(file)?.text ?? ts.sys.readFile(file));
  const report = (diagnostics: Diagnostic[]) => {
    if (config.onDiagnostics) config.onDiagnostics(diagnostics);
    else if (extras?.addDiagnostic) for (const d of diagnostics) extras.addDiagnostic(toTsDiagnostic(d, program));
    else throw new DiagnosticError(diagnostics);
  };
  return (context) => (sf) => {
    if (sf.isDeclarationFile || !/\.[cm]?tsx?$/.test(sf.fileName)) return sf;
    const { plan, diagnostics } = planModule(sf.text, sf.fileName, { graph });
    if (diagnostics.length > 0) report(diagnostics);
    if (!plan) return sf;
    const replacements = new Map(plan.replacements.map((r) => [`${r.start}:${r.end}`, r.text]));
    const visit = (node: ts.Node): ts.Node => {
      const text = replacements.get(`${node.getStart(sf)}:${node.getEnd()}`);
      if (text !== undefined && ts.isExpression(node)) return ts.factory.createParenthesizedExpression(parseExpression(text));
      return ts.visitEachChild(node, visit, context);
    };
    const statements = sf.statements.map((s) => ts.visitNode(s, visit) as ts.Statement);
    const generated = parseStatements(plan.block);
    const at = sf.statements.findIndex((s) => s.pos >= plan.insertAt);
    const cut = at === -1 ? statements.length : at;
    return ts.factory.updateSourceFile(sf, [...statements.slice(0, cut), ...generated, ...statements.slice(cut)]);
  };
}

/**
 * Generated code as synthesized JavaScript nodes. Types are erased first (the block is checked
 * by gradc, not by the user's program, which never saw it). Parsed as JavaScript, its import of
 * the tape engine is kept as written instead of being looked up in the user's program for
 * elision; positions are cleared so the printer prints the nodes rather than copying text from
 * the user's file at those offsets.
 */
function parseStatements(typescript: string): ts.Statement[] {
  const js = ts.transpileModule(typescript, {
    // As a module: a script would get a "use strict" prologue.
    compilerOptions: { target: ts.ScriptTarget.ESNext, module: ts.ModuleKind.ESNext, moduleDetection: ts.ModuleDetectionKind.Force, verbatimModuleSyntax: true, removeComments: true },
  }).outputText;
  const sf = ts.createSourceFile("gradc-generated.js", js, ts.ScriptTarget.ESNext, false, ts.ScriptKind.JS);
  sf.statements.forEach(synthesize);
  return [...sf.statements];
}

function parseExpression(text: string): ts.Expression {
  const [statement] = parseStatements(`(${text});`);
  if (!statement || !ts.isExpressionStatement(statement)) throw new Error(`gradc: not an expression: ${text}`);
  return statement.expression;
}

/** Makes parsed nodes look as `ts.factory` would have made them: no position, flagged synthesized. */
function synthesize(node: ts.Node): void {
  ts.setTextRange(node, { pos: -1, end: -1 });
  // The flag keeps TypeScript's checker from looking these nodes up in the user's program (where
  // they do not exist) when it later asks, say, whether `a.b` is a constant enum member.
  (node as { flags: ts.NodeFlags }).flags |= ts.NodeFlags.Synthesized;
  ts.forEachChild(node, synthesize);
}

function toTsDiagnostic(d: Diagnostic, program: ts.Program): ts.Diagnostic {
  const file = program.getSourceFile(d.file);
  const start = file ? file.getPositionOfLineAndCharacter(d.line - 1, d.col - 1) : undefined;
  return {
    file,
    start,
    length: d.length,
    category: ts.DiagnosticCategory.Error,
    code: 9_000,
    source: "gradc",
    messageText: d.hint ? `${d.message}\n  hint: ${d.hint}` : d.message,
  };
}
