/**
 * `// @checkpoint` and `// @checkpoint N`: the comment above a loop by which the user asks reverse
 * mode to trade time for memory (differentiate/checkpoint.ts). Read here from the statement's
 * leading comments; whether the loop qualifies is decided by lowering once the loop is in IR.
 */
import ts from "typescript";
import type { Diagnostic } from "../diagnostics.js";

export interface CheckpointComment {
  /** Iterations per segment; absent for `// @checkpoint` alone (√trips, chosen at run time). */
  every?: number;
  /** Why the comment cannot be used as written (`// @checkpoint abc`), if it cannot. */
  error?: string;
  /** Where the comment is, for diagnostics. */
  start: number;
  end: number;
}

const DIRECTIVE = /^(?:\/\/|\/\*+)\s*@checkpoint\b(.*?)(?:\*+\/)?\s*$/s;

/** The `@checkpoint` comment directly above `node` (among its leading comments), if any. */
export function checkpointComment(sf: ts.SourceFile, node: ts.Node): CheckpointComment | undefined {
  const ranges = ts.getLeadingCommentRanges(sf.text, node.pos) ?? [];
  for (const r of ranges) {
    const match = DIRECTIVE.exec(sf.text.slice(r.pos, r.end));
    if (!match) continue;
    const arg = match[1].trim();
    const at = { start: r.pos, end: r.end };
    if (arg === "") return at;
    if (/^\d+$/.test(arg) && Number(arg) >= 1 && Number.isSafeInteger(Number(arg))) return { ...at, every: Number(arg) };
    return { ...at, error: `'@checkpoint ${arg}': the segment length must be a positive integer` };
  }
  return undefined;
}

/** A diagnostic pointing at the comment itself (the loop it stands above is not what is wrong). */
export function diagnosticAtComment(sf: ts.SourceFile, comment: CheckpointComment, message: string, hint?: string): Diagnostic {
  const { line, character } = sf.getLineAndCharacterOfPosition(comment.start);
  const end = Math.min(comment.end, sf.getLineEndOfPosition(comment.start));
  return { file: sf.fileName, line: line + 1, col: character + 1, length: Math.max(1, end - comment.start), message, hint, source: sf.text };
}
