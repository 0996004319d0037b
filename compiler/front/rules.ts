/**
 * User-defined derivatives: `defineRule(f, (x1, …, xn, value) => [∂f/∂x1, …, ∂f/∂xn])` at the top
 * level of a module gives `f` (a function of numbers returning a number) its own partials, as
 * JAX's `custom_jvp` and TensorFlow.js's `customGrad` do. The partials are read at build time
 * into the same form the primitives table writes its rules in (primitives.ts: expression trees
 * over the arguments and the result), so forward mode, reverse mode, the tape engine and second
 * derivatives use them exactly as they use a built-in primitive's: the call of f is one operation
 * with those partials, and f's body only computes its value.
 *
 * A partial is an expression of the subset: the rule's parameters, number literals, arithmetic
 * and `Math` functions, parenthesised as needed.
 */
import ts from "typescript";
import { type Diagnostic, diagnosticAt } from "../diagnostics.js";
import { MATH_PRIMITIVES, OPERATOR_PRIMITIVES, type Partial } from "../primitives.js";
import { PACKAGE_NAME } from "./markers.js";
import { type ModuleGraph, skipParens } from "./modules.js";

export interface CustomRule {
  /** ∂f/∂argᵢ, one per parameter of f. */
  partials: Partial[];
  /** The `defineRule` call, for diagnostics. */
  node: ts.CallExpression;
}

const cache = new WeakMap<ts.SourceFile, { rules: Map<string, CustomRule>; diagnostics: Diagnostic[] }>();

/** The rules a module declares, by the local name of the function they are for (read once per parsed file). */
export function rulesOf(sf: ts.SourceFile): { rules: Map<string, CustomRule>; diagnostics: Diagnostic[] } {
  const known = cache.get(sf);
  if (known) return known;
  const rules = new Map<string, CustomRule>();
  const diagnostics: Diagnostic[] = [];
  const names = defineRuleNames(sf);
  for (const stmt of sf.statements) {
    if (!ts.isExpressionStatement(stmt)) continue;
    const call = skipParens(stmt.expression);
    if (!ts.isCallExpression(call) || !isDefineRule(call.expression, names)) continue;
    const rule = readRule(call, diagnostics);
    if (!rule) continue;
    if (rules.has(rule.name)) diagnostics.push(diagnosticAt(call, `'${rule.name}' already has a rule in this module`, "keep one defineRule per function"));
    else rules.set(rule.name, { partials: rule.partials, node: call });
  }
  const result = { rules, diagnostics };
  cache.set(sf, result);
  return result;
}

/**
 * The module's rules and their diagnostics, with one more check: a rule belongs to the module
 * that declares its function (where every caller's derivative code finds it). A rule for a
 * function imported from another TypeScript module would be ignored there, so it is an error.
 */
export function checkedRulesOf(sf: ts.SourceFile, graph: ModuleGraph): Diagnostic[] {
  const { rules, diagnostics } = rulesOf(sf);
  const misplaced = [...rules].flatMap(([name, rule]) => {
    const resolved = graph.resolveLocal(sf, name);
    if (!resolved.ok || resolved.fn.sourceFile === sf) return [];
    return [diagnosticAt(rule.node, `'${name}' is declared in ${resolved.fn.sourceFile.fileName.split("/").pop()}: its rule must be declared there`, "move the defineRule call into the module that declares the function")];
  });
  return [...diagnostics, ...misplaced];
}

/** Local names of gradc's `defineRule` (named imports), and namespaces it can be reached through. */
function defineRuleNames(sf: ts.SourceFile): { direct: Set<string>; namespaces: Set<string> } {
  const direct = new Set<string>();
  const namespaces = new Set<string>();
  for (const stmt of sf.statements) {
    if (!ts.isImportDeclaration(stmt) || !ts.isStringLiteral(stmt.moduleSpecifier) || stmt.moduleSpecifier.text !== PACKAGE_NAME) continue;
    const bindings = stmt.importClause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) {
      for (const el of bindings.elements) if ((el.propertyName ?? el.name).text === "defineRule") direct.add(el.name.text);
    } else if (bindings && ts.isNamespaceImport(bindings)) {
      namespaces.add(bindings.name.text);
    }
  }
  return { direct, namespaces };
}

function isDefineRule(callee: ts.Expression, names: { direct: Set<string>; namespaces: Set<string> }): boolean {
  if (ts.isIdentifier(callee)) return names.direct.has(callee.text);
  return ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && names.namespaces.has(callee.expression.text) && callee.name.text === "defineRule";
}

