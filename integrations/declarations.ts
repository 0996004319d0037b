/**
 * Declarations of what `@differentiable` generates. TypeScript writes a module's .d.ts from the
 * source as the user wrote it, which has no `f_grad`; this transformer adds, for each exported
 * annotated function f,
 *
 *   export declare const f_grad: import("gradc").GradFunction<typeof f>;
 *
 * and likewise `f_valueAndGrad`, `f_jvp` and `f_vjp`, so modules that import the built library
 * see them with their types.
 */
import ts from "typescript";
import { hasDifferentiableTag } from "../compiler/front/markers.js";

const GENERATED: readonly [suffix: string, type: string][] = [
  ["grad", "GradFunction"],
  ["valueAndGrad", "ValueAndGradFunction"],
  ["jvp", "JvpFunction"],
  ["vjp", "VjpFunction"],
];

export function differentiableDeclarations(program: ts.Program): ts.TransformerFactory<ts.SourceFile | ts.Bundle> {
  return () => (node) => {
    if (!ts.isSourceFile(node)) return node;
    const source = program.getSourceFile(node.fileName);
    if (!source) return node;
    const names = source.statements
      .filter((s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && !!s.body && !!s.name && isExported(s) && hasDifferentiableTag(s))
      .map((s) => s.name!.text);
    if (names.length === 0) return node;
    const declarations = names.flatMap((name) =>
      GENERATED.map(([suffix, type]) =>
        ts.factory.createVariableStatement(
          [ts.factory.createModifier(ts.SyntaxKind.ExportKeyword), ts.factory.createModifier(ts.SyntaxKind.DeclareKeyword)],
          ts.factory.createVariableDeclarationList(
            [
              ts.factory.createVariableDeclaration(
                `${name}_${suffix}`,
                undefined,
                ts.factory.createImportTypeNode(
                  ts.factory.createLiteralTypeNode(ts.factory.createStringLiteral("gradc")),
                  undefined,
                  ts.factory.createIdentifier(type),
                  [ts.factory.createTypeQueryNode(ts.factory.createIdentifier(name))],
                ),
              ),
            ],
            ts.NodeFlags.Const,
          ),
        ),
      ),
    );
    return ts.factory.updateSourceFile(node, [...node.statements, ...declarations]);
  };
}

function isExported(s: ts.FunctionDeclaration): boolean {
  return !!(ts.getCombinedModifierFlags(s) & ts.ModifierFlags.Export);
}
