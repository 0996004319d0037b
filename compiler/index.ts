/**
 * gradc's compiler: transforms one TypeScript module so that every marker call (`grad(f)`,
 * `valueAndGrad`, `jvp`, `vjp`) and every `@differentiable` function gets generated derivative
 * code. The phases run in order, each in its own folder:
 *
 *   front → lower → analyze → differentiate → optimize → emit
 */
import MagicString from "magic-string";
import ts from "typescript";
import { type Diagnostic, DiagnosticError, diagnosticAt, diagnosticAtLoc, syntaxDiagnostics } from "./diagnostics.js";
import { type Engine, type MarkerCall, type MarkerOptions, type ModuleRequests, type Precision, findRequests } from "./front/markers.js";
import { ModuleGraph, type ResolvedFunction, skipParens } from "./front/modules.js";
import { checkedRulesOf } from "./front/rules.js";
import { createLowerContext, lowerFunction } from "./lower/lower.js";
import { markRecursion, recursionProblems } from "./lower/recursion.js";
import { moduleDeclaration } from "./lower/module-scope.js";
import { type FnIR, type GFn, paramLeaves, walk, writtenParams } from "./ir.js";
import { analyzeActivity } from "./analyze/activity.js";
import { type GeneratedNames, forwardFunction, isDifferentiableParam } from "./differentiate/forward.js";
import { UnsupportedInReverse, reverseFunction } from "./differentiate/reverse.js";
import { primalFunction } from "./differentiate/primal.js";
import { SecondOrderUnsupported, tangentPosition, tangentProgram } from "./differentiate/tangent-program.js";
import { ruleForwardFunction, ruleReverseFunction } from "./differentiate/rules.js";
import { simplify } from "./optimize/simplify.js";
import { SUPPORT_NAME, printFunction } from "./emit/print.js";
import { supportDeclaration } from "./emit/support.js";
import { type WrapperKind, type WrapperSpec, guardRecursion, printWrapper } from "./emit/wrappers.js";
import { TAPE_NAME, printTapeWrapper, printTapedFunction, printTapedRuleFunction } from "./emit/taped.js";
import { type AdapterSpec, flatWrt, needsAdapter, printAdapter, printFlatteningAdapter, printHvpAdapter } from "./emit/adapters.js";
import { printDenseHessian, printGradOfGradWrapper, printHessianWrapper, printHvpThroughGrad, printHvpWrapper, printJacobianWrapper } from "./emit/matrices.js";
import { loadWasmBackend, wasmBackend } from "./emit/wasm/binaryen.js";
import { WasmUnsupported } from "./emit/wasm/unsupported.js";
import { buildWasmModule } from "./emit/wasm/module.js";
import { wasmSupportDeclaration } from "./emit/wasm/glue.js";
import { printWasmWrapper, wasmEntries } from "./emit/wasm/wrappers.js";
import type { ElementKind } from "./emit/wasm/layout.js";

export { type Diagnostic, DiagnosticError, formatDiagnostic } from "./diagnostics.js";

export interface TransformOptions {
  /** Reads imported modules (defaults to the file system). */
  readFile?: (file: string) => string | undefined;
  /** Shared across modules of one build so each imported file is parsed once. */
  graph?: ModuleGraph;
  /** binaryen's optimisation level (0–3) for the wasm engine's module; default 3. Lower builds faster (the fuzzer's test sample uses 1). */
  wasmOptimizeLevel?: number;
}

export interface TransformResult {
  /** The transformed module, or undefined when nothing in it concerns gradc. */
  code: string | undefined;
  map: ReturnType<MagicString["generateMap"]> | undefined;
  diagnostics: Diagnostic[];
  /** The wasm engine's module, when a wrapper asks for it: its loops run on f64x2 lanes, by generated function. */
  wasm?: { vectorizedLoops: Record<string, number> };
}

/**
 * What gradc does to a module, as edits of its source text: each marker call replaced by the name
 * of its generated function, and one block of generated declarations inserted after the imports.
 * Text-based integrations (the bundler plugins, the Node hook) splice it with magic-string; the
 * TypeScript transformer (gradc/tsc) applies it to the module's syntax tree.
 */
export interface ModulePlan {
  replacements: { start: number; end: number; text: string }[];
  /** Generated TypeScript declarations (functions, the support object, a tape import). */
  block: string;
  /** Source offset the block goes at: the end of the last import. */
  insertAt: number;
  /** The wasm engine's module, when a wrapper asks for it (see TransformResult). */
  wasm?: { vectorizedLoops: Record<string, number> };
}

/**
 * Plans the transform of a module. `plan` is undefined when nothing in the module concerns gradc or on diagnostics.
 * `needsWasmBackend`: the module asks for `engine: "wasm"` before binaryen was loaded (`transformModuleAsync` loads it).
 */