function readRule(call: ts.CallExpression, diagnostics: Diagnostic[]): { name: string; partials: Partial[] } | undefined {
  const [target, rule] = call.arguments.map(skipParens);
  if (call.arguments.length !== 2 || !ts.isIdentifier(target) || !(ts.isArrowFunction(rule) || ts.isFunctionExpression(rule))) {
    diagnostics.push(diagnosticAt(call, "defineRule takes a function's name and its partials", "write defineRule(f, (x, y, value) => [∂f/∂x, ∂f/∂y])"));
    return undefined;
  }
  const params = rule.parameters.map((p) => (ts.isIdentifier(p.name) && !p.dotDotDotToken && !p.initializer ? p.name.text : undefined));
  if (params.some((p) => p === undefined) || params.length < 2) {
    diagnostics.push(diagnosticAt(rule, `the rule for '${target.text}' takes f's parameters and then its value, each a plain name`, `e.g. defineRule(${target.text}, (x, value) => [1 - value * value])`));
    return undefined;
  }
  const body = ts.isArrowFunction(rule) && !ts.isBlock(rule.body) ? skipParens(rule.body) : returnedExpression(rule.body as ts.Block);
  if (!body || !ts.isArrayLiteralExpression(body)) {
    diagnostics.push(diagnosticAt(rule, `the rule for '${target.text}' returns its partials as an array literal`, "e.g. (x, value) => [1 - value * value]"));
    return undefined;
  }
  const arity = params.length - 1;
  if (body.elements.length !== arity) {
    diagnostics.push(diagnosticAt(body, `the rule for '${target.text}' gives ${body.elements.length} partial${body.elements.length === 1 ? "" : "s"} for ${arity} parameter${arity === 1 ? "" : "s"}`, "one partial per parameter, in order"));
    return undefined;
  }
  const operands = new Map(params.map((p, i): [string, Partial] => [p!, i === arity ? { k: "result" } : { k: "arg", index: i }]));
  const partials: Partial[] = [];
  for (const element of body.elements) {
    const partial = toPartial(element, operands, diagnostics);
    if (!partial) return undefined;
    partials.push(partial);
  }
  return { name: target.text, partials };
}

function returnedExpression(block: ts.Block): ts.Expression | undefined {
  const [only] = block.statements;
  return block.statements.length === 1 && ts.isReturnStatement(only) && only.expression ? skipParens(only.expression) : undefined;
}

/** A partial's expression as a tree of primitives over f's arguments and value. */
function toPartial(e: ts.Expression, operands: Map<string, Partial>, diagnostics: Diagnostic[]): Partial | undefined {
  const fail = (message: string, hint?: string) => {
    diagnostics.push(diagnosticAt(e, message, hint));
    return undefined;
  };
  e = skipParens(e);
  if (ts.isNumericLiteral(e)) return { k: "const", value: Number(e.text) };
  if (ts.isIdentifier(e)) {
    const operand = operands.get(e.text);
    if (operand) return operand;
    if (e.text === "Infinity" || e.text === "NaN") return { k: "const", value: Number(e.text) };
    return fail(`a rule's partial may read f's parameters and value, not '${e.text}'`, "module constants: write their value");
  }
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === "Math") {
    const value = (Math as unknown as Record<string, unknown>)[e.name.text];
    if (typeof value === "number") return { k: "const", value };
  }
  if (ts.isPrefixUnaryExpression(e) && (e.operator === ts.SyntaxKind.MinusToken || e.operator === ts.SyntaxKind.PlusToken)) {
    const operand = toPartial(e.operand, operands, diagnostics);
    if (!operand) return undefined;
    return e.operator === ts.SyntaxKind.PlusToken ? operand : operand.k === "const" ? { k: "const", value: -operand.value } : { k: "op", op: "neg", args: [operand] };
  }
  if (ts.isBinaryExpression(e)) {
    const op = OPERATOR_PRIMITIVES.get(e.operatorToken.getText());
    if (!op) return fail(`'${e.operatorToken.getText()}' is not an operation a rule's partial can use`, "arithmetic (+ - * / % **) and Math functions");
    const [left, right] = [toPartial(e.left, operands, diagnostics), toPartial(e.right, operands, diagnostics)];
    return left && right ? { k: "op", op, args: [left, right] } : undefined;
  }
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression) && ts.isIdentifier(e.expression.expression) && e.expression.expression.text === "Math") {
    const math = MATH_PRIMITIVES.get(e.expression.name.text);
    if (!math || e.arguments.length !== math.arity) return fail(`Math.${e.expression.name.text} with ${e.arguments.length} argument(s) is not an operation a rule's partial can use`);
    const args = e.arguments.map((a) => toPartial(a, operands, diagnostics));
    return args.every((a) => a !== undefined) ? { k: "op", op: math.op, args: args as Partial[] } : undefined;
  }
  return fail("a rule's partial is an expression of f's parameters and value: numbers, arithmetic and Math functions");
}
