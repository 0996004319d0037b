/**
 * The module around a differentiated function: which top-level names it declares (a local may not
 * shadow them silently), and numeric module constants known at build time, which lowering inlines.
 */
import ts from "typescript";
import { skipParens } from "../front/modules.js";
import { MATH_PRIMITIVES, PRIMITIVES } from "../primitives.js";
import { MATH_CONSTANTS, NUMBER_CONSTANTS } from "./math.js";
import { arithmeticOp } from "./operators.js";

/** The top-level declaration of `name` in a module, if any (imports included). */
export function moduleDeclaration(sf: ts.SourceFile, name: string): ts.Node | undefined {
  for (const stmt of sf.statements) {
    if ((ts.isFunctionDeclaration(stmt) || ts.isClassDeclaration(stmt) || ts.isEnumDeclaration(stmt)) && stmt.name?.text === name) return stmt.name;
    if (ts.isVariableStatement(stmt)) {
      for (const d of stmt.declarationList.declarations) if (ts.isIdentifier(d.name) && d.name.text === name) return d.name;
    }
    if (ts.isImportDeclaration(stmt) && stmt.importClause) {
      const clause = stmt.importClause;
      if (clause.name?.text === name) return clause.name;
      const b = clause.namedBindings;
      if (b && ts.isNamespaceImport(b) && b.name.text === name) return b.name;
      if (b && ts.isNamedImports(b)) for (const el of b.elements) if (el.name.text === name) return el.name;
    }
  }
  return undefined;
}

/**
 * A top-level `const NAME = …` of the module whose value is a number known at build time —
 * a literal, or arithmetic and Math functions over literals, Math constants and other such
 * constants (`const TWO_PI = 2 * Math.PI`) — inlined as a constant.
 */
export function moduleConstant(sf: ts.SourceFile, name: string, seen: Set<string>): number | undefined {
  if (seen.has(name)) return undefined;
  seen.add(name);
  for (const stmt of sf.statements) {
    if (!ts.isVariableStatement(stmt) || !(stmt.declarationList.flags & ts.NodeFlags.Const)) continue;
    for (const d of stmt.declarationList.declarations) {
      if (!ts.isIdentifier(d.name) || d.name.text !== name || !d.initializer) continue;
      return constantValue(sf, d.initializer, seen);
    }
  }
  return undefined;
}

function constantValue(sf: ts.SourceFile, e: ts.Expression, seen: Set<string>): number | undefined {
  e = skipParens(e);
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isIdentifier(e)) return e.text === "Infinity" ? Infinity : e.text === "NaN" ? NaN : moduleConstant(sf, e.text, seen);
  if (ts.isPrefixUnaryExpression(e)) {
    const v = constantValue(sf, e.operand, seen);
    if (v === undefined) return undefined;
    return e.operator === ts.SyntaxKind.MinusToken ? -v : e.operator === ts.SyntaxKind.PlusToken ? v : undefined;
  }
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression)) {
    if (e.expression.text === "Math") return MATH_CONSTANTS[e.name.text];
    if (e.expression.text === "Number") return NUMBER_CONSTANTS[e.name.text];
    return undefined;
  }
  if (ts.isBinaryExpression(e)) {
    const op = arithmeticOp(e.operatorToken.kind);
    const a = constantValue(sf, e.left, seen);
    const b = constantValue(sf, e.right, seen);
    return op && a !== undefined && b !== undefined ? PRIMITIVES[op].evaluate(a, b) : undefined;
  }
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && ts.isIdentifier(e.expression.expression) && e.expression.expression.text === "Math") {
    const name = e.expression.name.text;
    const op = MATH_PRIMITIVES.get(name)?.op;
    const args = e.arguments.map((a) => constantValue(sf, a, seen));
    if (!op || args.some((a) => a === undefined) || args.length !== PRIMITIVES[op].arity) return undefined;
    return PRIMITIVES[op].evaluate(...(args as number[]));
  }
  return undefined;
}
