/** Source operators → IR operations: comparisons, and arithmetic from the primitives table. */
import ts from "typescript";
import type { CmpOp, PrimOp } from "../ir.js";
import { OPERATOR_PRIMITIVES } from "../primitives.js";

export const CMP_OPS: Partial<Record<ts.SyntaxKind, CmpOp>> = {
  [ts.SyntaxKind.LessThanToken]: "<",
  [ts.SyntaxKind.LessThanEqualsToken]: "<=",
  [ts.SyntaxKind.GreaterThanToken]: ">",
  [ts.SyntaxKind.GreaterThanEqualsToken]: ">=",
  [ts.SyntaxKind.EqualsEqualsEqualsToken]: "===",
  [ts.SyntaxKind.ExclamationEqualsEqualsToken]: "!==",
  [ts.SyntaxKind.EqualsEqualsToken]: "===",
  [ts.SyntaxKind.ExclamationEqualsToken]: "!==",
};

/** The primitive of a binary operator token (`+` → add), from the primitives table. */
export function arithmeticOp(kind: ts.SyntaxKind): PrimOp | undefined {
  return OPERATOR_PRIMITIVES.get(ts.tokenToString(kind) ?? "");
}

/** The primitive of a compound assignment token (`+=` → add). */
export function compoundOp(kind: ts.SyntaxKind): PrimOp | undefined {
  if (kind < ts.SyntaxKind.FirstCompoundAssignment || kind > ts.SyntaxKind.LastCompoundAssignment) return undefined;
  return OPERATOR_PRIMITIVES.get((ts.tokenToString(kind) ?? "").slice(0, -1));
}
