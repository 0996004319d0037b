/**
 * Parsing and cross-module resolution: which function declaration does an identifier name?
 * gradc follows relative imports (and re-exports) to the source of the function, so `f` may be
 * declared in the same module or imported from another one.
 */
import fs from "node:fs";
import path from "node:path";
import ts from "typescript";

export type FunctionNode = ts.FunctionDeclaration | ts.ArrowFunction | ts.FunctionExpression;

export interface ResolvedFunction {
  node: FunctionNode;
  /** The name the function is declared with in its own module. */
  name: string;
  sourceFile: ts.SourceFile;
}

export type Resolution =
  | { ok: true; fn: ResolvedFunction }
  | { ok: false; reason: string };

const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts"];

export class ModuleGraph {
  private readonly files = new Map<string, ts.SourceFile>();

  constructor(private readonly readFile: (file: string) => string | undefined = readIfExists) {}

  /** Registers source text for a file (the module being transformed, already in memory). */
  add(file: string, text: string): ts.SourceFile {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ESNext, true, file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
    this.files.set(file, sf);
    return sf;
  }

  get(file: string): ts.SourceFile | undefined {
    const cached = this.files.get(file);
    if (cached) return cached;
    const text = this.readFile(file);
    return text === undefined ? undefined : this.add(file, text);
  }

  /** Resolves a relative import specifier to a TypeScript file on disk. */
  resolveSpecifier(fromFile: string, specifier: string): string | undefined {
    if (!specifier.startsWith(".") && !path.isAbsolute(specifier)) return undefined;
    const base = path.resolve(path.dirname(fromFile), specifier);
    const stem = base.replace(/\.(m|c)?js$/, "");
    const candidates = [base, ...EXTENSIONS.map((e) => stem + e), ...EXTENSIONS.map((e) => path.join(base, "index" + e))];
    return candidates.find((c) => this.files.has(c) || (EXTENSIONS.some((e) => c.endsWith(e)) && this.readFile(c) !== undefined));
  }

  /** Finds the function an identifier refers to at the top level of `sf`. */
  resolveLocal(sf: ts.SourceFile, name: string): Resolution {
    const found = this.resolveName(sf, name, new Set(), functionDeclaredBy);
    return found.ok ? { ok: true, fn: found.value } : found;
  }

  /** Finds the interface, type alias or enum a type name refers to at the top level of `sf`. */
  resolveType(sf: ts.SourceFile, name: string): Found<ResolvedType> {
    return this.resolveName(sf, name, new Set(), typeDeclaredBy);
  }

  /**
   * Follows `name` from `sf` to its declaration: a statement of `sf` that `declares` it, or through
   * named and default imports and re-exports to the module that does.
   */
  private resolveName<T>(sf: ts.SourceFile, name: string, seen: Set<string>, declares: Declares<T>): Found<T> {
    const key = `${sf.fileName}#${name}`;
    if (seen.has(key)) return { ok: false, reason: `circular re-export of '${name}'` };
    seen.add(key);
    for (const stmt of sf.statements) {
      const found = declares(stmt, name, sf);
      if (found) return found;
      if (ts.isImportDeclaration(stmt) && stmt.importClause && ts.isStringLiteral(stmt.moduleSpecifier)) {
        const bindings = stmt.importClause.namedBindings;
        if (bindings && ts.isNamedImports(bindings)) {
          for (const el of bindings.elements) {
            if (el.name.text === name) {
              const imported = (el.propertyName ?? el.name).text;
              return this.resolveExport(sf, stmt.moduleSpecifier.text, imported, seen, declares);
            }
          }
        }
        if (stmt.importClause.name?.text === name) {
          return this.resolveExport(sf, stmt.moduleSpecifier.text, "default", seen, declares);
        }
      }
    }
    return { ok: false, reason: `gradc cannot find a declaration of '${name}' in ${path.basename(sf.fileName)}` };
  }

  private resolveExport<T>(fromSf: ts.SourceFile, specifier: string, exported: string, seen: Set<string>, declares: Declares<T>): Found<T> {
    const file = this.resolveSpecifier(fromSf.fileName, specifier);
    if (!file) {
      return { ok: false, reason: `'${exported}' comes from '${specifier}', which gradc cannot read (only relative TypeScript imports are followed)` };
    }
    const sf = this.get(file)!;
    for (const stmt of sf.statements) {
      if (ts.isExportDeclaration(stmt) && stmt.exportClause && ts.isNamedExports(stmt.exportClause)) {
        for (const el of stmt.exportClause.elements) {
          if (el.name.text !== exported) continue;
          const local = (el.propertyName ?? el.name).text;
          if (stmt.moduleSpecifier && ts.isStringLiteral(stmt.moduleSpecifier)) {
            return this.resolveExport(sf, stmt.moduleSpecifier.text, local, seen, declares);
          }
          return this.resolveName(sf, local, seen, declares);
        }
      }
      if (exported === "default" && hasModifier(stmt, ts.SyntaxKind.DefaultKeyword)) {
        const found = declares(stmt, ts.isFunctionDeclaration(stmt) || ts.isInterfaceDeclaration(stmt) ? (stmt.name?.text ?? "default") : "default", sf);
        if (found) return found;
      }
    }
    return this.resolveName(sf, exported, seen, declares);
  }
}

export type Found<T> = { ok: true; value: T } | { ok: false; reason: string };

/** What a top-level statement declares under `name`: a match, a reason it cannot be used, or nothing. */
type Declares<T> = (stmt: ts.Statement, name: string, sf: ts.SourceFile) => Found<T> | undefined;

export interface ResolvedType {
  node: ts.InterfaceDeclaration | ts.TypeAliasDeclaration | ts.EnumDeclaration;
  sourceFile: ts.SourceFile;
}

const functionDeclaredBy: Declares<ResolvedFunction> = (stmt, name, sf) => {
  if (ts.isFunctionDeclaration(stmt) && (stmt.name?.text ?? "default") === name) {
    // An overload signature has no body: the implementation comes later.
    return stmt.body ? { ok: true, value: { node: stmt, name, sourceFile: sf } } : undefined;
  }
  if (!ts.isVariableStatement(stmt)) return undefined;
  for (const decl of stmt.declarationList.declarations) {
    if (!ts.isIdentifier(decl.name) || decl.name.text !== name) continue;
    const init = decl.initializer && skipParens(decl.initializer);
    if (init && (ts.isArrowFunction(init) || ts.isFunctionExpression(init))) {
      if (!(stmt.declarationList.flags & ts.NodeFlags.Const)) {
        return { ok: false, reason: `'${name}' is a mutable variable; declare it with 'const' or as a function` };
      }
      return { ok: true, value: { node: init, name, sourceFile: sf } };
    }
    return { ok: false, reason: `'${name}' is not a function declaration gradc can read` };
  }
  return undefined;
};

const typeDeclaredBy: Declares<ResolvedType> = (stmt, name, sf) =>
  (ts.isInterfaceDeclaration(stmt) || ts.isTypeAliasDeclaration(stmt) || ts.isEnumDeclaration(stmt)) && stmt.name.text === name ? { ok: true, value: { node: stmt, sourceFile: sf } } : undefined;

export function skipParens(e: ts.Expression): ts.Expression {
  while (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isNonNullExpression(e) || ts.isSatisfiesExpression(e)) {
    e = e.expression;
  }
  return e;
}

export function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) ? (ts.getModifiers(node) ?? []).some((m) => m.kind === kind) : false;
}

function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}
