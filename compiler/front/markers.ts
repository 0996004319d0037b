/**
 * Finds what a module asks of gradc: marker calls such as `grad(f, { wrt: [1] })` on functions
 * imported from "gradc", and functions annotated with a `@differentiable` JSDoc tag.
 */
import ts from "typescript";
import { diagnosticAt, type Diagnostic } from "../diagnostics.js";
import { skipParens } from "./modules.js";

export const PACKAGE_NAME = "gradc";
export type MarkerApi = "grad" | "valueAndGrad" | "valueAndGradInto" | "jvp" | "vjp" | "jit" | "hessian" | "hvp" | "jacobian";
const MARKER_APIS: readonly string[] = ["grad", "valueAndGrad", "valueAndGradInto", "jvp", "vjp", "jit", "hessian", "hvp", "jacobian"];

/** How `jacobian` builds its matrix: a jvp per input column, a vjp per output row, or the cheaper of the two for the sizes at hand. */
export const JACOBIAN_MODES = ["forward", "reverse", "auto"] as const;
export type JacobianMode = (typeof JACOBIAN_MODES)[number];

export interface MarkerOptions {
  /** Parameter indices to differentiate with respect to; undefined means every parameter. */
  wrt?: number[];
  /** `wrt: 0` (a single index) asks for a single gradient rather than a list. */
  single: boolean;
  engine: Engine;
  /**
   * `dtype` as written (engine "wasm" only): "float32" computes the differentiated arrays and what
   * is computed from them in float32, "float64" everything in float64. Undefined when not written:
   * the wasm engine then computes Float32Array parameters in float32 (compiler/index.ts).
   */
  dtype?: Dtype;
  /** `jacobian`'s `mode` ("auto" unless written). */
  mode: JacobianMode;
  /** Where each `wrt` index is written, for diagnostics about it (the whole `wrt` value last). */
  wrtNodes: ts.Node[];
}

export interface MarkerCall {
  api: MarkerApi;
  call: ts.CallExpression;
  /** The function argument: an identifier naming a function, or an inline function. */
  target: ts.Expression;
  options: MarkerOptions;
  /** `grad(grad(f, { wrt: i }))`: the marker call this one differentiates (a second derivative). */
  inner?: MarkerCall;
}

export interface ModuleRequests {
  markers: MarkerCall[];
  /** `checkGrad(f, args, options)` calls: f is replaced by every engine's derivative of it. */
  checks: ts.CallExpression[];
  annotated: ts.FunctionDeclaration[];
  /** Local names bound to gradc's `stopGradient`. */
  stopGradientNames: Set<string>;
  /** Local names of namespace imports of gradc (`import * as G from "gradc"`). */
  namespaceNames: Set<string>;
}

/** How a derivative runs: generated JavaScript, the tape engine, or generated WebAssembly. */
export const ENGINES = ["compiled", "tape", "wasm"] as const;
export type Engine = (typeof ENGINES)[number];

/** The precision derivatives compute in: float64, or float32 on the wasm engine. */
export const DTYPES = ["float64", "float32"] as const;
export type Dtype = (typeof DTYPES)[number];

/**
 * What a wrapper computes in float32 on the wasm engine: nothing ("float64"), the differentiated
 * arrays and what flows from them (`dtype: "float32"`), or — no dtype written — f's Float32Array
 * parameters and what flows from them ("declared"; DESIGN.md: Float32Array parameters compute in
 * float32, Float64Array ones in float64).
 */
export type Precision = Dtype | "declared";