export function planModule(code: string, file: string, options: TransformOptions = {}): { plan: ModulePlan | undefined; diagnostics: Diagnostic[]; needsWasmBackend?: boolean } {
  const graph = options.graph ?? new ModuleGraph(options.readFile);
  const sf = graph.add(file, code);
  const diagnostics: Diagnostic[] = syntaxDiagnostics(sf);
  if (diagnostics.length > 0) return { plan: undefined, diagnostics };
  const requests = findRequests(sf, diagnostics);
  if (requests.markers.length === 0 && requests.annotated.length === 0 && requests.checks.length === 0) {
    return { plan: undefined, diagnostics };
  }
  const wasmMarker = requests.markers.find((m) => m.options.engine === "wasm");
  if (wasmMarker && !wasmBackend()) {
    diagnostics.push(
      diagnosticAt(
        wasmMarker.call,
        'engine "wasm" needs binaryen, which loads asynchronously, and this build calls gradc synchronously',
        "build with gradc's plugin, CLI or Node hook (they load it), or call transformModuleAsync from gradc/compiler",
      ),
    );
    return { plan: undefined, diagnostics, needsWasmBackend: true };
  }
  const plan = new ModuleCompiler(sf, graph, diagnostics, requests, options.wasmOptimizeLevel ?? 3).compile();
  return diagnostics.length > 0 ? { plan: undefined, diagnostics } : { plan, diagnostics };
}

/** Transforms a module's source text. Diagnostics are returned, never thrown. */
export function transformModule(code: string, file: string, options: TransformOptions = {}): TransformResult {
  const { plan, diagnostics } = planModule(code, file, options);
  return applyPlan(code, file, plan, diagnostics);
}

/** transformModule, loading the wasm engine's binaryen first when the module asks for it. */
export async function transformModuleAsync(code: string, file: string, options: TransformOptions = {}): Promise<TransformResult> {
  const planned = planModule(code, file, options);
  if (!planned.needsWasmBackend) return applyPlan(code, file, planned.plan, planned.diagnostics);
  await loadWasmBackend();
  return transformModule(code, file, options);
}

export { loadWasmBackend } from "./emit/wasm/binaryen.js";

function applyPlan(code: string, file: string, plan: ModulePlan | undefined, diagnostics: Diagnostic[]): TransformResult {
  if (!plan) return { code: undefined, map: undefined, diagnostics };
  const s = new MagicString(code);
  for (const r of plan.replacements) s.overwrite(r.start, r.end, r.text);
  s.appendLeft(plan.insertAt, plan.block);
  return { code: s.toString(), map: s.generateMap({ hires: true, source: file, includeContent: true }), diagnostics: [], ...(plan.wasm ? { wasm: plan.wasm } : {}) };
}

/** Like transformModule, but throws a DiagnosticError with every formatted diagnostic. */
export function transformOrThrow(code: string, file: string, options: TransformOptions = {}): { code: string; map: TransformResult["map"] } {
  const result = transformModule(code, file, options);
  if (result.diagnostics.length > 0) throw new DiagnosticError(result.diagnostics);
  return { code: result.code ?? code, map: result.map };
}

function isAmbient(name: ts.Node): boolean {
  for (let n: ts.Node | undefined = name; n; n = n.parent) {
    if (ts.canHaveModifiers(n) && (ts.getModifiers(n) ?? []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword)) return true;
  }
  return false;
}

/** What `@differentiable` generates beside f: f_grad, f_valueAndGrad, f_jvp, f_vjp. */
const ANNOTATED_KINDS = ["grad", "valueAndGrad", "jvp", "vjp"] as const;

interface WrapperRequest {
  kind: WrapperKind;
  fn: FnIR;
  /** Parameter indices, already checked against `fn`. */
  wrt: number[];
  /** `wrt: i` was written as a single index: the wrapper returns one gradient, not a list. */
  single?: boolean;
  /** Export the wrapper (a `@differentiable` function's generated exports). */
  exported?: boolean;
  /** The wrapper's name when the user sees it (`f_grad`); otherwise a fresh one. */
  publicName?: string;
  engine?: Engine;
  dtype?: Precision;
}

class ModuleCompiler {
  private readonly lowerCtx;
  private readonly takenNames: Set<string>;
  private readonly generatedNames = new Map<string, string>();
  /** Recursion problems (and out-of-scope external functions) already reported: every target re-checks the functions lowered so far. */
  private readonly reportedRecursion = new Set<string>();
  private readonly functions = new Map<string, FnIR>();
  private readonly pending: (() => GFn)[] = [];
  /** Every generated function once simplified, by name (the wasm engine compiles some of them). */
  private readonly generated = new Map<string, GFn>();
  private readonly wrappers: WrapperSpec[] = [];
  private readonly adapters: AdapterSpec[] = [];
  private readonly tapedFunctions: string[] = [];
  /** What the wasm module reports, once built (ModulePlan.wasm). */
  private wasmStats: ModulePlan["wasm"];
  /** Per tape wrapper, the variables of its function held as tape nodes. */
  private readonly tapeNodes = new Map<string, Set<string>>();
  private adjointSlots = 1;
  /** hvp, hessian and jacobian wrappers, printed (emit/matrices.ts). */
  private readonly matrixWrappers: string[] = [];
  /** A hessian or jacobian asks for the support object's loops over basis directions. */
  private usesMatrices = false;
  /** Tangent programs (second order) by the name of the function they differentiate. */
  private readonly tangentPrograms = new Map<string, FnIR>();
  /** How the wasm module stores the array parameters of its float32 entries. */
  private wasmParameterKinds = new Map<string, (ElementKind | undefined)[]>();

