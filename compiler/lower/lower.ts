/**
 * Lowering: TypeScript AST → IR in A-normal form.
 *
 * Every expression becomes a sequence of single-primitive assignments. Control flow is made
 * structured: `break`, `continue` and early `return` set flags, the statements after them are
 * guarded by the flags, and loop tests read them — so later phases only see if/else and loops
 * with a single exit. Anything outside the differentiable subset is reported with a diagnostic.
 *
 * This module lowers one function (parameters, result) on the chain of classes scope.ts →
 * expressions.ts → objects.ts → statements.ts, and lowers its callees on demand.
 */
import ts from "typescript";
import { type Diagnostic, diagnosticAt } from "../diagnostics.js";
import { type CustomRule, checkedRulesOf, rulesOf } from "../front/rules.js";
import { bool, type FnIR, num, type Param, type ParamShape, ref, type SourceParam, type Stmt, str, type Type } from "../ir.js";
import { type ModuleGraph, type ResolvedFunction, skipParens } from "../front/modules.js";
import { inlineArraySharingCalls } from "./inline.js";
import { moduleDeclaration } from "./module-scope.js";
import { INTEGER_ARRAYS, type Shape } from "./shapes.js";
import { layoutOf, leavesOf, packObject, sameFields } from "./object-results.js";
import { type Binding, isObjectValue, type ObjectValue } from "./values.js";
import { fieldOf, hasAsync, returnsValue, uniqueName } from "./syntax.js";
import { type LowerContext, Unsupported } from "./scope.js";
import { StatementLowering } from "./statements.js";

export type { LowerContext } from "./scope.js";

export function createLowerContext(graph: ModuleGraph, diagnostics: Diagnostic[]): LowerContext {
  return { graph, diagnostics, functions: new Map(), failed: new Set(), usedNames: new Set(), inProgress: [], headers: new Map(), ruleFilesReported: new Set(), externals: new Map() };
}

/**
 * Gives `ir` the rule its module declares for it (front/rules.ts), after checking that it fits: a
 * function of numbers returning a number, one partial per parameter. False after a diagnostic.
 */
function attachRule(ir: FnIR, fn: ResolvedFunction, ctx: LowerContext): boolean {
  const { rules } = rulesOf(fn.sourceFile);
  if (!ctx.ruleFilesReported.has(fn.sourceFile)) {
    ctx.ruleFilesReported.add(fn.sourceFile);
    ctx.diagnostics.push(...checkedRulesOf(fn.sourceFile, ctx.graph));
  }
  const rule = rules.get(fn.name);
  if (!rule) return true;
  const fits = ir.resultType === "num" && !ir.resultLayout && ir.params.every((p) => p.type === "num") && ir.signature.every((p) => p.shape.k === "leaf");
  if (!fits) {
    ctx.diagnostics.push(diagnosticAt(rule.node, `a rule gives partials to a function of numbers that returns a number; '${fn.name}' is not one`, "write the rule for a scalar helper it calls"));
    return false;
  }
  if (rule.partials.length !== ir.params.length) {
    ctx.diagnostics.push(diagnosticAt(rule.node, `the rule for '${fn.name}' gives ${rule.partials.length} partial${rule.partials.length === 1 ? "" : "s"}; '${fn.name}' takes ${ir.params.length} parameter${ir.params.length === 1 ? "" : "s"}`));
    return false;
  }
  ir.rule = { partials: rule.partials };
  return true;
}

/**
 * A function gradc cannot read (imported from a package, or from a module without TypeScript
 * source) that has a rule in `sf`: numbers in, a number out, as many parameters as the rule has
 * partials. Its generated primal calls it by the name `sf` binds it to (primal.ts), so derivative
 * code that uses it must be generated in `sf` itself (compiler/index.ts checks).
 */
export function externalFunction(name: string, rule: CustomRule, sf: ts.SourceFile, ctx: LowerContext): FnIR {
  const key = `${sf.fileName}\u0000${name}`;
  const known = ctx.externals.get(key);
  if (known) return known;
  const params: Param[] = rule.partials.map((_, i) => ({ name: `x${i}`, type: "num" }));
  const start = rule.node.getStart(sf);
  const { line, character } = sf.getLineAndCharacterOfPosition(start);
  const ir: FnIR = {
    name: uniqueName(name, ctx.usedNames),
    sourceName: name,
    params,
    signature: params.map((p, i) => ({ name: p.name, shape: { k: "leaf", param: i } })),
    vars: new Map([...params.map((p): [string, Type] => [p.name, "num"]), ["value", "num"]]),
    body: [],
    result: "value",
    resultType: "num",
    returnsValue: true,
    loc: { file: sf.fileName, line: line + 1, col: character + 1, text: sf.text.slice(start, sf.getLineEndOfPosition(start)).trim() },
    rule: { partials: rule.partials },
    external: { name, file: sf.fileName },
  };
  ctx.externals.set(key, ir);
  return ir;
}