export function findRequests(sf: ts.SourceFile, diagnostics: Diagnostic[]): ModuleRequests {
  const apiByLocal = new Map<string, string>();
  const namespaceNames = new Set<string>();
  for (const stmt of sf.statements) {
    if (!ts.isImportDeclaration(stmt) || !ts.isStringLiteral(stmt.moduleSpecifier)) continue;
    if (stmt.moduleSpecifier.text !== PACKAGE_NAME) continue;
    const bindings = stmt.importClause?.namedBindings;
    if (bindings && ts.isNamedImports(bindings)) {
      for (const el of bindings.elements) apiByLocal.set(el.name.text, (el.propertyName ?? el.name).text);
    } else if (bindings && ts.isNamespaceImport(bindings)) {
      namespaceNames.add(bindings.name.text);
    }
  }
  const apiOf = (callee: ts.Expression): string | undefined => {
    if (ts.isIdentifier(callee)) return apiByLocal.get(callee.text);
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && namespaceNames.has(callee.expression.text)) {
      return callee.name.text;
    }
    return undefined;
  };

  const markers: MarkerCall[] = [];
  const checks: ts.CallExpression[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const api = apiOf(node.expression);
      if (api === "checkGrad") {
        if (node.arguments.length < 2) diagnostics.push(diagnosticAt(node, "checkGrad() takes a function, its arguments and optional options", "write checkGrad(f, [x1, x2])"));
        else checks.push(node);
      }
      if (api && MARKER_APIS.includes(api)) {
        const marker = readMarker(api as MarkerApi, node, diagnostics);
        if (marker) markers.push(marker);
        // grad(grad(f, { wrt: i })): the inner call is part of the outer request, not one of its own.
        const target = marker && skipParens(marker.target);
        const innerApi = target && ts.isCallExpression(target) ? apiOf(target.expression) : undefined;
        if (marker && innerApi && MARKER_APIS.includes(innerApi)) {
          const inner = readMarker(innerApi as MarkerApi, target as ts.CallExpression, diagnostics);
          if (inner) marker.inner = inner;
          else markers.pop();
          return;
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);

  const annotated = sf.statements.filter((s): s is ts.FunctionDeclaration => ts.isFunctionDeclaration(s) && !!s.body && hasDifferentiableTag(s));
  const stopGradientNames = new Set([...apiByLocal].filter(([, api]) => api === "stopGradient").map(([local]) => local));
  return { markers, checks, annotated, stopGradientNames, namespaceNames };
}

function readMarker(api: MarkerApi, call: ts.CallExpression, diagnostics: Diagnostic[]): MarkerCall | undefined {
  if (call.arguments.length < 1 || call.arguments.length > 2) {
    diagnostics.push(diagnosticAt(call, `${api}() takes a function and an optional options object`, `write ${api}(f) or ${api}(f, { wrt: [0] })`));
    return undefined;
  }
  const options: MarkerOptions = { single: false, engine: "compiled", mode: "auto", wrtNodes: [] };
  let dtypeNode: ts.Node | undefined;
  const optArg = call.arguments[1];
  if (optArg) {
    const obj = skipParens(optArg);
    if (!ts.isObjectLiteralExpression(obj)) {
      diagnostics.push(diagnosticAt(optArg, `the options of ${api}() must be an object literal`, "gradc reads the options at build time: write them inline, e.g. { wrt: [0, 2] }"));
      return undefined;
    }
    for (const prop of obj.properties) {
      if (!ts.isPropertyAssignment(prop) || !ts.isIdentifier(prop.name)) {
        diagnostics.push(diagnosticAt(prop, `unsupported option syntax in ${api}()`, "write plain `key: value` pairs"));
        return undefined;
      }
      const value = skipParens(prop.initializer);
      if (prop.name.text === "wrt") {
        if (literalNumber(value) !== undefined) {
          options.wrt = [literalNumber(value)!];
          options.single = true;
          options.wrtNodes = [value, prop];
        } else if (ts.isArrayLiteralExpression(value) && value.elements.every((e) => literalNumber(e) !== undefined)) {
          options.wrt = value.elements.map((e) => literalNumber(e)!);
          options.wrtNodes = [...value.elements, prop];
        } else {
          diagnostics.push(diagnosticAt(prop.initializer, "`wrt` must be a parameter index or a list of indices written as literals", "e.g. { wrt: 0 } or { wrt: [0, 2] }"));
          return undefined;
        }
      } else if (prop.name.text === "engine") {
        if (ts.isStringLiteral(value) && (ENGINES as readonly string[]).includes(value.text)) {
          options.engine = value.text as Engine;
        } else {
          diagnostics.push(diagnosticAt(prop.initializer, '`engine` must be the literal "compiled", "tape" or "wasm"'));
          return undefined;
        }
      } else if (prop.name.text === "dtype") {
        if (ts.isStringLiteral(value) && (DTYPES as readonly string[]).includes(value.text)) {
          options.dtype = value.text as Dtype;
          dtypeNode = prop;
        } else {
          diagnostics.push(diagnosticAt(prop.initializer, '`dtype` must be the literal "float64" or "float32"'));
          return undefined;
        }
      } else if (prop.name.text === "mode" && api === "jacobian") {
        if (ts.isStringLiteral(value) && (JACOBIAN_MODES as readonly string[]).includes(value.text)) {
          options.mode = value.text as JacobianMode;
        } else {
          diagnostics.push(diagnosticAt(prop.initializer, '`mode` must be the literal "forward", "reverse" or "auto"'));
          return undefined;
        }
      } else {
        diagnostics.push(diagnosticAt(prop.name, `unknown option '${prop.name.text}' for ${api}()`, `known options: wrt, engine, dtype${api === "jacobian" ? ", mode" : ""}`));
        return undefined;
      }
    }
  }
  if (options.dtype !== undefined && options.engine !== "wasm") {
    diagnostics.push(diagnosticAt(dtypeNode!, `dtype "${options.dtype}" needs engine: "wasm"`, `the ${options.engine} engine computes in float64: write { engine: "wasm", dtype: "${options.dtype}" }`));
    return undefined;
  }
  return { api, call, target: call.arguments[0], options };
}

/** A numeric literal, possibly negated (`-1`), as written in the source. */
function literalNumber(e: ts.Expression): number | undefined {
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(e.operand)) return -Number(e.operand.text);
  return undefined;
}

/**
 * Whether a declaration's doc comment carries the `@differentiable` tag. Read from the comment's
 * text rather than from `ts.getJSDocTags`: a program parsed as `tsc` parses it (ts-patch's `tspc`)
 * skips JSDoc in .ts files and would report no tags at all.
 */
export function hasDifferentiableTag(node: ts.Node): boolean {
  const text = node.getSourceFile().text;
  return (ts.getLeadingCommentRanges(text, node.pos) ?? []).some((range) => {
    const comment = text.slice(range.pos, range.end);
    return comment.startsWith("/**") && /(?:^|[\s*])@differentiable(?![\w$])/.test(comment);
  });
}