  constructor(
    private readonly sf: ts.SourceFile,
    private readonly graph: ModuleGraph,
    private readonly diagnostics: Diagnostic[],
    private readonly requests: ModuleRequests,
    private readonly wasmOptimizeLevel: number,
  ) {
    this.lowerCtx = createLowerContext(graph, diagnostics);
    this.takenNames = new Set(sf.text.match(/[A-Za-z_$][\w$]*/g) ?? []);
  }

  compile(): ModulePlan | undefined {
    // This module's own defineRule calls are checked even when no function it declares is differentiated.
    if (!this.lowerCtx.ruleFilesReported.has(this.sf)) {
      this.lowerCtx.ruleFilesReported.add(this.sf);
      this.diagnostics.push(...checkedRulesOf(this.sf, this.graph));
    }
    const replacements: ModulePlan["replacements"] = [];
    const replace = (node: ts.Node, text: string) => replacements.push({ start: node.getStart(this.sf), end: node.getEnd(), text });
    // The exports `@differentiable` promises are reserved first, so names chosen for marker
    // wrappers never take them (a module may both annotate f and call grad(f), or call f_grad).
    for (const decl of this.requests.annotated) {
      for (const kind of ANNOTATED_KINDS) this.takenNames.add(`${decl.name!.text}_${kind}`);
    }
    for (const marker of this.requests.markers) {
      // jit(f) on the compiled or tape engine is f as it is.
      if (marker.api === "jit" && marker.options.engine !== "wasm") {
        replace(marker.call, `(${marker.target.getText(this.sf)})`);
        continue;
      }
      if (marker.inner) {
        const name = this.gradOfGrad(marker, marker.inner);
        if (name) replace(marker.call, name);
        continue;
      }
      if (marker.api === "hessian" || marker.api === "hvp" || marker.api === "jacobian") {
        const name = this.matrixWrapper(marker);
        if (name) replace(marker.call, name);
        continue;
      }
      const fn = this.lowerTarget(marker.target, marker.call, marker.api);
      if (!fn) continue;
      // jit's `wrt`: the arrays dtype "float32" stores as float32 (all its float arrays without one).
      const wrt = marker.api === "jit" && !marker.options.wrt ? fn.signature.map((_, i) => i) : this.checkWrt(fn, marker.options.wrt, marker.options.wrtNodes, marker.call, marker.api);
      if (!wrt) continue;
      const name = this.wrapper({ kind: marker.api, fn, wrt, single: marker.options.single, engine: marker.options.engine, dtype: precisionOf(marker.options, fn) });
      if (name) replace(marker.call, name);
    }
    for (const call of this.requests.checks) {
      const target = call.arguments[0];
      const fn = this.lowerTarget(target, call, "checkGrad");
      if (!fn) continue;
      const wrt = this.checkWrt(fn, undefined, [], target, "checkGrad");
      if (!wrt) continue;
      // Every engine's derivative of f, handed to the runtime checker in f's place. The checker
      // calls f with the source's arguments: the primal does when its parameters are the
      // source's, f itself when they were flattened (objects, optional parameters).
      const engines = [
        `name: ${JSON.stringify(fn.sourceName)}`,
        `f: ${needsAdapter(fn) ? target.getText() : this.names().primal(fn.name)}`,
        `reverse: ${this.wrapper({ kind: "grad", fn, wrt })}`,
        `forward: ${this.wrapper({ kind: "jvp", fn, wrt })}`,
        `tape: ${this.wrapper({ kind: "grad", fn, wrt, engine: "tape" })}`,
      ];
      replace(target, `{ ${engines.join(", ")} }`);
    }
    for (const decl of this.requests.annotated) {
      const fn = this.lowerTarget(decl.name!, decl, "@differentiable");
      if (!fn) continue;
      const wrt = this.checkWrt(fn, undefined, [], decl.name!, "grad");
      if (!wrt) continue;
      const exported = !!(ts.getCombinedModifierFlags(decl) & ts.ModifierFlags.Export);
      for (const kind of ANNOTATED_KINDS) {
        const publicName = `${decl.name!.text}_${kind}`;
        const existing = moduleDeclaration(this.sf, publicName);
        // A `declare function f_grad(…)` only types the generated export for the checker.
        if (existing && !isAmbient(existing)) {
          this.diagnostics.push(diagnosticAt(decl.name!, `@differentiable would generate '${publicName}', but the module already declares that name`, "rename the existing declaration"));
          continue;
        }
        this.wrapper({ kind, fn, wrt, exported, publicName });
      }
    }
    if (this.diagnostics.length > 0) return undefined;

    const functions: string[] = [];
    const sites = { next: 0 };
    try {
      while (this.pending.length > 0) {
        const gfn = simplify(this.pending.shift()!());
        this.generated.set(gfn.name, gfn);
        functions.push(printFunction(gfn, sites));
      }
    } catch (e) {
      if (e instanceof UnsupportedInReverse) {
        this.diagnostics.push(this.diagnosticAtLoc(e.loc, e.message));
        return undefined;
      }
      throw e;
    }
    const wasm = this.wasmModule();
    if (wasm === null) return undefined;
    const usesTape = this.wrappers.some((w) => w.engine === "tape");
    const block = [
      "",
      "// ---- generated by gradc: derivative code for this module (do not edit) ----",
      // The tape is read into a module constant once: bundlers and test runners may turn an
      // imported binding into a property read per use, which fails at the stack's limit.
      ...(usesTape ? [`import { sharedTape as ${TAPE_NAME}Import } from "gradc";\nconst ${TAPE_NAME} = ${TAPE_NAME}Import;`] : []),
      supportDeclaration(this.adjointSlots, this.adapters.some((a) => a.fn.resultLayout !== undefined), this.usesMatrices),
      ...functions,
      ...(wasm ? [wasm] : []),
      ...this.tapedFunctions,
      ...this.wrappers.map((w) => guardRecursion(w.fn, this.printWrapper(w))),
      ...this.adapters.map(printAdapter),
      ...this.matrixWrappers,
      "// ---- end of generated code ----",
      "",
    ].join("\n\n");
    return { replacements, block, insertAt: this.insertionPoint(), ...(this.wasmStats ? { wasm: this.wasmStats } : {}) };
  }

