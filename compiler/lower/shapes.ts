/**
 * The shapes of values a differentiated function takes: a number, a boolean, an array, or an
 * object of such fields, nested (JAX's pytrees, written as TypeScript types). Lowering replaces
 * every object by its fields (scalar replacement), so the IR and every analysis after it see only
 * plain variables; the shape says how to take an argument apart and how to put its gradient back
 * together in the same form.
 */
import ts from "typescript";
import type { Type } from "../ir.js";
import type { ModuleGraph } from "../front/modules.js";

/** `float32`: a Float32Array, whose stores round to float32; `integer`: an integer typed array (no derivatives). */
export type Shape = { k: "leaf"; type: Type; float32?: boolean; integer?: boolean; kind?: string } | { k: "object"; fields: [string, Shape][] };

/** Typed arrays of integers: indices, labels, masks — read and written, never differentiated. */
export const INTEGER_ARRAYS = new Set(["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array"]);

/** Where a shape could not be read: the node to point at, why, and what to write instead. */
export class ShapeError extends Error {
  constructor(
    readonly node: ts.Node,
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

const SUBSET_HINT = "use number, boolean, string (inactive), Float64Array, number[], or an object type (interface or type alias) of those";

/** The shape a type annotation describes, following interfaces and type aliases across relative imports. */
export function shapeOfTypeNode(t: ts.TypeNode, sf: ts.SourceFile, graph: ModuleGraph, resolving: string[] = []): Shape {
  if (t.kind === ts.SyntaxKind.NumberKeyword) return { k: "leaf", type: "num" };
  if (t.kind === ts.SyntaxKind.BooleanKeyword) return { k: "leaf", type: "bool" };
  if (t.kind === ts.SyntaxKind.StringKeyword) return { k: "leaf", type: "str" };
  if (ts.isLiteralTypeNode(t)) {
    // `"huber"`, `2`, `true`: a literal type is a value of its base type.
    const literal = t.literal;
    if (ts.isStringLiteral(literal) || ts.isNoSubstitutionTemplateLiteral(literal)) return { k: "leaf", type: "str" };
    if (ts.isNumericLiteral(literal) || ts.isPrefixUnaryExpression(literal)) return { k: "leaf", type: "num" };
    if (literal.kind === ts.SyntaxKind.TrueKeyword || literal.kind === ts.SyntaxKind.FalseKeyword) return { k: "leaf", type: "bool" };
  }
  if (ts.isUnionTypeNode(t)) {
    // `"huber" | "mse"`: a union of literals (or of an enum's members) of one base type.
    const members = t.types.map((m) => shapeOfTypeNode(m, sf, graph, resolving));
    const first = members[0];
    if (first.k === "leaf" && members.every((m) => m.k === "leaf" && m.type === first.type) && first.type !== "arr") return first;
    throw new ShapeError(t, `the union type '${t.getText(sf)}' is outside the differentiable subset`, "a union of string literals, of number literals or of enum members is supported; otherwise use one type");
  }
  if (ts.isParenthesizedTypeNode(t)) return shapeOfTypeNode(t.type, sf, graph, resolving);
  if (ts.isTypeOperatorNode(t) && t.operator === ts.SyntaxKind.ReadonlyKeyword) return shapeOfTypeNode(t.type, sf, graph, resolving);
  if (ts.isArrayTypeNode(t) && t.elementType.kind === ts.SyntaxKind.NumberKeyword) return { k: "leaf", type: "arr" };
  if (ts.isTypeLiteralNode(t)) return objectShape(t.members, sf, graph, resolving);
  if (ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName)) {
    const name = t.typeName.text;
    // A Float32Array computes as JavaScript does — float64 arithmetic, each store rounded to
    // float32 by the array itself — so it is an array like any other; rounding's derivative is 1.
    if (name === "Float64Array") return { k: "leaf", type: "arr" };
    if (name === "Float32Array") return { k: "leaf", type: "arr", float32: true };
    if (INTEGER_ARRAYS.has(name)) return { k: "leaf", type: "arr", integer: true, kind: name };
    if ((name === "Readonly" || name === "ReadonlyArray") && t.typeArguments?.length === 1) {
      const inner = t.typeArguments[0];
      if (name === "ReadonlyArray") {
        if (inner.kind === ts.SyntaxKind.NumberKeyword) return { k: "leaf", type: "arr" };
      } else {
        return shapeOfTypeNode(inner, sf, graph, resolving);
      }
    }
    if (!t.typeArguments) return namedShape(t, name, sf, graph, resolving);
  }
  throw new ShapeError(t, `type '${t.getText(sf)}' is outside the differentiable subset`, SUBSET_HINT);
}

/** An interface or type alias by name, from this module or a relative import. */
function namedShape(at: ts.Node, name: string, sf: ts.SourceFile, graph: ModuleGraph, resolving: string[]): Shape {
  const found = graph.resolveType(sf, name);
  if (!found.ok) throw new ShapeError(at, `type '${name}' is outside the differentiable subset: ${found.reason}`, SUBSET_HINT);
  const { node, sourceFile } = found.value;
  if (ts.isEnumDeclaration(node)) {
    const values = enumValues(node, sourceFile);
    const types = new Set(values.map(([, v]) => typeof v));
    if (types.size > 1) throw new ShapeError(at, `enum '${name}' mixes numbers and strings`, "give every member a number, or every member a string");
    return { k: "leaf", type: types.has("string") ? "str" : "num" };
  }
  const key = `${sourceFile.fileName}#${name}`;
  if (resolving.includes(key)) throw new ShapeError(at, `type '${name}' contains itself`, "a differentiated value has a fixed shape: recursive types (lists, trees) are outside the subset");
  const inner = [...resolving, key];
  if (node.typeParameters?.length) throw new ShapeError(at, `generic type '${name}' is outside the differentiable subset`, "give the object type concrete field types");
  if (ts.isTypeAliasDeclaration(node)) return shapeOfTypeNode(node.type, sourceFile, graph, inner);
  // An interface: its inherited fields first, then its own.
  const fields: [string, Shape][] = [];
  for (const clause of node.heritageClauses ?? []) {
    for (const base of clause.types) {
      if (!ts.isIdentifier(base.expression) || base.typeArguments) throw new ShapeError(base, `'extends ${base.getText(sourceFile)}' is outside the differentiable subset`, "extend interfaces by name");
      const baseShape = namedShape(base, base.expression.text, sourceFile, graph, inner);
      if (baseShape.k !== "object") throw new ShapeError(base, `'${base.getText(sourceFile)}' is not an object type`, SUBSET_HINT);
      fields.push(...baseShape.fields);
    }
  }
  const own = objectShape(node.members, sourceFile, graph, inner);
  for (const [field, shape] of own.k === "object" ? own.fields : []) {
    const i = fields.findIndex(([f]) => f === field);
    if (i >= 0) fields[i] = [field, shape];
    else fields.push([field, shape]);
  }
  return { k: "object", fields };
}

function objectShape(members: ts.NodeArray<ts.TypeElement>, sf: ts.SourceFile, graph: ModuleGraph, resolving: string[]): Shape {
  const fields: [string, Shape][] = [];
  for (const m of members) {
    if (ts.isMethodSignature(m) || ts.isCallSignatureDeclaration(m) || ts.isConstructSignatureDeclaration(m)) {
      throw new ShapeError(m, "methods are outside the differentiable subset", "objects carry data: declare functions at the top level and pass the object to them");
    }
    if (ts.isIndexSignatureDeclaration(m)) throw new ShapeError(m, "index signatures are outside the differentiable subset", "objects need fixed fields, known at build time; use a Float64Array for a variable number of values");
    if (!ts.isPropertySignature(m) || !m.type) throw new ShapeError(m, "every field needs a type annotation", SUBSET_HINT);
    const name = propertyName(m.name);
    if (name === undefined) throw new ShapeError(m.name, "computed field names are outside the differentiable subset", "name fields with identifiers");
    if (m.questionToken) throw new ShapeError(m, `optional field '${name}' is outside the differentiable subset`, "a differentiated object has every field: make it required");
    fields.push([name, shapeOfTypeNode(m.type, sf, graph, resolving)]);
  }
  return { k: "object", fields };
}

/**
 * The members of an enum with their values: a number or string literal, or (with no
 * initializer) one more than the previous number, from 0 — as TypeScript numbers them.
 */
export function enumValues(node: ts.EnumDeclaration, sf: ts.SourceFile): [string, number | string][] {
  let next = 0;
  return node.members.map((m) => {
    const name = propertyName(m.name);
    if (name === undefined) throw new ShapeError(m.name, "computed enum member names are outside the differentiable subset", "name enum members with identifiers");
    const init = m.initializer;
    let value: number | string;
    if (!init) value = next;
    else if (ts.isStringLiteral(init) || ts.isNoSubstitutionTemplateLiteral(init)) value = init.text;
    else if (ts.isNumericLiteral(init)) value = Number(init.text);
    else if (ts.isPrefixUnaryExpression(init) && init.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(init.operand)) value = -Number(init.operand.text);
    else throw new ShapeError(init, `the value of enum member '${name}' is computed`, `write it as a number or string literal (in ${sf.fileName.split("/").pop()})`);
    if (typeof value === "number") next = value + 1;
    return [name, value];
  });
}

/** A field's name as written (`w`, `"w"`, `0`), or undefined for a computed name. */
export function propertyName(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isPrivateIdentifier(name)) return name.text;
  return undefined;
}

/** The shape as a TypeScript type, for generated signatures. */
export function shapeTypeText(shape: Shape, leafType: (t: Type) => string): string {
  if (shape.k === "leaf") return leafType(shape.type);
  return `{ ${shape.fields.map(([f, s]) => `${fieldKey(f)}: ${shapeTypeText(s, leafType)}`).join("; ")} }`;
}

/** `w`, or `"my field"` when the name is not an identifier. */
export function fieldKey(name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name);
}

/** `p.w`, or `p["my field"]`. */
export function fieldAccess(base: string, name: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? `${base}.${name}` : `${base}[${JSON.stringify(name)}]`;
}
