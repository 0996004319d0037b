/** Facts about TypeScript syntax and lowered statements that lowering asks (no state of its own). */
import ts from "typescript";
import { type Stmt, walk } from "../ir.js";
import { type FunctionNode, skipParens } from "../front/modules.js";
import { PACKAGE_NAME } from "../front/markers.js";
import { compoundOp } from "./operators.js";
import { INTEGER_ARRAYS } from "./shapes.js";
import { isObjectValue, type ObjectValue } from "./values.js";

/** `new Float32Array(n)`: an array whose stores round to float32. */
/** What kind of array `new …(n)` makes: a Float32Array (stores rounded), an integer array (stores without derivatives), or neither. */
export function arrayKind(e: ts.Expression): { float32?: true; integer?: true } {
  e = skipParens(e);
  if (!ts.isNewExpression(e) || !ts.isIdentifier(e.expression)) return {};
  if (e.expression.text === "Float32Array") return { float32: true };
  return INTEGER_ARRAYS.has(e.expression.text) ? { integer: true } : {};
}

/** `p.w` or `p["w"]`: a read of a named field, with the expression it is read from. */
export function fieldOf(e: ts.Expression): { base: ts.Expression; name: string } | undefined {
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.name)) return { base: e.expression, name: e.name.text };
  if (ts.isElementAccessExpression(e) && ts.isStringLiteral(e.argumentExpression)) return { base: e.expression, name: e.argumentExpression.text };
  return undefined;
}

/** Whether the IR variable `ir` is one of `object`'s fields, at any depth. */
export function objectHolds(object: ObjectValue, ir: string): boolean {
  return [...object.fields.values()].some((v) => (isObjectValue(v) ? objectHolds(v, ir) : v.ir === ir));
}

/** Marks the assignments to `target` made while lowering its initializer (both arms of a ?: too). */
export function markDeclaration(stmts: Stmt[], target: string): void {
  for (const s of stmts) {
    if (s.k === "assign" && s.target === target) s.declares = true;
    if (s.k === "if") (markDeclaration(s.then, target), markDeclaration(s.else, target));
  }
}

/** The start of a node's source text, for messages. */
export function excerpt(node: ts.Node): string {
  const text = node.getText().replace(/\s+/g, " ");
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

export function blockStatements(s: ts.Statement): readonly ts.Statement[] {
  return ts.isBlock(s) ? s.statements : [s];
}

/** Does a function body contain `return <value>` (outside nested functions)? */
export function returnsValue(node: ts.Node): boolean {
  let found = false;
  const visit = (n: ts.Node) => {
    if (found || ts.isFunctionLike(n)) return;
    if (ts.isReturnStatement(n) && n.expression) found = true;
    ts.forEachChild(n, visit);
  };
  ts.forEachChild(node, visit);
  return found;
}

/** Does the statement leave its block on every path (return, break, continue)? */
export function alwaysExits(s: ts.Statement): boolean {
  if (ts.isReturnStatement(s) || ts.isBreakStatement(s) || ts.isContinueStatement(s)) return true;
  if (ts.isBlock(s)) return s.statements.some(alwaysExits);
  if (ts.isIfStatement(s)) return !!s.elseStatement && alwaysExits(s.thenStatement) && alwaysExits(s.elseStatement);
  return false;
}

export function hasAsync(node: FunctionNode): boolean {
  return (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
}

export function collectIdentifiers(node: ts.Node, into: Set<string>): void {
  if (ts.isIdentifier(node)) into.add(node.text);
  ts.forEachChild(node, (c) => collectIdentifiers(c, into));
}

export function uniqueName(base: string, used: Set<string>): string {
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}${i}`;
  used.add(name);
  return name;
}

export function gradcImports(sf: ts.SourceFile): { stopGradient: Set<string>; other: Set<string> } {
  const stopGradient = new Set<string>();
  const other = new Set<string>();
  for (const stmt of sf.statements) {
    if (!ts.isImportDeclaration(stmt) || !ts.isStringLiteral(stmt.moduleSpecifier) || stmt.moduleSpecifier.text !== PACKAGE_NAME) continue;
    const bindings = stmt.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings)) continue;
    for (const el of bindings.elements) {
      ((el.propertyName ?? el.name).text === "stopGradient" ? stopGradient : other).add(el.name.text);
    }
  }
  return { stopGradient, other };
}

/** Whether any statement in `stmts` (nested ones included) assigns the IR variable `name`. */
export function assignsVariable(stmts: Stmt[], name: string): boolean {
  let found = false;
  walk(stmts, (s) => {
    if (s.k === "assign" && s.target === name) found = true;
  });
  return found;
}

/** An expression written for its effect: an assignment, ++/--, a call or a comma list of them. */
export function isEffect(e: ts.Expression): boolean {
  e = skipParens(e);
  if (ts.isCallExpression(e)) return true;
  if ((ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) && (e.operator === ts.SyntaxKind.PlusPlusToken || e.operator === ts.SyntaxKind.MinusMinusToken)) return true;
  if (!ts.isBinaryExpression(e)) return false;
  const kind = e.operatorToken.kind;
  if (kind === ts.SyntaxKind.CommaToken) return isEffect(e.left) && isEffect(e.right);
  return kind === ts.SyntaxKind.EqualsToken || compoundOp(kind) !== undefined;
}

/** Whether `test` writes an array element or a variable that existed before it (not its own temporaries). */
export function hasSideEffects(test: Stmt[], varsBefore: Set<string>): boolean {
  let found = false;
  walk(test, (s) => {
    if (s.k === "store" || (s.k === "assign" && varsBefore.has(s.target))) found = true;
  });
  return found;
}