  private printWrapper(w: WrapperSpec): string {
    if (w.engine === "tape") return printTapeWrapper(w, w.primalName, this.tapeNodes.get(w.name)!);
    if (w.engine === "wasm") return printWasmWrapper(w, this.wasmParameterKinds);
    return printWrapper(w);
  }

  /**
   * The wasm engine's module and its JavaScript glue, when a wrapper asks for it: the generated
   * functions its wrappers call, compiled to WebAssembly. Undefined when no wrapper does; null
   * after a diagnostic (a construct the engine does not compile).
   */
  private wasmModule(): string | undefined | null {
    const wrappers = this.wrappers.filter((w) => w.engine === "wasm");
    if (wrappers.length === 0) return undefined;
    try {
      const module = buildWasmModule(wasmBackend()!, this.generated, wasmEntries(wrappers), this.adjointSlots, SUPPORT_NAME, this.wasmOptimizeLevel);
      this.wasmParameterKinds = module.parameterKinds;
      this.wasmStats = { vectorizedLoops: module.vectorizedLoops };
      return wasmSupportDeclaration(module);
    } catch (e) {
      if (!(e instanceof WasmUnsupported)) throw e;
      const loc = e.loc ?? wrappers[0].fn.loc;
      this.diagnostics.push(diagnosticAtLoc(loc, `engine "wasm": ${e.message}`, this.graph, 'use the default engine (generated JavaScript) for this function'));
      return null;
    }
  }

  /** After the last import, so generated code is initialised before the module's own code runs. */
  private insertionPoint(): number {
    let pos = 0;
    for (const stmt of this.sf.statements) if (ts.isImportDeclaration(stmt)) pos = stmt.getEnd();
    return pos;
  }

  /** `api`: what is asked of the function (`grad`, `vjp`, `checkGrad`…); only `jvp` and `vjp` take array results. */
  private lowerTarget(target: ts.Expression | ts.Identifier, at: ts.Node, api: string): FnIR | undefined {
    const expr = skipParens(target as ts.Expression);
    let resolved: ResolvedFunction;
    if (ts.isIdentifier(expr)) {
      const r = this.graph.resolveLocal(this.sf, expr.text);
      if (!r.ok) {
        this.diagnostics.push(diagnosticAt(expr, `cannot differentiate '${expr.text}': ${r.reason}`, "pass a function declared in this module or imported from a relative path"));
        return undefined;
      }
      resolved = r.fn;
    } else if (ts.isArrowFunction(expr) || ts.isFunctionExpression(expr)) {
      resolved = { node: expr, name: "anonymous", sourceFile: this.sf };
    } else {
      this.diagnostics.push(diagnosticAt(expr, "the function to differentiate must be named directly", "write grad(f) with f a function declaration, or an inline arrow function"));
      return undefined;
    }
    const fn = lowerFunction(resolved, this.lowerCtx);
    if (!fn) return undefined; // its diagnostics were reported when it was first lowered
    if (!this.registerAll(fn)) return undefined;
    if (!this.externalsInScope()) return undefined;
    if (!fn.returnsValue) {
      const decl = resolved.node;
      this.diagnostics.push(diagnosticAt(ts.isFunctionDeclaration(decl) && decl.name ? decl.name : decl, `'${fn.sourceName}' returns nothing, so it has no derivative`, "a differentiated function returns the number to differentiate"));
      return undefined;
    }
    if (fn.resultType === "arr" && api !== "jvp" && api !== "vjp" && api !== "jit" && api !== "jacobian") {
      this.diagnostics.push(
        diagnosticAt(at, `'${fn.sourceName}' returns ${fn.resultLayout ? "an object" : "an array"}, so ${api} has no single gradient for it`, "use vjp(f) for a cotangent's pullback or jvp(f) for a directional derivative of a vector-valued function"),
      );
      return undefined;
    }
    if (fn.resultType !== "num" && fn.resultType !== "arr") {
      this.diagnostics.push(diagnosticAt(at, `'${fn.sourceName}' must return a number to be differentiated`));
      return undefined;
    }
    return fn;
  }