/** Lowers a function and, transitively, every function it calls. Undefined after diagnostics. */
export function lowerFunction(fn: ResolvedFunction, ctx: LowerContext): FnIR | undefined {
  const done = ctx.functions.get(fn.node);
  if (done) return done;
  if (ctx.failed.has(fn.node)) return undefined;
  const before = ctx.diagnostics.length;
  ctx.inProgress.push(fn.node);
  try {
    const ir = new FunctionLowerer(fn, ctx).lower();
    if (ctx.diagnostics.length > before) {
      ctx.failed.add(fn.node);
      return undefined;
    }
    if (!attachRule(ir, fn, ctx)) {
      ctx.failed.add(fn.node);
      return undefined;
    }
    ctx.functions.set(fn.node, ir);
    return ir;
  } catch (e) {
    if (e instanceof Unsupported) {
      ctx.failed.add(fn.node);
      return undefined;
    }
    throw e;
  } finally {
    ctx.inProgress.pop();
    ctx.headers.delete(fn.node);
  }
}


/** One function: its parameters, its body (the classes below), its result. */
class FunctionLowerer extends StatementLowering {
  lower(): FnIR {
    const node = this.fn.node;
    for (const global of ["Math", "Number", "Float64Array", "Infinity", "NaN"]) {
      const shadow = moduleDeclaration(this.sf, global);
      if (shadow) this.fail(shadow, `this module declares its own '${global}', which hides the global gradc differentiates`, `rename it: gradc reads '${global}' as the standard global`);
    }
    this.loc = this.locOf(node);
    if (node.asteriskToken || hasAsync(node)) this.fail(node, "generator and async functions are outside the differentiable subset");
    if (node.typeParameters?.length) this.fail(node.typeParameters[0], "generic functions are outside the differentiable subset", "give the parameters concrete types: number, boolean or Float64Array");
    this.scopes.push(new Map());
    const params: Param[] = [];
    const signature: SourceParam[] = node.parameters.map((p, i) => this.lowerParam(p, i, params));
    this.params = params;
    this.result = this.internal("result", "num");
    this.isProcedure = node.type?.kind === ts.SyntaxKind.VoidKeyword || (!!node.body && ts.isBlock(node.body) && !returnsValue(node.body));
    const name = uniqueName(this.fn.name, this.ctx.usedNames);
    this.ctx.headers.set(node, { name, params, signature, resultType: this.declaredResultType(), returnsValue: !this.isProcedure });
    const body: Stmt[] = [...this.prologue];
    if (!node.body) this.fail(node, "a function without a body cannot be differentiated");
    if (ts.isBlock(node.body)) {
      this.lowerBlock(node.body.statements, body);
    } else {
      this.lowerResult(node.body, body);
    }
    // A return whose expression was already reported leaves no result type: no second error.
    if (this.isProcedure) {
      // A procedure writes into its array parameters; its result is never read.
      body.unshift(this.assign(this.result, { k: "copy", arg: num(0) }));
      this.resultType = "num";
    }
    if (this.resultType === undefined) {
      if (this.ctx.diagnostics.length > this.diagnosticsBefore) throw new Unsupported("already reported");
      this.fail(node, "the function never returns a value", "a differentiated function returns a number");
    }
    if (this.returnedFlag) body.unshift(this.assign(this.returnedFlag, { k: "copy", arg: bool(false) }));
    this.separateBranchConditions(body);
    this.vars.set(this.result, this.resultType);
    const ir: FnIR = {
      name,
      sourceName: this.fn.name,
      params,
      signature,
      vars: this.vars,
      body,
      result: this.result,
      resultType: this.resultType,
      resultLayout: this.resultLayout,
      resultCaveat: this.resultCaveat,
      returnsValue: !this.isProcedure,
      loc: this.locOf(node),
    };
    inlineArraySharingCalls(ir, new Map([...this.ctx.functions.values()].map((f) => [f.name, f])));
    return ir;
  }

  /** The result type the declaration states (`: number`), which a recursive call relies on; "num" for a procedure. */
  protected declaredResultType(): Type {
    const annotation = this.fn.node.type;
    if (this.isProcedure || !annotation) return "num";
    const shape = annotation.kind === ts.SyntaxKind.VoidKeyword ? undefined : this.shapeOfOrUndefined(annotation);
    return shape?.k === "leaf" ? shape.type : "num";
  }

