/**
 * Builds the package: `dist/` holds gradc's compiler, integrations, CLI and runtime as ES modules
 * with declarations and source maps, compiled by `gradc build` itself — so the trainer's Q-network
 * gradient (runtime/rl/qnetwork.ts asks for it with `valueAndGradInto`) ships already generated,
 * and `gradc/rl` needs no transform wherever it is imported.
 *
 *   npm run build        (also run by `npm pack` and before `npm test`)
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { build } from "../cli/build.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const runtimeIndex = path.join(root, "runtime", "index.ts");

/**
 * Inside the package, `import … from "gradc"` (the Q-network's markers, the tape import of
 * generated code) becomes a relative import of the runtime: a package importing itself by name
 * resolves only where it is installed under node_modules, not in this checkout.
 */
const selfImportsRelative: ts.TransformerFactory<ts.SourceFile> = (context) => (sf) => {
  let relative = path.relative(path.dirname(sf.fileName), runtimeIndex).replace(/\.ts$/, ".js").split(path.sep).join("/");
  if (!relative.startsWith(".")) relative = `./${relative}`;
  const visit = (node: ts.Node): ts.Node => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && node.moduleSpecifier.text === "gradc") {
      return context.factory.updateImportDeclaration(node, node.modifiers, node.importClause, context.factory.createStringLiteral(relative), node.attributes);
    }
    return node;
  };
  return ts.visitEachChild(sf, visit, context);
};

fs.rmSync(path.join(root, "dist"), { recursive: true, force: true });
const code = await build({ project: path.join(root, "tsconfig.build.json"), watch: false, after: [selfImportsRelative] });
process.exit(code);