  /**
   * Generated code calls a function gradc cannot read by the name its rule's module binds it to:
   * only that module's derivatives may use it. False after a diagnostic (once per function).
   */
  private externalsInScope(): boolean {
    let ok = true;
    for (const fn of this.functions.values()) {
      if (!fn.external || fn.external.file === this.sf.fileName) continue;
      ok = false;
      const key = `external|${fn.name}`;
      if (this.reportedRecursion.has(key)) continue;
      this.reportedRecursion.add(key);
      this.diagnostics.push(
        diagnosticAtLoc(fn.loc, `'${fn.sourceName}' is a function gradc cannot read, known by its rule here; its derivatives can be generated only in this module`, this.graph, "differentiate it from this module (export the derivative from here), or give gradc its TypeScript source"),
      );
    }
    return ok;
  }

  /** Registers every function lowered so far; false when `target` reaches recursion that cannot be differentiated (reported once). */
  private registerAll(target: FnIR): boolean {
    for (const fn of [...this.lowerCtx.functions.values(), ...this.lowerCtx.externals.values()]) this.functions.set(fn.name, fn);
    markRecursion(this.functions.values());
    const problems = recursionProblems(this.functions.values());
    for (const p of problems) {
      const key = `${p.loc.file}:${p.loc.line}:${p.loc.col}:${p.message}`;
      if (this.reportedRecursion.has(key)) continue;
      this.reportedRecursion.add(key);
      this.diagnostics.push(diagnosticAtLoc(p.loc, p.message, this.graph, p.hint));
    }
    return !(problems.length > 0 && target.reachesRecursion);
  }

  /** `wrtNodes[k]` is where index k is written; the last node is the whole `wrt` option. */
  /** Checks `wrt` (indices of the source's parameters, objects counted once) against `fn`. */
  private checkWrt(fn: FnIR, wrt: number[] | undefined, wrtNodes: ts.Node[], at: ts.Node, api: string): number[] | undefined {
    const source = fn.signature;
    // Without `wrt`, every parameter has an entry (booleans get 0), so indices line up.
    const indices = wrt ?? source.map((_, i) => i);
    const nodeOf = (k: number) => wrtNodes[k] ?? wrtNodes[wrtNodes.length - 1] ?? at;
    const params = source.map((p, i) => `${i}: ${p.name}`).join(", ");
    const differentiable = (i: number) => paramLeaves(source[i].shape).some((leaf) => isDifferentiableParam(fn.params[leaf]));
    for (const [k, i] of indices.entries()) {
      if (!Number.isInteger(i) || i < 0 || i >= source.length) {
        this.diagnostics.push(diagnosticAt(nodeOf(k), `wrt index ${i} is out of range: '${fn.sourceName}' has ${source.length} parameter${source.length === 1 ? "" : "s"}`, `the parameters are ${params}`));
        return undefined;
      }
      if (wrt && !differentiable(i)) {
        const what = source[i].shape.k === "leaf" ? "is a boolean" : "is an object without number or array fields";
        this.diagnostics.push(diagnosticAt(nodeOf(k), `${api}: parameter '${source[i].name}' of '${fn.sourceName}' ${what} and has no derivative`, "leave it out of `wrt`"));
        return undefined;
      }
    }
    if (!indices.some(differentiable)) {
      const where = wrt ? nodeOf(0) : at;
      this.diagnostics.push(diagnosticAt(where, wrt ? "`wrt` lists no parameter" : `'${fn.sourceName}' has no number or array parameter to differentiate`, `list at least one parameter index: ${params}`));
      return undefined;
    }
    return indices;
  }

  /** Requests a public wrapper (grad, vjp…) of `fn` and the derivative code behind it; returns its name. */
  private wrapper(request: WrapperRequest): string {
    if (needsAdapter(request.fn)) {
      if (request.kind === "jit") {
        this.diagnostics.push(this.diagnosticAtLoc(request.fn.loc, `jit(${request.fn.sourceName}, { engine: "wasm" }) takes functions of numbers, booleans, strings and arrays; '${request.fn.sourceName}' takes an object or an optional parameter`));
        return "undefined";
      }
      return this.adapter(request);
    }
    return this.flatWrapper({ ...request, wrt: flatWrt(request.fn, request.wrt) });
  }