  /**
   * A parameter: a number, boolean or array becomes one IR parameter; an object (or a destructured
   * one) becomes one IR parameter per field, in declaration order, appended to `params`.
   */
  protected lowerParam(p: ts.ParameterDeclaration, index: number, params: Param[]): SourceParam {
    const label = ts.isIdentifier(p.name) ? `parameter '${p.name.text}'` : "this parameter";
    if (p.dotDotDotToken) this.fail(p, "rest parameters are outside the differentiable subset", "pass a Float64Array instead");
    if (p.initializer || p.questionToken) return this.optionalParam(p, params);
    if (!p.type) this.fail(p, `${label} needs a type annotation`, "annotate it as number, boolean, Float64Array, or an object type of those");
    const shape = this.shapeOf(p.type);
    // A destructured parameter has no name of its own: `arg0`, `arg1`… by position.
    let base = ts.isIdentifier(p.name) ? p.name.text : `arg${index}`;
    while (!ts.isIdentifier(p.name) && this.sourceIdents.has(base)) base = `$${base}`;
    if (shape.k === "leaf") {
      const name = ts.isIdentifier(p.name) ? this.declare(p.name.text, shape.type, false) : this.internal(base, shape.type);
      params.push({ name, type: shape.type, float32: shape.float32, integer: shape.integer, kind: shape.kind });
      if (ts.isIdentifier(p.name)) Object.assign(this.lookup(p.name.text) as Binding, { float32: shape.float32, integer: shape.integer });
      else this.bindPattern(p.name, { ir: name, type: shape.type, isConst: false, float32: shape.float32, integer: shape.integer }, false, this.prologue);
      return { name: base, shape: { k: "leaf", param: params.length - 1 } };
    }
    const [object, paramShape] = this.parameterObject(shape, base, params);
    if (ts.isIdentifier(p.name)) this.scopes[this.scopes.length - 1].set(p.name.text, { object, isConst: false });
    else this.bindPattern(p.name, object, false, this.prologue);
    return { name: base, shape: paramShape };
  }

  /**
   * `y?: number` or `k = 2` (a number, boolean or string): the value, and a boolean IR parameter saying
   * whether the caller gave it. A default is evaluated at the start of the body when the value
   * was not given, as JavaScript does, so it may read the parameters before it. An optional
   * parameter without a default reads as NaN when absent (JavaScript's undefined in arithmetic)
   * and may be tested with `=== undefined`, `!== undefined` or `??`.
   */
  protected optionalParam(p: ts.ParameterDeclaration, params: Param[]): SourceParam {
    if (!ts.isIdentifier(p.name)) return this.fail(p, "a destructured parameter cannot be optional or have a default", "take the object as a required parameter");
    const name = p.name.text;
    let type: Type;
    if (p.type) {
      const shape = this.shapeOf(p.type);
      if (shape.k !== "leaf" || shape.type === "arr") return this.fail(p, "only number, boolean and string parameters can be optional or have a default", "make the parameter required; callers pass every array and object");
      type = shape.type;
    } else {
      const init = skipParens(p.initializer!);
      type = init.kind === ts.SyntaxKind.TrueKeyword || init.kind === ts.SyntaxKind.FalseKeyword ? "bool" : ts.isStringLiteral(init) ? "str" : "num";
    }
    const value = this.declare(name, type, false);
    const given = this.internal(`${value}_given`, "bool");
    params.push({ name: value, type }, { name: given, type: "bool" });
    if (p.initializer) {
      // `if (!k_given) k = <default>`: the default sees only the parameters declared before it.
      const missing = this.temp("bool");
      this.prologue.push(this.assign(missing, { k: "not", arg: ref(given) }));
      const fill: Stmt[] = [];
      this.checkType(this.expr(p.initializer, fill, value).type, type, p.initializer);
      this.prologue.push({ k: "if", cond: ref(missing), then: fill, else: [], loc: this.locOf(p) });
    } else {
      (this.lookup(name) as Binding).given = given;
    }
    return { name, shape: { k: "optional", param: params.length - 2, given: params.length - 1 } };
  }

  /** IR parameters for the fields of an object parameter (`p.w` → `p_w`), and the object they form. */
  protected parameterObject(shape: Extract<Shape, { k: "object" }>, base: string, params: Param[]): [ObjectValue, ParamShape] {
    const object: ObjectValue = { fields: new Map(), ofParam: true };
    const fields: [string, ParamShape][] = [];
    for (const [field, fieldShape] of shape.fields) {
      const name = `${base}_${field.replace(/[^\w$]/g, "_")}`;
      if (fieldShape.k === "object") {
        const [inner, innerShape] = this.parameterObject(fieldShape, name, params);
        object.fields.set(field, inner);
        fields.push([field, innerShape]);
        continue;
      }
      const ir = this.fresh(name);
      this.vars.set(ir, fieldShape.type);
      params.push({ name: ir, type: fieldShape.type, float32: fieldShape.float32, integer: fieldShape.integer, kind: fieldShape.kind });
      object.fields.set(field, { ir, type: fieldShape.type, isConst: false, float32: fieldShape.float32, integer: fieldShape.integer });
      fields.push([field, { k: "leaf", param: params.length - 1 }]);
    }
    return [object, { k: "object", fields }];
  }

