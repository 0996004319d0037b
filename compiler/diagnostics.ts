/**
 * Diagnostics: every construct gradc cannot differentiate is reported with file:line:col, a code
 * frame and a hint — never a stack trace from the compiler's internals, never a wrong derivative.
 */
import ts from "typescript";
import type { SourceLoc } from "./ir.js";

export interface Diagnostic {
  file: string;
  line: number; // 1-based
  col: number; // 1-based
  /** Length of the highlighted span, at least 1. */
  length: number;
  message: string;
  hint?: string;
  /** The source text of the whole file, for the code frame. */
  source: string;
}

export class DiagnosticError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join("\n\n"));
    this.name = "GradcDiagnosticError";
  }
}

export function diagnosticAt(node: ts.Node, message: string, hint?: string): Diagnostic {
  const sf = node.getSourceFile();
  const start = node.getStart(sf);
  const { line, character } = sf.getLineAndCharacterOfPosition(start);
  const end = Math.min(node.getEnd(), sf.getLineEndOfPosition(start));
  return {
    file: sf.fileName,
    line: line + 1,
    col: character + 1,
    length: Math.max(1, end - start),
    message,
    hint,
    source: sf.text,
  };
}

/**
 * The parser's syntax errors in `sf` (`if (y > 1 {`), as gradc diagnostics: a module that does not
 * parse is reported at its first error rather than half-read. The parser keeps them on the source
 * file (a field the compiler API does not declare); a program would report the same list.
 */
export function syntaxDiagnostics(sf: ts.SourceFile): Diagnostic[] {
  const parsed = (sf as ts.SourceFile & { parseDiagnostics?: readonly ts.DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  return parsed.slice(0, 1).map((d) => {
    const { line, character } = sf.getLineAndCharacterOfPosition(d.start);
    return {
      file: sf.fileName,
      line: line + 1,
      col: character + 1,
      length: Math.max(1, Math.min(d.length, sf.getLineEndOfPosition(d.start) - d.start)),
      message: `syntax error: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`,
      source: sf.text,
    };
  });
}

/** A diagnostic for IR-level checks, which know the source location but not the AST node. */
export function diagnosticAtLoc(loc: SourceLoc, message: string, sources: { get(file: string): { text: string } | undefined }, hint?: string): Diagnostic {
  return { file: loc.file, line: loc.line, col: loc.col, length: Math.max(1, loc.text.length), message, hint, source: sources.get(loc.file)?.text ?? "" };
}

/** `file:line:col - error: message`, two lines of context, a caret line, then the hint. */
export function formatDiagnostic(d: Diagnostic): string {
  const lines = d.source.split(/\r?\n/);
  const first = Math.max(1, d.line - 2);
  const last = Math.min(lines.length, d.line + 1);
  const width = String(last).length;
  const frame: string[] = [];
  for (let n = first; n <= last; n++) {
    const marker = n === d.line ? ">" : " ";
    frame.push(`${marker} ${String(n).padStart(width)} | ${lines[n - 1]}`);
    if (n === d.line) {
      frame.push(`  ${" ".repeat(width)} | ${" ".repeat(d.col - 1)}${"^".repeat(d.length)}`);
    }
  }
  const hint = d.hint ? `\n  hint: ${d.hint}` : "";
  return `${d.file}:${d.line}:${d.col} - error: ${d.message}\n${frame.join("\n")}${hint}`;
}