  /**
   * A wrapper over the source's parameters for a function that takes objects or optional
   * parameters: it calls a flat wrapper with their parts and shapes the results back (emit/adapters.ts).
   */
  private adapter(request: WrapperRequest): string {
    const { kind, fn, wrt, single = false, exported = false, publicName, engine = "compiled", dtype = "float64" } = request;
    const key = `adapter|${kind}|${fn.name}|${wrt.join(",")}|${single}|${engine}|${dtype}`;
    const existing = this.generatedNames.get(key);
    if (existing && !publicName) return existing;
    const name = publicName ?? this.fresh(`${fn.sourceName}_${kind}${kind === "jvp" || wrt.length === fn.signature.length ? "" : `_wrt${wrt.join("_")}`}${engineSuffix(engine, dtype)}`);
    if (!publicName) this.generatedNames.set(key, name);
    const leaves = flatWrt(fn, wrt);
    const flatName = this.flatWrapper({ kind, fn, wrt: leaves, engine, dtype });
    this.adapters.push({ kind, name, fn, wrt, single, exported, engine, flatName, flatWrt: leaves, scratchName: this.fresh(`${name}_buffers`) });
    return name;
  }

  /** A wrapper over `fn`'s IR parameters (`wrt`: their indices). */
  private flatWrapper(request: WrapperRequest): string {
    const { kind, fn, wrt, single = false, exported = false, publicName, engine = "compiled", dtype = "float64" } = request;
    const key = `${kind}|${fn.name}|${wrt.join(",")}|${single}|${engine}|${dtype}`;
    const existing = this.generatedNames.get(key);
    if (existing && !publicName) return existing;
    const suffix = kind === "jvp" || kind === "jit" || wrt.length === fn.params.length ? "" : `_wrt${wrt.join("_")}`;
    const name = publicName ?? this.fresh(`${fn.sourceName}_${kind}${suffix}${engineSuffix(engine, dtype)}`);
    if (!publicName) this.generatedNames.set(key, name);
    this.adjointSlots = Math.max(this.adjointSlots, fn.params.length);
    const names = this.names();
    if (engine === "tape") {
      const differentiable = wrt.filter((i) => isDifferentiableParam(fn.params[i]));
      const nodes = analyzeActivity(fn, differentiable.map((i) => fn.params[i].name));
      this.wrappers.push({ kind, name, fn, wrt, single, exported, engine, dtype, reverseName: "", forwardName: "", primalName: this.taped(fn, nodes) });
      this.tapeNodes.set(name, nodes);
      return name;
    }
    this.wrappers.push({
      kind,
      name,
      fn,
      wrt,
      single,
      exported,
      engine,
      dtype,
      reverseName: kind === "jvp" || kind === "jit" ? "" : this.reverse(fn, wrt.filter((i) => isDifferentiableParam(fn.params[i]))),
      forwardName: kind === "jvp" ? names.forward(fn.name) : "",
      // vjp computes the value with the primal; the grad family runs it too when f writes into its
      // array parameters (wrappers.ts: the caller's arrays end as f leaves them).
      primalName: kind === "vjp" || kind === "jit" || (kind !== "jvp" && writtenParams(fn).length > 0) ? names.primal(fn.name) : "",
    });
    return name;
  }

  /**
   * Requests the tape-engine form of `fn` with `nodes` its active variables, and of every function
   * it calls (as helpers, every number and array parameter a node); returns its name.
   */
  private taped(fn: FnIR, nodes?: Set<string>): string {
    const key = nodes ? `taped|${fn.name}|${[...nodes].sort().join(",")}` : `taped|${fn.name}`;
    const existing = this.generatedNames.get(key);
    if (existing) return existing;
    const name = this.fresh(`${fn.name}_taped`);
    this.generatedNames.set(key, name);
    if (fn.rule) {
      this.tapedFunctions.push(printTapedRuleFunction(fn, name, this.names().primal(fn.name)));
      return name;
    }
    const params = fn.params.filter(isDifferentiableParam).map((p) => p.name);
    const active = nodes ?? new Set([...analyzeActivity(fn, params), ...params]);
    const callees = new Set<string>();
    walk(fn.body, (s) => {
      if (s.k === "effect") callees.add(s.fn);
      if (s.k === "assign" && s.expr.k === "call") callees.add(s.expr.fn);
    });
    const calleeNames = new Map([...callees].map((c) => [c, this.taped(this.functions.get(c)!)]));
    // A recursive call goes to the helper form (every number a node), which calls expect.
    this.tapedFunctions.push(printTapedFunction(fn, name, (f) => calleeNames.get(f)!, (f) => this.functions.get(f)!.params, active));
    return name;
  }