  /**
   * The value a `return` (or an arrow function's body) gives. An array result is always a new
   * array: a literal or `new Float64Array(n)` is built as the result, any other array is copied
   * element by element — so the result never aliases a parameter or a local the analyses track
   * separately, and the caller owns it.
   */
  protected lowerResult(e: ts.Expression, out: Stmt[]): void {
    const returned = skipParens(e);
    if (this.isObjectExpression(returned)) {
      this.lowerObjectResult(returned, out);
      return;
    }
    if (this.resultLayout) this.fail(e, "every return must have the same type: an earlier one returns an object", "return an object with the same fields here too");
    const made = ts.isNewExpression(returned) && ts.isIdentifier(returned.expression) ? returned.expression.text : undefined;
    if (made !== undefined && INTEGER_ARRAYS.has(made)) this.fail(e, `returning an ${made} is outside the differentiable subset`, "an integer array holds no derivative: return a Float64Array");
    if (made === "Float32Array") this.resultCaveat ??= "returns a Float32Array";
    if (ts.isArrayLiteralExpression(returned) || made === "Float64Array" || made === "Float32Array") {
      this.expr(returned, out, this.result);
      this.setResultType("arr", e);
      return;
    }
    const named = ts.isIdentifier(returned) || fieldOf(returned) ? this.pathValue(returned) : undefined;
    if (!named || isObjectValue(named) || named.type !== "arr") {
      this.setResultType(this.expr(e, out, this.result).type, e);
      return;
    }
    if (named.integer) this.fail(e, "returning an integer array is outside the differentiable subset", "an integer array holds no derivative: return a Float64Array");
    this.noteResultArrays([named]);
    this.setResultType("arr", e);
    // result = new Float64Array(a.length); for (k = 0; k < a.length; k++) result[k] = a[k]
    const source = named.ir;
    const length = this.temp("num");
    out.push(this.assign(length, { k: "len", arr: source }));
    out.push(this.assign(this.result, { k: "newarr", size: ref(length) }));
    out.push(
      this.countedLoop(ref(length), (k) => {
        const element = this.temp("num");
        return [this.assign(element, { k: "load", arr: source, index: k }), { k: "store", arr: this.result, index: k, value: ref(element), loc: this.loc }];
      }),
    );
  }

  /** `return { loss, grad: g }`: the object packed into the result array (object-results.ts). */
  protected lowerObjectResult(returned: ts.Expression, out: Stmt[]): void {
    if (this.resultType && !this.resultLayout) this.fail(returned, `every return must have the same type: an earlier one returns ${this.resultType === "arr" ? "an array" : "a number"}`, "return the same kind of value from every return");
    const object = this.objectValue(returned, out, "result");
    const layout = layoutOf(object, (path, why) => this.fail(returned, `an object result holds numbers, Float64Arrays and objects of them; ${why}`, `leave '${path}' out of the result, or convert it`));
    if (this.resultLayout && !sameFields(this.resultLayout, layout)) this.fail(returned, "every return must return an object with the same fields as the first", "the result's shape is fixed: give every return the same fields, of the same kinds");
    this.resultLayout ??= layout;
    this.noteResultArrays(leavesOf(object, this.resultLayout).filter((leaf) => leaf.type === "arr"));
    out.push(...packObject(object, this.resultLayout, this.result, this.writer));
    this.setResultType("arr", returned);
  }

  /** Records why callers may not use the result as JavaScript would (FnIR.resultCaveat). */
  protected noteResultArrays(arrays: Binding[]): void {
    const param = arrays.find((a) => this.params.some((p) => p.name === a.ir));
    if (param) this.resultCaveat ??= `returns its array parameter '${this.params.find((p) => p.name === param.ir)!.name}' (JavaScript would hand back the same array)`;
    if (new Set(arrays.map((a) => a.ir)).size < arrays.length) this.resultCaveat ??= "returns one array in two fields (JavaScript would hand back one array twice)";
    if (arrays.some((a) => a.float32)) this.resultCaveat ??= "returns a Float32Array";
  }

  protected setResultType(type: Type, node: ts.Node): void {
    if (type === "str") this.fail(node, "returning a string is outside the differentiable subset", "return a number or an array");
    if (this.resultType && this.resultType !== type) this.fail(node, "every return must have the same type");
    this.resultType = type;
    this.vars.set(this.result, type);
  }

  // ---------------------------------------------------------------------------------------------
}