  /**
   * `hessian(f)`, `hvp(f)` and `jacobian(f)`: wrappers over f's tangent program's reverse
   * function (second order), or over f's jvp and vjp wrappers (Jacobians, on any engine).
   */
  private matrixWrapper(marker: MarkerCall): string | undefined {
    const { api, options } = marker;
    const fn = this.lowerTarget(marker.target, marker.call, api);
    if (!fn) return undefined;
    // hessian and jacobian work over the IR's parameters (objects flattened into their fields),
    // behind an adapter from the source's; an object result stays packed for jacobian (below).
    const objectParameters = fn.signature.some((p) => p.shape.k !== "leaf");
    const wrt = this.checkWrt(fn, options.wrt, options.wrtNodes, marker.call, api);
    if (!wrt) return undefined;
    const dtype = precisionOf(options, fn);
    if (api === "hvp") {
      if (!objectParameters) return this.hvp(fn, wrt, options.single, options.engine, dtype);
      const leaves = flatWrt(fn, wrt);
      const flatName = this.hvp(fn, leaves, false, options.engine, dtype);
      if (flatName === undefined) return undefined;
      const name = this.fresh(`${fn.sourceName}_hvp_shaped`);
      this.matrixWrappers.push(printHvpAdapter(name, fn, wrt, options.single, leaves, flatName));
      return name;
    }
    this.usesMatrices = true;
    const differentiable = flatWrt(fn, wrt).filter((i) => isDifferentiableParam(fn.params[i]));
    const name = this.fresh(`${fn.sourceName}_${api}`);
    const flatName = objectParameters ? this.fresh(`${name}_flat`) : name;
    if (api === "hessian" && options.engine === "compiled") {
      // Generated JavaScript: the tangent code's reverse function called once per direction, its buffers reused.
      const tangent = this.tangentProgramOf(fn);
      if (tangent === undefined) return undefined;
      const reverseName = this.reverse(tangent, differentiable.map((i) => tangentPosition(fn, i)));
      this.matrixWrappers.push(printDenseHessian(flatName, fn, differentiable, reverseName, tangent));
    } else if (api === "hessian") {
      const hvpName = this.hvp(fn, differentiable, false, options.engine, dtype);
      if (hvpName === undefined) return undefined;
      this.matrixWrappers.push(printHessianWrapper(flatName, fn, differentiable, hvpName));
    } else {
      // The flat wrappers: an object result stays packed in one array (lower/object-results.ts),
      // whose entries the support object picks out by the layout.
      const jvpName = this.flatWrapper({ kind: "jvp", fn, wrt: differentiable, engine: options.engine, dtype });
      const vjpName = this.flatWrapper({ kind: "vjp", fn, wrt: differentiable, engine: options.engine, dtype });
      this.matrixWrappers.push(printJacobianWrapper(flatName, fn, differentiable, options.mode, jvpName, vjpName));
    }
    if (objectParameters) {
      this.matrixWrappers.push(printFlatteningAdapter(name, fn, flatName, "number[][]", `${api}(${fn.sourceName}) over its parameters as written: the fields of objects flattened in order`));
    }
    return name;
  }

  /**
   * `grad(grad(f, { wrt: i }), options)`: the gradient of x ↦ ∂f/∂xᵢ, which is H·eᵢ — one hvp
   * along the i-th parameter's direction, with the outer call's `wrt`.
   */
  private gradOfGrad(outer: MarkerCall, inner: MarkerCall): string | undefined {
    const supported = outer.api === "grad" && inner.api === "grad" && !inner.inner && inner.options.engine === outer.options.engine;
    if (!supported) {
      this.diagnostics.push(diagnosticAt(outer.call, `${outer.api}(${inner.api}(…)) is not supported: second derivatives are grad(grad(f, { wrt: i })) (both on one engine), hvp(f) and hessian(f)`, "use hessian(f) or hvp(f)"));
      return undefined;
    }
    const fn = this.lowerTarget(inner.target, inner.call, "grad");
    if (!fn) return undefined;
    const i = inner.options.wrt?.[0];
    if (!inner.options.single || i === undefined || fn.signature[i]?.shape.k !== "leaf" || fn.params[i]?.type !== "num") {
      this.diagnostics.push(diagnosticAt(inner.call, "grad of a gradient needs the inner gradient to be one number: grad(f, { wrt: i }) with parameter i a number", "for every second derivative at once use hessian(f); along a direction, hvp(f)"));
      return undefined;
    }
    if (needsAdapter(fn)) {
      this.diagnostics.push(diagnosticAt(outer.call, `grad(grad(…)) takes functions of numbers, booleans, strings and arrays; '${fn.sourceName}' takes an object or an optional parameter`, "not supported yet: pass the fields as separate parameters"));
      return undefined;
    }
    if (!this.checkWrt(fn, [i], inner.options.wrtNodes, inner.call, "grad")) return undefined;
    const wrt = this.checkWrt(fn, outer.options.wrt, outer.options.wrtNodes, outer.call, "grad");
    if (!wrt) return undefined;
    const hvpName = this.hvp(fn, wrt, outer.options.single, outer.options.engine, precisionOf(outer.options, fn));
    if (hvpName === undefined) return undefined;
    const name = this.fresh(`${fn.sourceName}_grad_grad`);
    this.matrixWrappers.push(printGradOfGradWrapper(name, fn, i, wrt, outer.options.single, hvpName));
    return name;
  }

  /** f's tangent program (second order), built once; undefined after a diagnostic. */
  private tangentProgramOf(fn: FnIR): FnIR | undefined {
    let tangent = this.tangentPrograms.get(fn.name);
    if (!tangent) {
      try {
        tangent = tangentProgram(fn, this.functions, this.fresh(`${fn.name}_tangent`));
      } catch (e) {
        if (!(e instanceof SecondOrderUnsupported)) throw e;
        this.diagnostics.push(this.diagnosticAtLoc(e.loc, e.message));
        return undefined;
      }
      this.tangentPrograms.set(fn.name, tangent);
      this.functions.set(tangent.name, tangent);
    }
    this.adjointSlots = Math.max(this.adjointSlots, tangent.params.length);
    return tangent;
  }

  /** The hvp wrapper of `fn` (entries for `wrt`): the reverse function of its tangent program. */
  private hvp(fn: FnIR, wrt: number[], single: boolean, engine: Engine, dtype: Precision): string | undefined {
    const key = `hvp|${fn.name}|${wrt.join(",")}|${single}|${engine}|${dtype}`;
    const existing = this.generatedNames.get(key);
    if (existing) return existing;
    const tangent = this.tangentProgramOf(fn);
    if (tangent === undefined) return undefined;
    const positions = wrt.filter((i) => isDifferentiableParam(fn.params[i])).map((i) => tangentPosition(fn, i));
    const name = this.fresh(`${fn.sourceName}_hvp${engineSuffix(engine, dtype)}`);
    this.generatedNames.set(key, name);
    if (engine === "compiled") {
      this.matrixWrappers.push(printHvpWrapper({ name, fn, wrt, single, reverseName: this.reverse(tangent, positions), tangent }));
    } else {
      // The tape and wasm engines take the gradient of the tangent program as they take any gradient.
      const gradName = this.flatWrapper({ kind: "grad", fn: tangent, wrt: positions, engine, dtype });
      this.matrixWrappers.push(printHvpThroughGrad(name, fn, wrt, single, engine, gradName));
    }
    return name;
  }

  /** Requests the reverse function of `fn` with respect to `wrt`, and returns its name. */
  private reverse(fn: FnIR, wrt: number[]): string {
    const all = fn.params.map((_, i) => i).filter((i) => isDifferentiableParam(fn.params[i]));
    const isAll = wrt.length === all.length && wrt.every((i, k) => i === all[k]);
    if (isAll) return this.names().reverse(fn.name);
    this.adjointSlots = Math.max(this.adjointSlots, fn.params.length);
    return this.request(`rev|${fn.name}|${wrt.join(",")}`, `${fn.name}_rev_wrt${wrt.join("_")}`, (name) => this.reverseOf(fn, wrt, name));
  }

  /** A reverse function: from the function's code, or from its rule (defineRule). */
  private reverseOf(fn: FnIR, wrt: number[], name: string): GFn {
    return fn.rule ? ruleReverseFunction(fn, wrt, this.names(), name) : reverseFunction(fn, wrt, this.functions, this.names(), name);
  }

  private names(): GeneratedNames {
    return {
      primal: (f) => this.request(`primal|${f}`, `${f}_primal`, () => primalFunction(this.functions.get(f)!, this.names())),
      forward: (f) =>
        this.request(`fwd|${f}`, `${f}_fwd`, () => {
          const fn = this.functions.get(f)!;
          return fn.rule ? ruleForwardFunction(fn, this.names()) : forwardFunction(fn, this.functions, this.names());
        }),
      reverse: (f) => {
        const fn = this.functions.get(f)!;
        this.adjointSlots = Math.max(this.adjointSlots, fn.params.length);
        const wrt = fn.params.map((_, i) => i).filter((i) => isDifferentiableParam(fn.params[i]));
        return this.request(`rev|${f}`, `${f}_rev`, (name) => this.reverseOf(fn, wrt, name));
      },
    };
  }

  /** Names a generated function now and builds it later, once (calls may request more). */
  private request(key: string, base: string, build: (name: string) => GFn): string {
    const existing = this.generatedNames.get(key);
    if (existing) return existing;
    const name = this.fresh(base);
    this.generatedNames.set(key, name);
    this.pending.push(() => {
      const gfn = build(name);
      gfn.name = name;
      return gfn;
    });
    return name;
  }

  private fresh(base: string): string {
    let name = base;
    for (let i = 2; this.takenNames.has(name); i++) name = `${base}${i}`;
    this.takenNames.add(name);
    return name;
  }

  private diagnosticAtLoc(loc: FnIR["loc"], message: string): Diagnostic {
    return diagnosticAtLoc(loc, message, this.graph);
  }
}

/**
 * What a wrapper computes in float32: the dtype written, or without one, on the wasm engine, f's
 * Float32Array parameters (DESIGN.md).
 */
function precisionOf(options: MarkerOptions, fn: FnIR): Precision {
  return options.dtype ?? (options.engine === "wasm" && fn.params.some((p) => p.float32) ? "declared" : "float64");
}

/** The part of a wrapper's name that says how it runs: `_tape`, `_wasm`, `_wasm_f32` (none for compiled code). */
function engineSuffix(engine: Engine, dtype: Precision): string {
  return (engine === "compiled" ? "" : `_${engine}`) + (dtype === "float64" ? "" : "_f32");
}

export { ModuleGraph } from "./front/modules.js";
