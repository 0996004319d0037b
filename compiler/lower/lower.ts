/**
 * Lowering: TypeScript AST → IR in A-normal form.
 *
 * Every expression becomes a sequence of single-primitive assignments. Control flow is made
 * structured: `break`, `continue` and early `return` set flags, the statements after them are
 * guarded by the flags, and loop tests read them — so later phases only see if/else and loops
 * with a single exit. Anything outside the differentiable subset is reported with a diagnostic.
 */
import ts from "typescript";
import { diagnosticAt, type Diagnostic } from "../diagnostics.js";
import { type Atom, type Expr, type FnIR, type LoopStmt, type Param, type ParamShape, type PrimOp, type ResultLayout, type SourceLoc, type SourceParam, type Stmt, type Type, bool, num, ref, str, walk } from "../ir.js";
import { type FunctionNode, type ModuleGraph, type ResolvedFunction, skipParens } from "../front/modules.js";
import { MATH_CONSTANTS, NON_DIFFERENTIABLE_MATH, NUMBER_CONSTANTS } from "./math.js";
import { PACKAGE_NAME } from "../front/markers.js";
import { inlineArraySharingCalls } from "./inline.js";
import { MATH_PRIMITIVES } from "../primitives.js";
import { moduleConstant, moduleDeclaration } from "./module-scope.js";
import { CMP_OPS, arithmeticOp, compoundOp } from "./operators.js";
import { INTEGER_ARRAYS, type Shape, ShapeError, enumValues, propertyName, shapeOfTypeNode } from "./shapes.js";
import { type IRWriter, layoutOf, leavesOf, packObject, sameFields, unpackObject } from "./object-results.js";
import { type Binding, type ObjectValue, isObjectValue } from "./values.js";

/** Thrown inside lowering to abandon a construct after its diagnostic has been recorded. */
class Unsupported extends Error {}

export interface LowerContext {
  graph: ModuleGraph;
  diagnostics: Diagnostic[];
  /** Every function lowered so far (callees included), by declaration node. */
  functions: Map<FunctionNode, FnIR>;
  /** Functions that could not be lowered (already reported), so each error is reported once. */
  failed: Set<FunctionNode>;
  usedNames: Set<string>;
  /** Functions being lowered, outermost first: a call to one of them is recursion. */
  inProgress: FunctionNode[];
  /**
   * What a call needs of a function still being lowered (a recursive call): known once its
   * parameters are, from its declared return type.
   */
  headers: Map<FunctionNode, FnHeader>;
}

/** The part of a function's IR its callers use. */
type FnHeader = Pick<FnIR, "name" | "params" | "signature" | "resultType" | "resultLayout" | "resultCaveat" | "returnsValue">;

export function createLowerContext(graph: ModuleGraph, diagnostics: Diagnostic[]): LowerContext {
  return { graph, diagnostics, functions: new Map(), failed: new Set(), usedNames: new Set(), inProgress: [], headers: new Map() };
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

/** A name bound to an object. */
interface ObjectBinding {
  object: ObjectValue;
  isConst: boolean;
  ir?: undefined;
  type?: undefined;
}

type Named = Binding | ObjectBinding;

/** A statement `break` can leave: a loop, or a switch (which `continue` passes through). */
interface LoopFrame {
  id: number;
  isSwitch?: boolean;
  breakFlag?: string;
  continueFlag?: string;
}

/** Which flags a lowered statement may set, and whether it always leaves its block. */
interface Flow {
  may: Set<string>;
  always: boolean;
}

type Typed = { atom: Atom; type: Type };

/** How diagnostics name the IR's types. */
const TYPE_NAMES: Record<Type, string> = { num: "a number", bool: "a boolean", arr: "an array", str: "a string" };

class FunctionLowerer {
  private readonly sf: ts.SourceFile;
  private readonly vars = new Map<string, Type>();
  private readonly scopes: Map<string, Named>[] = [];
  private readonly loops: LoopFrame[] = [];
  /** Every identifier in the source function: generated names avoid them. */
  private readonly sourceIdents = new Set<string>();
  private nextTemp = 1;
  /** Statements that run before the body: the element reads of destructured array parameters. */
  private readonly prologue: Stmt[] = [];
  /** The IR parameters, once lowered. */
  private params: Param[] = [];
  /** See FnIR.resultCaveat. */
  private resultCaveat: string | undefined;
  private nextLoop = 1;
  private loc!: SourceLoc;
  private result!: string;
  private resultType: Type | undefined;
  /** Set by the first `return` of an object (object-results.ts). */
  private resultLayout: ResultLayout | undefined;
  private returnedFlag: string | undefined;
  private isProcedure = false;
  private readonly gradcNames: { stopGradient: Set<string>; other: Set<string> };
  private readonly diagnosticsBefore: number;

  constructor(
    private readonly fn: ResolvedFunction,
    private readonly ctx: LowerContext,
  ) {
    this.sf = fn.sourceFile;
    this.diagnosticsBefore = ctx.diagnostics.length;
    this.gradcNames = gradcImports(this.sf);
    collectIdentifiers(fn.node, this.sourceIdents);
  }

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
  private declaredResultType(): Type {
    const annotation = this.fn.node.type;
    if (this.isProcedure || !annotation) return "num";
    const shape = annotation.kind === ts.SyntaxKind.VoidKeyword ? undefined : this.shapeOfOrUndefined(annotation);
    return shape?.k === "leaf" ? shape.type : "num";
  }

  private shapeOfOrUndefined(t: ts.TypeNode): Shape | undefined {
    try {
      return shapeOfTypeNode(t, this.sf, this.ctx.graph);
    } catch (e) {
      if (e instanceof ShapeError) return undefined;
      throw e;
    }
  }

  /**
   * An `if` whose branches assign its own condition variable (`t = a; if (!t) t = b` from `||`,
   * or `if (done) done = false`) would read the wrong value when the reverse sweep replays the
   * branch: such an `if` tests a copy of the condition taken just before it.
   */
  private separateBranchConditions(stmts: Stmt[]): void {
    for (let i = 0; i < stmts.length; i++) {
      const s = stmts[i];
      if (s.k === "loop") {
        [s.init, s.test, s.body, s.update].forEach((b) => this.separateBranchConditions(b));
        continue;
      }
      if (s.k !== "if") continue;
      this.separateBranchConditions(s.then);
      this.separateBranchConditions(s.else);
      const cond = s.cond;
      if (cond.k !== "var") continue;
      let assigned = false;
      walk([...s.then, ...s.else], (t) => {
        if (t.k === "assign" && t.target === cond.name) assigned = true;
      });
      if (!assigned) continue;
      const copy = this.temp("bool");
      stmts.splice(i, 0, { k: "assign", target: copy, expr: { k: "copy", arg: cond }, loc: s.loc });
      s.cond = ref(copy);
      i++;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Declarations and names

  /**
   * A parameter: a number, boolean or array becomes one IR parameter; an object (or a destructured
   * one) becomes one IR parameter per field, in declaration order, appended to `params`.
   */
  private lowerParam(p: ts.ParameterDeclaration, index: number, params: Param[]): SourceParam {
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
      params.push({ name, type: shape.type, float32: shape.float32, integer: shape.integer });
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
  private optionalParam(p: ts.ParameterDeclaration, params: Param[]): SourceParam {
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
  private parameterObject(shape: Extract<Shape, { k: "object" }>, base: string, params: Param[]): [ObjectValue, ParamShape] {
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
      params.push({ name: ir, type: fieldShape.type, float32: fieldShape.float32, integer: fieldShape.integer });
      object.fields.set(field, { ir, type: fieldShape.type, isConst: false, float32: fieldShape.float32, integer: fieldShape.integer });
      fields.push([field, { k: "leaf", param: params.length - 1 }]);
    }
    return [object, { k: "object", fields }];
  }

  private shapeOf(t: ts.TypeNode): Shape {
    try {
      return shapeOfTypeNode(t, this.sf, this.ctx.graph);
    } catch (e) {
      if (e instanceof ShapeError) this.fail(e.node, e.message, e.hint);
      throw e;
    }
  }

  /** The type of a declared variable without an initializer (`let best: number;`). */
  private typeOf(t: ts.TypeNode): Type {
    const shape = this.shapeOf(t);
    if (shape.k !== "leaf") return this.fail(t, "an object variable needs an initializer", "write const q = { … }");
    return shape.type;
  }

  private declare(sourceName: string, type: Type, isConst: boolean): string {
    const ir = this.fresh(sourceName);
    this.vars.set(ir, type);
    this.scopes[this.scopes.length - 1].set(sourceName, { ir, type, isConst });
    return ir;
  }

  private lookup(name: string): Named | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const b = this.scopes[i].get(name);
      if (b) return b;
    }
    return undefined;
  }

  /** Whether `e` reads the variable whose IR name is `ir` (as this scope resolves identifiers). */
  private readsVariable(e: ts.Node, ir: string): boolean {
    if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)) {
      const value = this.pathValue(e);
      if (value && (isObjectValue(value) ? objectHolds(value, ir) : value.ir === ir)) return true;
    }
    return ts.forEachChild(e, (child) => this.readsVariable(child, ir) || undefined) ?? false;
  }

  /** An IR name for a source variable: its own name unless an earlier declaration took it. */
  private fresh(base: string): string {
    let candidate = base;
    for (let i = 1; this.vars.has(candidate) || (candidate !== base && this.sourceIdents.has(candidate)); i++) candidate = `${base}_${i}`;
    this.vars.set(candidate, "num");
    return candidate;
  }

  /** A name of gradc's own (temporaries, flags, the result) that no source identifier uses. */
  private internal(base: string, type: Type): string {
    let candidate = base;
    for (let i = 1; this.vars.has(candidate) || this.sourceIdents.has(candidate); i++) candidate = `${base}_${i}`;
    this.vars.set(candidate, type);
    return candidate;
  }

  private temp(type: Type): string {
    let name: string;
    do name = `t${this.nextTemp++}`;
    while (this.vars.has(name) || this.sourceIdents.has(name));
    this.vars.set(name, type);
    return name;
  }

  private flag(base: string): string {
    return this.internal(base, "bool");
  }

  // ---------------------------------------------------------------------------------------------
  // Statements

  private lowerBlock(statements: readonly ts.Statement[], out: Stmt[]): Flow {
    const may = new Set<string>();
    this.scopes.push(new Map());
    try {
      for (let i = 0; i < statements.length; i++) {
        const s = statements[i];
        const rest = statements.slice(i + 1);
        if (ts.isIfStatement(s) && rest.length > 0) {
          const thenExits = alwaysExits(s.thenStatement);
          const elseExits = s.elseStatement ? alwaysExits(s.elseStatement) : false;
          if (thenExits !== elseExits) {
            // `if (c) return a; rest` → `if (c) { … } else { rest }`: no flag guard needed.
            const flow = this.lowerIf(s, out, rest, thenExits ? "else" : "then");
            flow.may.forEach((f) => may.add(f));
            return { may, always: flow.always };
          }
        }
        const flow = this.lowerStatement(s, out);
        flow.may.forEach((f) => may.add(f));
        if (flow.always) return { may, always: true };
        if (flow.may.size > 0 && rest.length > 0) {
          const guarded = this.guard([...flow.may], out);
          const restFlow = this.lowerBlock(rest, guarded);
          restFlow.may.forEach((f) => may.add(f));
          return { may, always: false };
        }
      }
      return { may, always: false };
    } finally {
      this.scopes.pop();
    }
  }

  /** Emits `if (!flag1) { if (!flag2) { … } }` and returns the innermost block. */
  private guard(flags: string[], out: Stmt[]): Stmt[] {
    let block = out;
    for (const flag of flags) {
      const open = this.temp("bool");
      block.push(this.assign(open, { k: "not", arg: ref(flag) }));
      const inner: Stmt[] = [];
      block.push({ k: "if", cond: ref(open), then: inner, else: [], loc: this.loc });
      block = inner;
    }
    return block;
  }

  private lowerStatement(s: ts.Statement, out: Stmt[]): Flow {
    const saved = this.loc;
    this.loc = this.locOf(s);
    try {
      return this.lowerStatementAt(s, out);
    } catch (e) {
      if (e instanceof Unsupported) return { may: new Set(), always: false };
      throw e;
    } finally {
      this.loc = saved;
    }
  }

  private lowerStatementAt(s: ts.Statement, out: Stmt[]): Flow {
    const none: Flow = { may: new Set(), always: false };
    if (ts.isBlock(s)) return this.lowerBlock(s.statements, out);
    if (ts.isEmptyStatement(s)) return none;
    if (ts.isVariableStatement(s)) {
      this.lowerDeclarations(s.declarationList, out);
      return none;
    }
    if (ts.isExpressionStatement(s)) {
      this.lowerEffect(s.expression, out);
      return none;
    }
    if (ts.isIfStatement(s)) return this.lowerIf(s, out, [], undefined);
    if (ts.isForStatement(s) || ts.isWhileStatement(s) || ts.isDoStatement(s) || ts.isForOfStatement(s)) return this.lowerLoop(s, out);
    if (ts.isReturnStatement(s)) {
      if (!s.expression && this.isProcedure) {
        this.returnedFlag ??= this.flag("returned");
        out.push(this.assign(this.returnedFlag, { k: "copy", arg: bool(true) }));
        return { may: new Set([this.returnedFlag]), always: true };
      }
      if (!s.expression) this.fail(s, "a differentiated function must return a value", "return the number to differentiate, e.g. `return loss;`");
      if (this.isProcedure) this.fail(s, "a function declared `: void` cannot return a value");
      this.lowerResult(s.expression, out);
      this.returnedFlag ??= this.flag("returned");
      out.push(this.assign(this.returnedFlag, { k: "copy", arg: bool(true) }));
      return { may: new Set([this.returnedFlag]), always: true };
    }
    if (ts.isBreakStatement(s) || ts.isContinueStatement(s)) {
      if (s.label) this.fail(s, "labelled break/continue is outside the differentiable subset", "restructure the loop, or use a flag variable");
      const isBreak = ts.isBreakStatement(s);
      const frame = isBreak ? this.loops[this.loops.length - 1] : [...this.loops].reverse().find((f) => !f.isSwitch);
      if (!frame) this.fail(s, `'${s.getText()}' outside a loop`);
      const flag = isBreak
        ? (frame.breakFlag ??= this.flag(`break${frame.id}`))
        : (frame.continueFlag ??= this.flag(`continue${frame.id}`));
      out.push(this.assign(flag, { k: "copy", arg: bool(true) }));
      return { may: new Set([flag]), always: true };
    }
    if (ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) {
      return this.fail(s, "nested function and class declarations are outside the differentiable subset", "declare helper functions at the top level of a module; gradc differentiates calls to them");
    }
    if (ts.isTryStatement(s)) return this.fail(s, "try/catch is outside the differentiable subset", "move error handling outside the differentiated function");
    if (ts.isThrowStatement(s)) return this.fail(s, "throw is outside the differentiable subset", "validate inputs before calling the differentiated function");
    if (ts.isSwitchStatement(s)) return this.lowerSwitch(s, out);
    if (ts.isForInStatement(s)) return this.fail(s, "for…in loops are outside the differentiable subset", "iterate the values with for…of, or use an index loop: for (let i = 0; i < a.length; i++)");
    if (ts.isLabeledStatement(s)) return this.fail(s, "labelled statements are outside the differentiable subset", "use a flag variable to leave nested loops");
    return this.fail(s, `'${excerpt(s)}' is outside the differentiable subset`, "see the differentiable subset in the README");
  }

  private lowerDeclarations(list: ts.VariableDeclarationList, out: Stmt[]): void {
    const isConst = !!(list.flags & ts.NodeFlags.Const);
    if (!(list.flags & (ts.NodeFlags.Const | ts.NodeFlags.Let))) {
      this.fail(list, "'var' declarations are outside the differentiable subset", "use let or const");
    }
    for (const d of list.declarations) {
      if (!ts.isIdentifier(d.name)) {
        if (!d.initializer) this.fail(d, "a destructuring declaration needs an initializer");
        if (ts.isArrayBindingPattern(d.name)) {
          // `const [a, b] = [x, y]` or `= arr`: element values, then one declaration each.
          const values = this.elementValues(d.initializer, d.name.elements.length, out);
          d.name.elements.forEach((element, i) => {
            if (ts.isOmittedExpression(element)) return;
            if (element.dotDotDotToken || element.initializer || !ts.isIdentifier(element.name)) this.fail(element, "rest elements, defaults and nested patterns in an array pattern are outside the differentiable subset");
            out.push(this.declaration(this.declare(element.name.text, "num", isConst), { k: "copy", arg: values[i] }));
          });
          continue;
        }
        // `const { w, b } = p`: w names p's array, b a copy of its number.
        this.bindPattern(d.name, this.objectValue(d.initializer, out, "object"), isConst, out);
        continue;
      }
      if (d.initializer && this.isObjectExpression(d.initializer)) {
        const object = this.objectValue(d.initializer, out, d.name.text);
        // `const q = p`: another name for p's object, not a copy.
        if (this.namesObject(d.initializer)) object.shared = true;
        this.scopes[this.scopes.length - 1].set(d.name.text, { object, isConst });
        continue;
      }
      if (d.initializer && fieldOf(skipParens(d.initializer))) {
        // `const w = p.w`: another name for the object's array (arrays are references).
        const field = this.pathValue(d.initializer);
        if (field && !isObjectValue(field) && field.type === "arr") {
          this.scopes[this.scopes.length - 1].set(d.name.text, { ir: field.ir, type: "arr", isConst, float32: field.float32, integer: field.integer });
          continue;
        }
      }
      if (!d.initializer) {
        const type = d.type ? this.typeOf(d.type) : "num";
        if (type === "arr") this.fail(d, "an array variable needs an initializer", "write const a = new Float64Array(n)");
        this.declare(d.name.text, type, isConst);
        continue;
      }
      const init = skipParens(d.initializer);
      if (ts.isIdentifier(init) && this.lookup(init.text)?.type === "arr") {
        this.fail(d, "an array variable may not alias another array", "copy the elements into a new Float64Array, or use the original name");
      }
      this.refuseOptionalCopy(d.initializer);
      // Lower the initializer before declaring, so `let x = x + 1` in an inner scope reads the outer x.
      const target = this.fresh(d.name.text);
      const start = out.length;
      let value: Typed;
      try {
        value = this.expr(d.initializer, out, target);
      } catch (e) {
        // Declare the name anyway, so its later uses do not report a second, misleading error.
        this.scopes[this.scopes.length - 1].set(d.name.text, { ir: target, type: "num", isConst, unknownType: true });
        throw e;
      }
      markDeclaration(out.slice(start), target);
      this.vars.set(target, value.type);
      this.scopes[this.scopes.length - 1].set(d.name.text, { ir: target, type: value.type, isConst, ...arrayKind(d.initializer) });
    }
  }

  private lowerIf(s: ts.IfStatement, out: Stmt[], rest: readonly ts.Statement[], restInto: "then" | "else" | undefined): Flow {
    const cond = this.condition(s.expression, out);
    const thenOut: Stmt[] = [];
    const elseOut: Stmt[] = [];
    const thenStmts = [...blockStatements(s.thenStatement), ...(restInto === "then" ? rest : [])];
    const elseStmts = [...(s.elseStatement ? blockStatements(s.elseStatement) : []), ...(restInto === "else" ? rest : [])];
    const a = this.lowerBlock(thenStmts, thenOut);
    const b = this.lowerBlock(elseStmts, elseOut);
    out.push({ k: "if", cond, then: thenOut, else: elseOut, loc: this.locOf(s) });
    return { may: new Set([...a.may, ...b.may]), always: a.always && b.always };
  }

  private lowerLoop(s: ts.ForStatement | ts.WhileStatement | ts.DoStatement | ts.ForOfStatement, out: Stmt[]): Flow {
    const frame: LoopFrame = { id: this.nextLoop++ };
    const loop: LoopStmt = { k: "loop", id: frame.id, init: [], test: [], cond: bool(true), body: [], update: [], postTest: ts.isDoStatement(s), scoped: [], loc: this.locOf(s) };
    this.scopes.push(new Map());
    try {
      if (ts.isForStatement(s) && s.initializer) {
        const varsBeforeInit = new Set(this.vars.keys());
        if (ts.isVariableDeclarationList(s.initializer)) this.lowerDeclarations(s.initializer, loop.init);
        else this.lowerEffect(s.initializer, loop.init);
        // The initializer's own variables (`const w = p.w` names an existing array: not its own).
        loop.scoped = [...this.scopes[this.scopes.length - 1].values()].flatMap((b) => (b.ir !== undefined && !varsBeforeInit.has(b.ir) ? [b.ir] : []));
      }
      const varsBeforeTest = new Set(this.vars.keys());
      const element = ts.isForOfStatement(s) ? this.forOfHeader(s, loop) : undefined;
      const testExpr = ts.isForStatement(s) ? s.condition : ts.isForOfStatement(s) ? undefined : s.expression;
      if (testExpr) loop.cond = this.condition(testExpr, loop.test);
      this.loops.push(frame);
      let flow: Flow;
      this.scopes.push(new Map());
      try {
        element?.(loop.body);
        flow = this.lowerBlock(blockStatements(s.statement), loop.body);
      } finally {
        this.scopes.pop();
      }
      this.loops.pop();
      if (ts.isForStatement(s) && s.incrementor) this.lowerEffect(s.incrementor, loop.update);
      if (hasSideEffects(loop.test, varsBeforeTest)) this.moveTestIntoBody(loop, frame);

      const exits = [frame.breakFlag, ...[...flow.may].filter((f) => f === this.returnedFlag)].filter((f): f is string => !!f);
      if (frame.continueFlag) loop.body.unshift(this.assign(frame.continueFlag, { k: "copy", arg: bool(false) }));
      if (frame.breakFlag) loop.init.push(this.assign(frame.breakFlag, { k: "copy", arg: bool(false) }));
      if (exits.length > 0) {
        // The loop goes on only while no exit flag is set: `go = !exit; if (go) { test; go = cond }`.
        const go = this.temp("bool");
        const test: Stmt[] = [];
        test.push(this.assign(go, { k: "not", arg: ref(exits[0]) }));
        let block = test;
        for (const extra of exits.slice(1)) {
          const inner: Stmt[] = [];
          block.push({ k: "if", cond: ref(go), then: inner, else: [], loc: this.loc });
          inner.push(this.assign(go, { k: "not", arg: ref(extra) }));
          block = inner;
        }
        const inner: Stmt[] = [...loop.test, this.assign(go, { k: "copy", arg: loop.cond })];
        block.push({ k: "if", cond: ref(go), then: inner, else: [], loc: this.loc });
        loop.test = test;
        loop.cond = ref(go);
        if (loop.update.length > 0) {
          const wrapper: Stmt[] = [];
          this.guard(exits, wrapper).push(...loop.update);
          loop.update = wrapper;
        }
      }
      out.push(loop);
      const may = new Set([...flow.may].filter((f) => f !== frame.breakFlag && f !== frame.continueFlag));
      return { may, always: false };
    } finally {
      this.scopes.pop();
    }
  }

  /**
   * `for (const v of a)` as the index loop JavaScript's array iterator amounts to: `a` evaluated
   * once (a Float64Array, a number[] or an array literal), `i` from 0 while `i < a.length`, and
   * `v = a[i]` read at the top of each iteration (so writes to later elements are seen, as in
   * JavaScript). Fills the loop's header; the returned function declares v in the body.
   */
  private forOfHeader(s: ts.ForOfStatement, loop: LoopStmt): (body: Stmt[]) => void {
    if (s.awaitModifier) this.fail(s, "for await is outside the differentiable subset", "iterate synchronously");
    const list = s.initializer;
    if (!ts.isVariableDeclarationList(list) || list.declarations.length !== 1 || !ts.isIdentifier(list.declarations[0].name)) {
      return this.fail(list, "for…of needs a variable of its own", "write for (const v of a)");
    }
    if (!(list.flags & (ts.NodeFlags.Const | ts.NodeFlags.Let))) this.fail(list, "'var' declarations are outside the differentiable subset", "use let or const");
    const name = list.declarations[0].name.text;
    const iterated = skipParens(s.expression);
    // A literal is made into an array of its own before the loop, named so the loop can read it.
    let arr: string;
    if (ts.isArrayLiteralExpression(iterated)) {
      arr = this.temp("arr");
      this.expr(iterated, loop.init, arr);
    } else {
      arr = this.arrayRef(iterated);
    }
    const index = this.internal(`${name}_index`, "num");
    loop.init.push(this.assign(index, { k: "copy", arg: num(0) }));
    loop.scoped = [index];
    const length = this.temp("num");
    const more = this.temp("bool");
    loop.test.push(this.assign(length, { k: "len", arr }), this.assign(more, { k: "cmp", op: "<", args: [ref(index), ref(length)] }));
    loop.cond = ref(more);
    loop.update.push(this.assign(index, { k: "prim", op: "add", args: [ref(index), num(1)] }));
    const isConst = !!(list.flags & ts.NodeFlags.Const);
    return (body) => {
      const v = this.declare(name, "num", isConst);
      body.push(this.assign(v, { k: "load", arr, index: ref(index) }));
    };
  }

  /**
   * `switch` as JavaScript runs it: the discriminant once; the case values compared with === in
   * order until one matches (later case values are not evaluated), else `default` wherever it
   * stands; then every clause from there on (fall-through) until a `break`, `continue` or
   * `return`. Lowered to `sel`, the index of the clause execution starts at (the clause count:
   * none), and `if (sel <= k) { clause k }` per clause, each guarded by the flags earlier clauses
   * may have set — so the analyses see only ifs and flags.
   */
  private lowerSwitch(s: ts.SwitchStatement, out: Stmt[]): Flow {
    const clauses = s.caseBlock.clauses;
    this.refuseOptionalCopy(s.expression);
    const discriminant = this.expr(s.expression, out);
    if (discriminant.type === "arr") this.fail(s.expression, "switch on an array is outside the differentiable subset", "switch on a number or a boolean");
    // A copy: the clauses may assign the variable switched on.
    const value = this.temp(discriminant.type);
    out.push(this.assign(value, { k: "copy", arg: discriminant.atom }));
    const defaultIndex = clauses.findIndex((c) => ts.isDefaultClause(c));
    const sel = this.temp("num");
    out.push(this.assign(sel, { k: "copy", arg: num(defaultIndex >= 0 ? defaultIndex : clauses.length) }));
    let unmatched = out;
    clauses.forEach((clause, k) => {
      if (!ts.isCaseClause(clause)) return;
      const candidate = this.expr(clause.expression, unmatched);
      if (candidate.type !== discriminant.type) this.fail(clause.expression, `this case compares ${TYPE_NAMES[candidate.type]} with the switch's ${TYPE_NAMES[discriminant.type].replace(/^an? /, "")}`, "=== between different types is always false: give each case a value of the switch's type");
      const hit = this.temp("bool");
      unmatched.push(this.assign(hit, { k: "cmp", op: "===", args: [ref(value), candidate.atom] }));
      const next: Stmt[] = [];
      unmatched.push({ k: "if", cond: ref(hit), then: [this.assign(sel, { k: "copy", arg: num(k) })], else: next, loc: this.locOf(clause) });
      unmatched = next;
    });
    const frame: LoopFrame = { id: this.nextLoop++, isSwitch: true };
    this.loops.push(frame);
    const bodies: { statements: Stmt[]; flow: Flow }[] = [];
    try {
      for (const clause of clauses) {
        const statements: Stmt[] = [];
        bodies.push({ statements, flow: this.lowerBlock(clause.statements, statements) });
      }
    } finally {
      this.loops.pop();
    }
    if (frame.breakFlag) out.push(this.assign(frame.breakFlag, { k: "copy", arg: bool(false) }));
    const earlier = new Set<string>();
    bodies.forEach(({ statements, flow }, k) => {
      const reached = this.temp("bool");
      out.push(this.assign(reached, { k: "cmp", op: "<=", args: [ref(sel), num(k)] }));
      const inside: Stmt[] = [];
      out.push({ k: "if", cond: ref(reached), then: inside, else: [], loc: this.locOf(clauses[k]) });
      this.guard([...earlier], inside).push(...statements);
      flow.may.forEach((f) => earlier.add(f));
    });
    earlier.delete(frame.breakFlag ?? "");
    return { may: earlier, always: false };
  }

  /**
   * A condition that changes variables or elements (`while (n--)`, `while ((x = next(x)) > 0)`)
   * becomes the first statement of the body (the last, for do…while) and leaves through the
   * loop's break flag: the test itself then only reads flags, and what the condition computes is
   * ordinary body code that both modes differentiate.
   */
  private moveTestIntoBody(loop: LoopStmt, frame: LoopFrame): void {
    const stop = (frame.breakFlag ??= this.flag(`break${frame.id}`));
    const leave: Stmt[] = [...loop.test, this.assign(stop, { k: "not", arg: loop.cond })];
    loop.test = [];
    loop.cond = bool(true);
    if (loop.postTest) {
      // do…while: the condition runs after the body and the update, as before.
      loop.update = [...loop.update, ...leave];
    } else {
      const body = loop.body;
      loop.body = leave;
      this.guard([stop], loop.body).push(...body);
    }
  }

  /** Expression statements: assignments, ++/--, and calls kept for their effect on arrays. */
  private lowerEffect(e: ts.Expression, out: Stmt[]): void {
    e = skipParens(e);
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.CommaToken) {
      this.lowerEffect(e.left, out);
      this.lowerEffect(e.right, out);
      return;
    }
    if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.EqualsToken || compoundOp(e.operatorToken.kind))) {
      this.lowerAssignment(e.left, compoundOp(e.operatorToken.kind), e.right, out, e);
      return;
    }
    if (ts.isBinaryExpression(e) && e.operatorToken.kind >= ts.SyntaxKind.FirstCompoundAssignment && e.operatorToken.kind <= ts.SyntaxKind.LastCompoundAssignment) {
      this.fail(e.operatorToken, `the compound assignment '${e.operatorToken.getText()}' is outside the differentiable subset`, "bitwise, shift and logical assignments have no derivative; write the arithmetic out");
    }
    if ((ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) && (e.operator === ts.SyntaxKind.PlusPlusToken || e.operator === ts.SyntaxKind.MinusMinusToken)) {
      this.lowerAssignment(e.operand, e.operator === ts.SyntaxKind.PlusPlusToken ? "add" : "sub", undefined, out, e);
      return;
    }
    if (ts.isCallExpression(e)) {
      const callee = skipParens(e.expression);
      if (ts.isIdentifier(callee) && !this.isGradcName(callee.text)) {
        const { fn, args } = this.lowerCall(e, out);
        out.push({ k: "effect", fn: fn.name, args, loc: this.loc });
        return;
      }
      this.expr(e, out); // reports why the call is outside the subset (callbacks, methods, …)
    }
    this.fail(e, "this expression statement has no effect gradc can differentiate", "statements are assignments, ++/--, or calls to helpers that write into arrays");
  }

  /**
   * `left = right`, `left op= right`, or `left += 1` (++/--, no `right`), evaluated as JavaScript
   * does: the target's variable or index, then its old value, then `right`. Returns the value the
   * assignment expression has: the value stored.
   */
  private lowerAssignment(left: ts.Expression, op: PrimOp | undefined, right: ts.Expression | undefined, out: Stmt[], whole: ts.Node, keepOld = false): Typed & { old?: Atom } {
    left = skipParens(left);
    if (ts.isArrayLiteralExpression(left)) {
      if (op || !right) this.fail(whole, "only `=` can assign to a destructuring pattern");
      return this.assignElements(left, right, out);
    }
    if (ts.isIdentifier(left) || fieldOf(left)) {
      const b = this.assignable(left, op, right, out, whole);
      if (!b) return { atom: num(0), type: "num" }; // a whole object was assigned (statement use only)
      if (b.type === "arr") this.fail(whole, "an array variable may not be reassigned", "write into its elements instead, or declare a new array");
      if (!op) {
        if (!b.given) this.refuseOptionalCopy(right!);
        const value = this.expr(right!, out, b.ir);
        this.checkType(value.type, b.type, right!);
        this.markGiven(b, out);
        return { atom: ref(b.ir), type: b.type };
      }
      if (b.type !== "num") this.fail(whole, `'${left.getText()}' is a boolean: arithmetic assignment needs a number`);
      // `x += e` reads x before e runs (`x += x++` adds the old x).
      const [current, rhs] = this.inOrder([() => ref(b.ir), () => (right ? this.scalar(right, out) : num(1))], out);
      // x++ as a value is the old value: keep a copy before x changes.
      let old: Atom = current;
      if (keepOld && current.k === "var" && current.name === b.ir) {
        const copy = this.temp("num");
        out.push(this.assign(copy, { k: "copy", arg: current }));
        old = ref(copy);
      }
      out.push(this.assign(b.ir, { k: "prim", op, args: [old, rhs] }));
      this.markGiven(b, out);
      return { atom: ref(b.ir), type: "num", old };
    }
    if (ts.isElementAccessExpression(left)) {
      const arr = this.arrayRef(left.expression);
      const target = this.arrayBinding(left.expression);
      let index: Atom;
      let value: Atom;
      if (op) {
        // The index, then the old element, then the right-hand side (`a[i] += i++` uses the old i).
        const old = this.temp("num");
        let rhs: Atom;
        [index, rhs] = this.inOrder(
          [
            () => this.scalar(left.argumentExpression, out),
            ([at]) => {
              out.push(this.assign(old, { k: "load", arr, index: at }));
              return right ? this.scalar(right, out) : num(1);
            },
          ],
          out,
        );
        const updated = this.temp("num");
        out.push(this.assign(updated, { k: "prim", op, args: [ref(old), rhs] }));
        out.push({ k: "store", arr, index, value: this.stored(ref(updated), target, out), loc: this.loc });
        return { atom: ref(updated), type: "num", old: ref(old) };
      }
      [index, value] = this.inOrder([() => this.scalar(left.argumentExpression, out), () => this.scalar(right!, out)], out);
      out.push({ k: "store", arr, index, value: this.stored(value, target, out), loc: this.loc });
      return { atom: value, type: "num" };
    }
    this.fail(left, "only variables, object fields and array elements can be assigned");
  }

  /**
   * The variable an assignment to a name or a field writes. A whole object assigned to an object
   * variable (`q = { ...q, b: 2 }`) is done here, field by field, and gives undefined.
   */
  private assignable(left: ts.Expression, op: PrimOp | undefined, right: ts.Expression | undefined, out: Stmt[], whole: ts.Node): Binding | undefined {
    if (ts.isIdentifier(left)) {
      const b = this.lookup(left.text);
      if (!b) this.fail(left, `'${left.text}' is not a local variable of this function`, "a differentiated function may only assign its own parameters and locals (closures over mutable outer variables are outside the subset)");
      if (b.isConst) this.fail(left, `cannot assign to const '${left.text}'`);
      if (!b.object) return b;
      if (op || !right) this.fail(whole, `'${left.text}' is an object: arithmetic assignment needs a number`);
      let parent = whole.parent;
      while (ts.isParenthesizedExpression(parent)) parent = parent.parent;
      if (!ts.isExpressionStatement(parent) && !ts.isForStatement(parent)) this.fail(whole, "an object assignment is only supported as a statement of its own");
      this.reassignObject(b.object, right, out, whole, left.text);
      return undefined;
    }
    const field = fieldOf(left)!;
    const owner = this.pathValue(field.base);
    if (!owner || !isObjectValue(owner)) return this.fail(left, "only fields of objects can be assigned", "properties of arrays and other values are read-only here");
    const value = this.pathValue(left)!;
    if (isObjectValue(value)) return this.fail(whole, "assigning a whole inner object is outside the differentiable subset", "assign its fields one by one");
    if (owner.ofParam && value.type !== "arr") {
      this.fail(whole, `cannot assign to '${left.getText()}': the object belongs to the caller`, "gradc passes object fields by value, so the caller would not see the change: copy the object first (const q = { ...p }) and change the copy");
    }
    return value;
  }

  /**
   * `q = { … }`: the object q names gets the new object's fields. Exact only while nothing else
   * refers to q's object, and when every array field keeps its array (fields are variables; an
   * array's identity is its variable).
   */
  private reassignObject(target: ObjectValue, right: ts.Expression, out: Stmt[], whole: ts.Node, name: string): void {
    if (target.shared || target.ofParam) this.fail(whole, `cannot assign a new object to '${name}': its object is also reachable through another name`, "declare a new variable for the new object");
    if (!ts.isObjectLiteralExpression(skipParens(right))) this.fail(right, "an object variable can only be assigned an object literal", "copy with a spread: q = { ...p }");
    const value = this.objectValue(right, out, name);
    const copyInto = (into: ObjectValue, from: ObjectValue, path: string) => {
      const fields = [...into.fields.keys()];
      const missing = fields.filter((f) => !from.fields.has(f));
      const extra = [...from.fields.keys()].filter((f) => !into.fields.has(f));
      if (missing.length + extra.length > 0) this.fail(right, `the new object for '${path}' must have the same fields${missing.length ? `; missing ${missing.join(", ")}` : ""}${extra.length ? `; extra ${extra.join(", ")}` : ""}`);
      for (const [field, slot] of into.fields) {
        const source = from.fields.get(field)!;
        if (isObjectValue(slot) || isObjectValue(source)) {
          if (slot === source) continue;
          // Copying is exact only from an object the literal itself builds: an existing object
          // (`{ inner: r }`) would have to become the field, seen through both names.
          if (!isObjectValue(slot) || !isObjectValue(source) || slot.shared || slot.ofParam || source.shared) {
            this.fail(right, `field '${path}.${field}' would become another object`, "build the inner object in the literal ({ inner: { a: r.a } }), or declare a new variable");
          }
          copyInto(slot, source, `${path}.${field}`);
          continue;
        }
        if (slot.type !== source.type) this.fail(right, `field '${path}.${field}' is ${TYPE_NAMES[slot.type]}, the new value ${TYPE_NAMES[source.type]}`);
        if (slot.type === "arr") {
          if (slot.ir !== source.ir) this.fail(right, `field '${path}.${field}' would hold another array`, "an array field keeps its array: write into its elements instead");
          continue;
        }
        out.push(this.assign(slot.ir, { k: "copy", arg: ref(source.ir) }));
      }
    };
    copyInto(target, value, name);
  }

  /** `[a, b] = [b, a]`: every value on the right first, then the assignments in order. */
  private assignElements(left: ts.ArrayLiteralExpression, right: ts.Expression, out: Stmt[]): Typed {
    const values = this.elementValues(right, left.elements.length, out);
    left.elements.forEach((element, i) => {
      if (ts.isOmittedExpression(element)) return;
      if (ts.isSpreadElement(element)) this.fail(element, "rest elements are outside the differentiable subset");
      const target = skipParens(element);
      if (!ts.isIdentifier(target) && !fieldOf(target)) this.fail(element, "only variables and object fields can be assigned by a pattern");
      const b = this.assignable(target, undefined, undefined, out, element)!;
      this.checkType("num", b.type, element);
      out.push(this.assign(b.ir, { k: "copy", arg: values[i] }));
      this.markGiven(b, out);
    });
    return { atom: num(0), type: "num" };
  }

  // ---------------------------------------------------------------------------------------------
  // Expressions

  /**
   * Lowers operands left to right, as JavaScript evaluates them; each lowerer sees the atoms of
   * the operands before it. A variable operand stays a lazy reference in the IR, so when a later
   * operand assigns that variable (`k + k++`, `x * (x += 1)`), the earlier read is copied to a
   * temporary right where JavaScript made it.
   */
  private inOrder(lowerers: ((before: Atom[]) => Atom)[], out: Stmt[]): Atom[] {
    const atoms: Atom[] = [];
    const ends: number[] = [];
    for (const lower of lowerers) {
      atoms.push(lower(atoms));
      ends.push(out.length);
    }
    // From the last operand back, so that an insertion never moves a position still needed.
    for (let i = atoms.length - 2; i >= 0; i--) {
      const a = atoms[i];
      if (a.k !== "var" || !assignsVariable(out.slice(ends[i]), a.name)) continue;
      const copy = this.temp(this.vars.get(a.name) ?? "num");
      out.splice(ends[i], 0, this.assign(copy, { k: "copy", arg: a }));
      atoms[i] = ref(copy);
    }
    return atoms;
  }

  /**
   * A condition, with JavaScript's truthiness: a number is true unless it is 0, −0 or NaN
   * (`while (n--)`, `if (x)`); `&&`, `||` and `!` inside a condition take numbers likewise.
   */
  private condition(e: ts.Expression, out: Stmt[]): Atom {
    e = skipParens(e);
    if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.AmpersandAmpersandToken || e.operatorToken.kind === ts.SyntaxKind.BarBarToken)) {
      // As a condition only the operands' truthiness matters, so each operand is a condition too.
      const name = this.temp("bool");
      out.push(this.assign(name, { k: "copy", arg: this.condition(e.left, out) }));
      const rhs: Stmt[] = [];
      rhs.push(this.assign(name, { k: "copy", arg: this.condition(e.right, rhs) }));
      out.push(this.shortCircuit(e.operatorToken.kind, name, rhs));
      return ref(name);
    }
    if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken) {
      const name = this.temp("bool");
      out.push(this.assign(name, { k: "not", arg: this.condition(e.operand, out) }));
      return ref(name);
    }
    const c = this.expr(e, out);
    if (c.type === "bool") return c.atom;
    if (c.type === "arr") this.fail(e, "an array as a condition is always true", "test its length or an element, e.g. `a.length > 0`");
    if (c.type === "str") this.fail(e, "a string as a condition is outside the differentiable subset", 'compare it explicitly, e.g. `mode !== ""`');
    return this.truthy(c.atom, out);
  }

  /** `if (name) { rhs }` for &&, `if (!name) { rhs }` for ||: the right operand runs only when it decides. */
  private shortCircuit(kind: ts.SyntaxKind, name: string, rhs: Stmt[]): Stmt {
    const isAnd = kind === ts.SyntaxKind.AmpersandAmpersandToken;
    return { k: "if", cond: ref(name), then: isAnd ? rhs : [], else: isAnd ? [] : rhs, loc: this.loc };
  }

  /** JavaScript's Boolean(x) of a number: x !== 0 && x === x (false for 0, −0 and NaN). */
  private truthy(x: Atom, out: Stmt[]): Atom {
    if (x.k === "num") return bool(x.value !== 0 && !Number.isNaN(x.value));
    const name = this.temp("bool");
    out.push(this.assign(name, { k: "cmp", op: "!==", args: [x, num(0)] }));
    out.push({ k: "if", cond: ref(name), then: [this.assign(name, { k: "cmp", op: "===", args: [x, x] })], else: [], loc: this.loc });
    return ref(name);
  }

  /** An operand of && or || whose value is used (not only its truthiness): it must be a boolean. */
  private booleanOperand(e: ts.Expression, out: Stmt[]): Atom {
    const c = this.expr(e, out);
    if (c.type !== "bool") {
      this.fail(e, "operands of && and || must be booleans where their value is used", "JavaScript's `x && y` has the value of x or y, not a boolean; compare explicitly, e.g. `x !== 0 && y > 0`, or use it as a condition");
    }
    return c.atom;
  }

  private scalar(e: ts.Expression, out: Stmt[]): Atom {
    const v = this.expr(e, out);
    this.checkType(v.type, "num", e);
    return v.atom;
  }

  private checkType(actual: Type, expected: Type, node: ts.Node): void {
    if (actual === expected) return;
    const hint = actual === "str" || expected === "str" ? "strings pass through a differentiated function to be compared (=== and !==), switched on and passed on, never computed with" : undefined;
    this.fail(node, `expected ${TYPE_NAMES[expected]} here, found ${TYPE_NAMES[actual]}`, hint);
  }

  /** Lowers `e`; with a `target`, the final primitive is assigned to it directly. */
  private expr(e: ts.Expression, out: Stmt[], target?: string): Typed {
    const emit = (x: Expr, type: Type): Typed => {
      const name = target ?? this.temp(type);
      if (target) this.vars.set(target, type);
      out.push(this.assign(name, x));
      return { atom: ref(name), type };
    };
    const atom = (a: Atom, type: Type): Typed => (target ? emit({ k: "copy", arg: a }, type) : { atom: a, type });

    e = skipParens(e);
    if ((ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e) || ts.isCallExpression(e)) && e.questionDotToken) {
      return this.fail(e, "optional chaining is outside the differentiable subset", "values in the subset are never null or undefined: write a.length or a[i]");
    }
    if (ts.isNumericLiteral(e)) return atom(num(Number(e.text)), "num");
    if (e.kind === ts.SyntaxKind.TrueKeyword) return atom(bool(true), "bool");
    if (e.kind === ts.SyntaxKind.FalseKeyword) return atom(bool(false), "bool");
    if (ts.isIdentifier(e)) {
      const b = this.lookup(e.text);
      if (b?.object) return this.fail(e, `'${e.text}' is an object: expected a number, boolean or array here`, `read one of its fields (${[...b.object.fields.keys()].join(", ")})`);
      if (b) {
        if (b.type === "arr" && target) this.fail(e, "an array variable may not alias another array", "copy the elements into a new Float64Array");
        return atom(ref(b.ir), b.type);
      }
      if (e.text === "Infinity") return atom(num(Infinity), "num");
      if (e.text === "NaN") return atom(num(NaN), "num");
      const constant = moduleConstant(this.sf, e.text, new Set());
      if (constant !== undefined) return atom(num(constant), "num");
      return this.fail(e, `'${e.text}' is not a parameter or local of this function`, "differentiated code may read its parameters, its locals and numeric module constants (`const K = 2.5`); pass other values in as parameters");
    }
    if (ts.isPrefixUnaryExpression(e)) {
      if (e.operator === ts.SyntaxKind.MinusToken) {
        if (ts.isNumericLiteral(e.operand)) return atom(num(-Number(e.operand.text)), "num");
        return emit({ k: "prim", op: "neg", args: [this.scalar(e.operand, out)] }, "num");
      }
      if (e.operator === ts.SyntaxKind.PlusToken) return atom(this.scalar(e.operand, out), "num");
      if (e.operator === ts.SyntaxKind.ExclamationToken) {
        const c = this.condition(e.operand, out);
        return emit({ k: "not", arg: c }, "bool");
      }
      if (e.operator === ts.SyntaxKind.TildeToken) return this.fail(e, "the bitwise operator '~' is outside the differentiable subset", "bitwise operators work on 32-bit integers and have no derivative");
      // ++x / --x: increment, then the new value.
      const updated = this.lowerAssignment(e.operand, e.operator === ts.SyntaxKind.PlusPlusToken ? "add" : "sub", undefined, out, e);
      return atom(updated.atom, "num");
    }
    if (ts.isPostfixUnaryExpression(e)) {
      // x++ / x--: increment, and the value is the old one.
      const updated = this.lowerAssignment(e.operand, e.operator === ts.SyntaxKind.PlusPlusToken ? "add" : "sub", undefined, out, e, true);
      return atom(updated.old!, "num");
    }
    if (ts.isBinaryExpression(e)) return this.binary(e, out, target, emit);
    if (ts.isConditionalExpression(e)) {
      const cond = this.condition(e.condition, out);
      const name = target ?? this.temp("num");
      const thenOut: Stmt[] = [];
      const elseOut: Stmt[] = [];
      const a = this.expr(e.whenTrue, thenOut, name);
      const b = this.expr(e.whenFalse, elseOut, name);
      if (a.type !== b.type) this.fail(e, "both branches of ?: must have the same type");
      this.vars.set(name, a.type);
      out.push({ k: "if", cond, then: thenOut, else: elseOut, loc: this.loc });
      return { atom: ref(name), type: a.type };
    }
    if (ts.isCallExpression(e)) return this.callExpr(e, out, emit);
    if (fieldOf(e)) {
      const field = this.pathValue(e);
      if (field && isObjectValue(field)) return this.fail(e, `'${e.getText()}' is an object: expected a number, boolean or array here`, `read one of its fields (${[...field.fields.keys()].join(", ")})`);
      if (field) {
        if (field.type === "arr" && target) this.fail(e, "an array variable may not alias another array", "copy the elements into a new Float64Array");
        return atom(ref(field.ir), field.type);
      }
    }
    if (ts.isElementAccessExpression(e)) {
      const arr = this.arrayRef(e.expression);
      const index = this.scalar(e.argumentExpression, out);
      return emit({ k: "load", arr, index }, "num");
    }
    if (ts.isPropertyAccessExpression(e)) {
      if (ts.isIdentifier(e.expression) && e.expression.text === "Math" && !this.lookup("Math")) {
        const c = MATH_CONSTANTS[e.name.text];
        if (c !== undefined) return atom(num(c), "num");
      }
      if (ts.isIdentifier(e.expression) && e.expression.text === "Number" && !this.lookup("Number")) {
        const c = NUMBER_CONSTANTS[e.name.text];
        if (c !== undefined) return atom(num(c), "num");
      }
      const member = this.enumMember(e);
      if (member !== undefined) return typeof member === "string" ? atom(str(member), "str") : atom(num(member), "num");
      if (e.name.text === "length") return emit({ k: "len", arr: this.arrayRef(e.expression) }, "num");
      return this.fail(e, `property access '${e.getText()}' is outside the differentiable subset`, "the subset reads fields of object parameters and locals, Math constants and array .length");
    }
    if (ts.isNewExpression(e)) {
      // A Float32Array local is a float64 array whose every store is rounded to float32 (see
      // arrayKind): it holds exactly the values a Float32Array would. An integer array is the
      // typed array itself — its stores convert as JavaScript's do — holding data without derivatives.
      const kind = ts.isIdentifier(e.expression) ? e.expression.text : "";
      const integer = INTEGER_ARRAYS.has(kind);
      if ((kind === "Float64Array" || kind === "Float32Array" || integer) && !this.lookup(kind) && e.arguments?.length === 1) {
        const size = this.scalar(e.arguments[0], out);
        return emit(integer ? { k: "newarr", size, kind } : { k: "newarr", size }, "arr");
      }
      return this.fail(e, "only `new Float64Array(n)`, `new Float32Array(n)` and integer typed arrays (`new Int32Array(n)`, …) of a length are supported", "allocate arrays with new Float64Array(length)");
    }
    if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return atom(str(e.text), "str");
    if (ts.isTemplateExpression(e)) {
      return this.fail(e, "building strings is outside the differentiable subset", "strings pass through a differentiated function to be compared; keep formatting outside it");
    }
    if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) {
      return this.fail(e, "closures are outside the differentiable subset", "declare the function at the top level of the module and call it");
    }
    if (ts.isArrayLiteralExpression(e)) {
      // `[a, b, c]`: a new array of the elements' values, evaluated left to right.
      for (const element of e.elements) {
        if (ts.isSpreadElement(element)) this.fail(element, "spread in an array literal is outside the differentiable subset", "copy the elements with a loop");
        if (ts.isOmittedExpression(element)) this.fail(e, "an array literal with holes is outside the differentiable subset", "write every element");
      }
      const values = this.inOrder(e.elements.map((element) => () => this.scalar(element, out)), out);
      const name = target ?? this.temp("arr");
      this.vars.set(name, "arr");
      out.push(this.assign(name, { k: "newarr", size: num(values.length) }));
      values.forEach((value, i) => out.push({ k: "store", arr: name, index: num(i), value, loc: this.loc }));
      return { atom: ref(name), type: "arr" };
    }
    if (ts.isObjectLiteralExpression(e)) return this.fail(e, "an object is not a value here", "objects can initialise a variable, be assigned to one, or be passed to a helper's object parameter");
    return this.fail(e, `'${excerpt(e)}' is outside the differentiable subset`, "see the differentiable subset in the README");
  }

  private binary(e: ts.BinaryExpression, out: Stmt[], target: string | undefined, emit: (x: Expr, t: Type) => Typed): Typed {
    const kind = e.operatorToken.kind;
    const arith = arithmeticOp(kind);
    if (arith) {
      const [a, b] = this.inOrder([() => this.scalar(e.left, out), () => this.scalar(e.right, out)], out);
      return emit({ k: "prim", op: arith, args: [a, b] }, "num");
    }
    const given = this.undefinedTest(e);
    if (given) return emit(given.negate ? { k: "not", arg: ref(given.flag) } : { k: "copy", arg: ref(given.flag) }, "bool");
    const cmp = CMP_OPS[kind];
    if (cmp) {
      const types: Type[] = [];
      const operand = (side: ts.Expression) => () => {
        const v = this.expr(side, out);
        types.push(v.type);
        return v.atom;
      };
      const [a, b] = this.inOrder([operand(e.left), operand(e.right)], out);
      if (types.includes("arr")) this.fail(e, "arrays cannot be compared");
      if (types[0] !== types[1]) this.fail(e, `comparison between ${TYPE_NAMES[types[0]]} and ${TYPE_NAMES[types[1]]}`, "=== between different types is always false: compare values of one type");
      if (types[0] !== "num" && cmp !== "===" && cmp !== "!==") this.fail(e, `${TYPE_NAMES[types[0]].replace(/^an? /, "")}s can only be compared with === and !==`, "only numbers are ordered in the subset");
      const [ga, gb] = [this.optionalOperand(e.left), this.optionalOperand(e.right)];
      if ((cmp === "===" || cmp === "!==") && (ga || gb)) {
        // An optional parameter left out is undefined, equal only to another undefined:
        // same = (givenA === givenB) && (!givenA || a === b).
        const same = this.temp("bool");
        const flagA = ga ? ref(ga.given!) : bool(true);
        out.push(this.assign(same, { k: "cmp", op: "===", args: [flagA, gb ? ref(gb.given!) : bool(true)] }));
        const both: Stmt[] = [this.assign(same, { k: "cmp", op: "===", args: [a, b] })];
        const compareValues: Stmt[] = flagA.k === "var" ? [{ k: "if", cond: flagA, then: both, else: [], loc: this.loc }] : both;
        out.push({ k: "if", cond: ref(same), then: compareValues, else: [], loc: this.loc });
        return emit(cmp === "===" ? { k: "copy", arg: ref(same) } : { k: "not", arg: ref(same) }, "bool");
      }
      return emit({ k: "cmp", op: cmp, args: [a, b] }, "bool");
    }
    if (kind === ts.SyntaxKind.AmpersandAmpersandToken || kind === ts.SyntaxKind.BarBarToken) {
      // Short-circuit: `t = a; if (t) t = b` for &&, `t = a; if (!t) t = b` for ||. The result goes
      // straight into the assigned variable unless the right operand reads it (`c = y > 0 && c`
      // must read the old c, not the left operand just stored there).
      const name = target && !this.readsVariable(e.right, target) ? target : this.temp("bool");
      this.vars.set(name, "bool");
      const a = this.booleanOperand(e.left, out);
      out.push(this.assign(name, { k: "copy", arg: a }));
      const rhs: Stmt[] = [];
      const b = this.expr(e.right, rhs, name);
      if (b.type !== "bool") this.fail(e.right, "operands of && and || must be booleans", "compare explicitly, e.g. `x > 0 && y > 0`");
      out.push(this.shortCircuit(kind, name, rhs));
      if (target && name !== target) return emit({ k: "copy", arg: ref(name) }, "bool");
      return { atom: ref(name), type: "bool" };
    }
    if (kind === ts.SyntaxKind.EqualsToken || compoundOp(kind)) {
      // An assignment's value is the value stored (the new value for op=).
      const stored = this.lowerAssignment(e.left, compoundOp(kind), e.right, out, e);
      return target ? emit({ k: "copy", arg: stored.atom }, stored.type) : { atom: stored.atom, type: stored.type };
    }
    if (kind === ts.SyntaxKind.CommaToken) {
      // `a, b`: a for its effects, then the value of b.
      if (isEffect(e.left)) this.lowerEffect(e.left, out);
      else this.expr(e.left, out);
      return this.expr(e.right, out, target);
    }
    if (kind === ts.SyntaxKind.QuestionQuestionToken) {
      // `y ?? d` for an optional parameter y: y if it was given, else d (evaluated only then).
      const optional = this.optionalBinding(e.left);
      if (!optional) return this.fail(e, "?? is outside the differentiable subset except on optional parameters", "values in the subset are never null or undefined: use the value directly, or a comparison with ?:");
      const name = target ?? this.temp(optional.type);
      const fallback: Stmt[] = [];
      this.checkType(this.expr(e.right, fallback, name).type, optional.type, e.right);
      this.vars.set(name, optional.type);
      out.push({ k: "if", cond: ref(optional.given!), then: [this.assign(name, { k: "copy", arg: ref(optional.ir) })], else: fallback, loc: this.loc });
      return { atom: ref(name), type: optional.type };
    }
    const bitwise = [ts.SyntaxKind.AmpersandToken, ts.SyntaxKind.BarToken, ts.SyntaxKind.CaretToken, ts.SyntaxKind.LessThanLessThanToken, ts.SyntaxKind.GreaterThanGreaterThanToken, ts.SyntaxKind.GreaterThanGreaterThanGreaterThanToken].includes(kind);
    const hint = bitwise ? "bitwise operators work on 32-bit integers and have no derivative" : "see the differentiable subset in the README";
    return this.fail(e, `operator '${e.operatorToken.getText()}' is outside the differentiable subset`, hint);
  }

  private callExpr(e: ts.CallExpression, out: Stmt[], emit: (x: Expr, t: Type) => Typed): Typed {
    const callee = skipParens(e.expression);
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === "Math" && !this.lookup("Math")) {
      const name = callee.name.text;
      const args = () => this.inOrder(e.arguments.map((a) => () => this.scalar(a, out)), out);
      const math = MATH_PRIMITIVES.get(name);
      if (math?.variadic) {
        if (e.arguments.length < 1) this.fail(e, `Math.${name}() needs at least one argument`);
        const values = args();
        if (values.length === 1) {
          const single = math.variadic.single;
          return single === "copy" ? emit({ k: "copy", arg: values[0] }, "num") : emit({ k: "prim", op: single, args: values }, "num");
        }
        let acc = values[0];
        for (let i = 1; i < values.length - 1; i++) {
          const t = this.temp("num");
          out.push(this.assign(t, { k: "prim", op: math.op, args: [acc, values[i]] }));
          acc = ref(t);
        }
        return emit({ k: "prim", op: math.op, args: [acc, values[values.length - 1]] }, "num");
      }
      if (math) {
        if (e.arguments.length !== math.arity) this.fail(e, `Math.${name} takes ${math.arity === 1 ? "one argument" : "two arguments"}`);
        return emit({ k: "prim", op: math.op, args: args() }, "num");
      }
      const why = NON_DIFFERENTIABLE_MATH[name];
      if (why) return this.fail(e, why.message, why.hint);
      return this.fail(e, `Math.${name} is outside the differentiable subset`, "see the list of supported Math functions in the README");
    }
    if (ts.isIdentifier(callee) && this.gradcNames.stopGradient.has(callee.text)) {
      if (e.arguments.length !== 1) this.fail(e, "stopGradient takes one argument");
      const v = this.expr(e.arguments[0], out);
      if (v.type === "arr") this.fail(e, "stopGradient of an array is not supported yet", "apply stopGradient to the elements, or compute the values outside the differentiated function");
      return emit({ k: "stop", arg: v.atom }, v.type);
    }
    if (ts.isIdentifier(callee) && this.gradcNames.other.has(callee.text)) {
      return this.fail(e, `'${callee.text}' inside a differentiated function is not supported yet`, "higher-order derivatives come in a later release; call it outside the function being differentiated");
    }
    if (ts.isIdentifier(callee)) {
      const { fn, args } = this.lowerCall(e, out);
      if (!fn.returnsValue) this.fail(e, `'${callee.text}' returns nothing, so its call has no value`, "call it as a statement");
      // An object result is unpacked where an object is expected (objectValue); anywhere else
      // its packed array must not pass for a value.
      if (fn.resultLayout) this.fail(e, `'${callee.text}' returns an object, which cannot be used here`, "give it a name first: const r = " + `${callee.text}(…), then read r's fields`);
      this.refuseResultCaveat(e, fn);
      return emit({ k: "call", fn: fn.name, args }, fn.resultType);
    }
    if (ts.isPropertyAccessExpression(callee)) {
      const hint = ["reduce", "map", "forEach", "filter", "some", "every"].includes(callee.name.text)
        ? "callbacks are outside the differentiable subset: write the loop out with an index"
        : "gradc differentiates calls to top-level functions and Math.*";
      return this.fail(e, `call to '${callee.getText()}' is outside the differentiable subset`, hint);
    }
    return this.fail(e, "this call is outside the differentiable subset", "call a top-level function by name");
  }

  /**
   * A call back into a function still being lowered: recursion, direct or mutual (which functions
   * recurse is worked out once lowering is done: recursion.ts). Callers see its header: its parameters, and the result
   * type it declares (TypeScript asks recursive functions to declare it too). Arrays it takes must
   * only be read: recursion.ts checks that once the cycle is known.
   */
  private recursiveCallee(e: ts.CallExpression, node: FunctionNode): FnHeader {
    const callee = (skipParens(e.expression) as ts.Identifier).text;
    const header = this.ctx.headers.get(node);
    if (!header) return this.fail(e, `'${callee}' calls itself before its parameters are known (in a default value)`, "compute the default inside the body");
    if (!node.type) this.fail(e, `the recursive function '${callee}' needs a declared return type`, `write function ${callee}(…): number`);
    if (header.resultType === "arr") this.fail(e, `recursion through '${callee}', which returns an array, is not supported yet`);
    if (node.type && this.shapeOfOrUndefined(node.type)?.k === "object") this.fail(e, `recursion through '${callee}', which returns an object, is not supported yet`, "recurse on a helper that returns a number, and build the object outside the recursion");
    return header;
  }

  private lowerCall(e: ts.CallExpression, out: Stmt[]): { fn: FnHeader; args: Atom[] } {
    const callee = skipParens(e.expression) as ts.Identifier;
    if (this.lookup(callee.text)) this.fail(callee, `'${callee.text}' is a local variable, not a function`);
    const resolved = this.ctx.graph.resolveLocal(this.sf, callee.text);
    if (!resolved.ok) return this.fail(callee, `gradc cannot see the body of '${callee.text}': ${resolved.reason}`, "gradc differentiates calls to functions whose TypeScript source it can read (declared in this module or imported with a relative path)");
    const fn = this.ctx.inProgress.includes(resolved.fn.node) ? this.recursiveCallee(e, resolved.fn.node) : lowerFunction(resolved.fn, this.ctx);
    if (!fn) return this.fail(e, `'${callee.text}' cannot be differentiated (see the errors above)`);
    const required = fn.signature.filter((p) => p.shape.k !== "optional").length;
    if (e.arguments.length > fn.signature.length || e.arguments.length < required) {
      const count = required === fn.signature.length ? `${required}` : `${required} to ${fn.signature.length}`;
      this.fail(e, `'${callee.text}' takes ${count} arguments, got ${e.arguments.length}`);
    }
    // An object argument passes its fields (JavaScript passes the object itself, so a change a
    // later argument makes to a field is seen by the callee: the fields are read at the call).
    const objectFields: Atom[][] = [];
    const givenFlags: Atom[] = [];
    const args = this.inOrder(
      fn.signature.map((sourceParam, i) => () => {
        const shape = sourceParam.shape;
        const a = e.arguments[i];
        if (shape.k === "optional") {
          // An absent (or undefined) argument: NaN or false, with its given flag false.
          const absent = !a || (ts.isIdentifier(skipParens(a)) && (skipParens(a) as ts.Identifier).text === "undefined" && !this.lookup("undefined"));
          const type = fn.params[shape.param].type;
          // The caller's own optional parameter passes on whether it was given.
          const forwarded = a && !absent ? this.optionalBinding(a) : undefined;
          givenFlags[i] = forwarded ? ref(forwarded.given!) : bool(!absent);
          if (absent) return type === "bool" ? bool(false) : type === "str" ? str("") : num(NaN);
          const v = this.expr(a, out);
          this.checkType(v.type, type, a);
          return v.atom;
        }
        if (shape.k === "object") {
          objectFields[i] = this.objectArguments(this.objectValue(a, out, `${callee.text}_${fn.signature[i].name}`), shape, a, fn.params);
          return num(0);
        }
        const param = fn.params[shape.param];
        if (param.type === "arr") {
          if (ts.isArrayLiteralExpression(skipParens(a)) || ts.isCallExpression(skipParens(a))) {
            // A new array (a literal, or a helper's result) in a temporary of its own.
            const v = this.expr(a, out);
            this.checkType(v.type, "arr", a);
            if (param.integer) this.fail(a, "this parameter takes an integer array (Int32Array, Uint8Array, …)");
            return v.atom;
          }
          const array = this.arrayBinding(a);
          if (!!array.integer !== !!param.integer) this.fail(a, param.integer ? "this parameter takes an integer array (Int32Array, Uint8Array, …)" : "an integer array cannot be passed where a float array is expected", "integer arrays hold data without derivatives: keep the kinds apart");
          return ref(array.ir);
        }
        const v = this.expr(a, out);
        this.checkType(v.type, param.type, a);
        return v.atom;
      }),
      out,
    );
    return { fn, args: args.flatMap((atom, i) => objectFields[i] ?? (givenFlags[i] ? [atom, givenFlags[i]] : [atom])) };
  }

  /** The fields of `object`, in the order of the callee's parameter `shape`: its IR arguments. */
  private objectArguments(object: ObjectValue, shape: Extract<ParamShape, { k: "object" }>, at: ts.Node, params: Param[]): Atom[] {
    return shape.fields.flatMap(([field, fieldShape]) => {
      const value = object.fields.get(field);
      if (!value) return this.fail(at, `this object has no field '${field}', which the parameter's type requires`);
      if (fieldShape.k === "object") {
        if (!isObjectValue(value)) return this.fail(at, `field '${field}' must be an object`);
        return this.objectArguments(value, fieldShape, at, params);
      }
      const expected = params[fieldShape.param];
      if (isObjectValue(value) || value.type !== expected.type || !!value.integer !== !!expected.integer) {
        return this.fail(at, `field '${field}' must be ${expected.integer ? "an integer array" : TYPE_NAMES[expected.type]}`);
      }
      return [ref(value.ir)];
    });
  }

  private arrayRef(e: ts.Expression): string {
    return this.arrayBinding(e).ir;
  }

  private arrayBinding(e: ts.Expression): Binding {
    e = skipParens(e);
    if (ts.isIdentifier(e) || fieldOf(e)) {
      const b = this.pathValue(e);
      if (b && !isObjectValue(b) && b.type === "arr") return b;
      if (b && !isObjectValue(b) && b.unknownType) throw new Unsupported("already reported");
      if (b) this.fail(e, `'${e.getText()}' is not an array`);
    }
    if (ts.isCallExpression(e)) return this.fail(e, "a helper's array result must be named before it is indexed or iterated", "const r = helper(…); then r[i] or for (const v of r)");
    return this.fail(e, "array accesses must name a Float64Array parameter or local directly", "nested arrays and computed array expressions are outside the subset");
  }

  /** The value a store writes: rounded to float32 for a Float32Array, as the array itself would; without derivative for an integer array. */
  private stored(value: Atom, array: Binding, out: Stmt[]): Atom {
    if (!array.float32 && !array.integer) return value;
    const r = this.temp("num");
    // An integer array holds no derivatives: what goes in is cut off (and the array truncates it).
    out.push(this.assign(r, array.integer ? { k: "stop", arg: value } : { k: "prim", op: "fround", args: [value] }));
    return ref(r);
  }

  /** `y` (not `y!`) for an optional parameter without a default: a value that may be undefined. */
  private optionalOperand(e: ts.Expression): Binding | undefined {
    while (ts.isParenthesizedExpression(e)) e = e.expression;
    return ts.isIdentifier(e) ? this.optionalBinding(e) : undefined;
  }

  /** Copying `y` into another variable, field or switch would lose whether it was given. */
  private refuseOptionalCopy(e: ts.Expression): void {
    const optional = this.optionalOperand(e);
    if (optional) this.fail(e, `'${e.getText()}' may be undefined here, which a copy would not remember`, `write \`${e.getText()} ?? <default>\`, or \`${e.getText()}!\` where it is known to be given`);
  }

  /** An optional parameter, once assigned, is no longer undefined. */
  private markGiven(b: Binding, out: Stmt[]): void {
    if (b.given) out.push(this.assign(b.given, { k: "copy", arg: bool(true) }));
  }

  /** An optional parameter without a default, named by `e`. */
  private optionalBinding(e: ts.Expression): Binding | undefined {
    e = skipParens(e);
    const b = ts.isIdentifier(e) ? this.lookup(e.text) : undefined;
    return b && !b.object && b.given ? b : undefined;
  }

  /**
   * `y === undefined`, `y !== undefined`, `y == null`, `y != null` (either side) for an optional
   * parameter y: its given flag, negated for "is undefined".
   */
  private undefinedTest(e: ts.BinaryExpression): { flag: string; negate: boolean } | undefined {
    const kind = e.operatorToken.kind;
    const equal = kind === ts.SyntaxKind.EqualsEqualsEqualsToken || kind === ts.SyntaxKind.EqualsEqualsToken;
    const notEqual = kind === ts.SyntaxKind.ExclamationEqualsEqualsToken || kind === ts.SyntaxKind.ExclamationEqualsToken;
    if (!equal && !notEqual) return undefined;
    const loose = kind === ts.SyntaxKind.EqualsEqualsToken || kind === ts.SyntaxKind.ExclamationEqualsToken;
    const isNothing = (x: ts.Expression) => {
      x = skipParens(x);
      return (ts.isIdentifier(x) && x.text === "undefined" && !this.lookup("undefined")) || (loose && x.kind === ts.SyntaxKind.NullKeyword);
    };
    const [value, other] = isNothing(e.right) ? [e.left, e.right] : isNothing(e.left) ? [e.right, e.left] : [undefined, undefined];
    if (!value || !other) return undefined;
    const optional = this.optionalBinding(value);
    if (!optional) return this.fail(e, `'${value.getText()}' is never ${other.getText()} here`, "only optional parameters (`y?: number`) may be undefined in the subset");
    return { flag: optional.given!, negate: equal };
  }

  // ---------------------------------------------------------------------------------------------
  // Objects, replaced by their fields

  /** What a name or a chain of field reads (`p`, `p.layer.w`, `p["w"]`) refers to, if it starts at a local. */
  private pathValue(e: ts.Expression): Binding | ObjectValue | undefined {
    e = skipParens(e);
    if (ts.isIdentifier(e)) {
      const b = this.lookup(e.text);
      return b ? (b.object ?? b) : undefined;
    }
    const field = fieldOf(e);
    if (!field) return undefined;
    const owner = this.pathValue(field.base);
    if (!owner || !isObjectValue(owner)) return undefined;
    const value = owner.fields.get(field.name);
    if (!value) return this.fail(e, `'${field.base.getText()}' has no field '${field.name}'`, `its fields are ${[...owner.fields.keys()].join(", ")}`);
    return value;
  }

  private namesObject(e: ts.Expression): boolean {
    const v = ts.isIdentifier(e) || fieldOf(e) ? this.pathValue(e) : undefined;
    return !!v && isObjectValue(v);
  }

  /** An initializer whose value is an object: a literal, or a name or field that holds one. */
  private isObjectExpression(e: ts.Expression): boolean {
    e = skipParens(e);
    return ts.isObjectLiteralExpression(e) || this.namesObject(e) || (ts.isCallExpression(e) && this.callReturnsObject(e));
  }

  /** Whether `e` calls a function of the program that returns an object. */
  private callReturnsObject(e: ts.CallExpression): boolean {
    const callee = skipParens(e.expression);
    if (!ts.isIdentifier(callee) || this.lookup(callee.text) || this.isGradcName(callee.text)) return false;
    const resolved = this.ctx.graph.resolveLocal(this.sf, callee.text);
    if (!resolved.ok) return false;
    if (this.ctx.inProgress.includes(resolved.fn.node)) return false; // recursiveCallee refuses object results
    return !!lowerFunction(resolved.fn, this.ctx)?.resultLayout;
  }

  /** The object `e` evaluates to: the same object for a name or field, a new one for a literal. */
  private objectValue(e: ts.Expression, out: Stmt[], base: string): ObjectValue {
    e = skipParens(e);
    if (ts.isObjectLiteralExpression(e)) return this.objectLiteral(e, out, base);
    const named = ts.isIdentifier(e) || fieldOf(e) ? this.pathValue(e) : undefined;
    if (named && isObjectValue(named)) return named;
    if (named) return this.fail(e, `expected an object here, found ${TYPE_NAMES[named.type]}`);
    if (ts.isCallExpression(e) && ts.isIdentifier(skipParens(e.expression))) {
      // A helper's object result: its packed array, unpacked into variables of this function.
      const { fn, args } = this.lowerCall(e, out);
      if (!fn.resultLayout) return this.fail(e, `expected an object here, but '${e.expression.getText()}' returns ${fn.resultType === "arr" ? "an array" : TYPE_NAMES[fn.resultType]}`, "read its result as what it is");
      this.refuseResultCaveat(e, fn);
      const packed = this.temp("arr");
      out.push(this.assign(packed, { k: "call", fn: fn.name, args }));
      return unpackObject(packed, fn.resultLayout, this.writer, base, out);
    }
    return this.fail(e, "expected an object here", "write an object literal, or name an object parameter or local");
  }

  /** `{ w, b: 2 * x, ...q }`: fields evaluated left to right; numbers copied, arrays and inner objects shared. */
  private objectLiteral(e: ts.ObjectLiteralExpression, out: Stmt[], base: string): ObjectValue {
    const object: ObjectValue = { fields: new Map(), ofParam: false };
    for (const p of e.properties) {
      if (ts.isSpreadAssignment(p)) {
        const source = this.objectValue(p.expression, out, base);
        for (const [field, value] of source.fields) object.fields.set(field, this.share(value, out, `${base}_${field}`));
      } else if (ts.isShorthandPropertyAssignment(p)) {
        if (p.objectAssignmentInitializer) this.fail(p, "a default in an object literal is outside the differentiable subset");
        object.fields.set(p.name.text, this.fieldValue(p.name, out, `${base}_${p.name.text}`));
      } else if (ts.isPropertyAssignment(p)) {
        const name = propertyName(p.name);
        if (name === undefined) this.fail(p.name, "computed field names are outside the differentiable subset", "name fields with identifiers");
        object.fields.set(name, this.fieldValue(p.initializer, out, `${base}_${name.replace(/[^\w$]/g, "_")}`));
      } else {
        this.fail(p, "methods and accessors are outside the differentiable subset", "objects carry data: declare functions at the top level and pass the object to them");
      }
    }
    return object;
  }

  /** A field of a new object: an object or array is shared; a number or boolean gets a variable of its own. */
  private fieldValue(e: ts.Expression, out: Stmt[], base: string): Binding | ObjectValue {
    this.refuseOptionalCopy(e);
    const inner = skipParens(e);
    if (ts.isObjectLiteralExpression(inner)) return this.objectLiteral(inner, out, base);
    if (ts.isCallExpression(inner) && this.callReturnsObject(inner)) return this.objectValue(inner, out, base);
    const named = ts.isIdentifier(inner) || fieldOf(inner) ? this.pathValue(inner) : undefined;
    if (named) return this.share(named, out, base);
    const target = this.fresh(base);
    const start = out.length;
    const value = this.expr(e, out, target);
    markDeclaration(out.slice(start), target);
    this.vars.set(target, value.type);
    return { ir: target, type: value.type, isConst: false, ...arrayKind(e) };
  }

  /** An existing value placed in a new object or name: objects and arrays by reference, scalars copied. */
  private share(value: Binding | ObjectValue, out: Stmt[], base: string): Binding | ObjectValue {
    if (isObjectValue(value)) {
      value.shared = true;
      return value;
    }
    if (value.type === "arr") return { ir: value.ir, type: "arr", isConst: false, float32: value.float32, integer: value.integer };
    const copy = this.fresh(base);
    this.vars.set(copy, value.type);
    out.push(this.declaration(copy, { k: "copy", arg: ref(value.ir) }));
    return { ir: copy, type: value.type, isConst: false };
  }

  /**
   * The first `count` elements of an array literal or array, each copied into a temporary before
   * any target is assigned (so `[a, b] = [b, a]` swaps). A literal is never built as an array.
   */
  private elementValues(right: ts.Expression, count: number, out: Stmt[]): Atom[] {
    const source = skipParens(right);
    if (ts.isArrayLiteralExpression(source)) {
      if (source.elements.length < count) this.fail(right, "the right-hand side has fewer elements than the pattern");
      return source.elements.map((element) => {
        if (ts.isSpreadElement(element) || ts.isOmittedExpression(element)) return this.fail(element, "spread and holes are outside the differentiable subset here", "write every element");
        const copy = this.temp("num");
        this.checkType(this.expr(element, out, copy).type, "num", element);
        return ref(copy);
      });
    }
    const arr = this.arrayRef(source);
    return Array.from({ length: count }, (_, i) => {
      const copy = this.temp("num");
      out.push(this.assign(copy, { k: "load", arr, index: num(i) }));
      return ref(copy);
    });
  }

  /**
   * Declares the names of a destructuring pattern: `{ w, b: bias, inner: { c } }` from an object,
   * `[a, , b]` from an array. Numbers and booleans are copied into new variables (a later change
   * to the object does not change them); arrays and objects are the same ones. In `out` go the
   * copies and element reads.
   */
  private bindPattern(pattern: ts.BindingName, value: Binding | ObjectValue, isConst: boolean, out: Stmt[]): void {
    const scope = this.scopes[this.scopes.length - 1];
    if (ts.isIdentifier(pattern)) {
      if (isObjectValue(value)) {
        // Now reachable through this name as well.
        value.shared = true;
        scope.set(pattern.text, { object: value, isConst });
      }
      else if (value.type === "arr") scope.set(pattern.text, { ir: value.ir, type: "arr", isConst, float32: value.float32, integer: value.integer });
      else {
        const name = this.declare(pattern.text, value.type, isConst);
        out.push(this.declaration(name, { k: "copy", arg: ref(value.ir) }));
      }
      return;
    }
    for (const [i, element] of pattern.elements.entries()) {
      if (ts.isOmittedExpression(element)) continue;
      if (element.dotDotDotToken) this.fail(element, "rest elements in destructuring are outside the differentiable subset", "name the fields or elements you need");
      if (element.initializer) this.fail(element.initializer, "defaults in destructuring are outside the differentiable subset", "the values in the subset are never undefined: leave the default out");
      if (ts.isObjectBindingPattern(pattern)) {
        if (!isObjectValue(value)) return this.fail(pattern, `expected an object to destructure, found ${TYPE_NAMES[value.type]}`);
        const key = element.propertyName ? propertyName(element.propertyName) : ts.isIdentifier(element.name) ? element.name.text : undefined;
        if (key === undefined) return this.fail(element, "computed field names are outside the differentiable subset");
        const field = value.fields.get(key);
        if (!field) return this.fail(element, `the object has no field '${key}'`, `its fields are ${[...value.fields.keys()].join(", ")}`);
        this.bindPattern(element.name, field, isConst, out);
        continue;
      }
      if (isObjectValue(value) || value.type !== "arr") return this.fail(pattern, "expected an array to destructure");
      if (!ts.isIdentifier(element.name)) this.fail(element.name, "nested patterns inside an array pattern are outside the differentiable subset");
      const name = this.declare(element.name.text, "num", isConst);
      out.push(this.declaration(name, { k: "load", arr: value.ir, index: num(i) }));
    }
  }

  /** `Mode.Fast` for an enum of this module (or imported): the member's value. */
  private enumMember(e: ts.PropertyAccessExpression): number | string | undefined {
    if (!ts.isIdentifier(e.expression) || this.lookup(e.expression.text)) return undefined;
    const found = this.ctx.graph.resolveType(this.sf, e.expression.text);
    if (!found.ok || !ts.isEnumDeclaration(found.value.node)) return undefined;
    let values: [string, number | string][];
    try {
      values = enumValues(found.value.node, found.value.sourceFile);
    } catch (err) {
      if (err instanceof ShapeError) this.fail(err.node, err.message, err.hint);
      throw err;
    }
    const member = values.find(([name]) => name === e.name.text);
    if (!member) return this.fail(e.name, `enum '${e.expression.text}' has no member '${e.name.text}'`);
    return member[1];
  }

  /**
   * The value a `return` (or an arrow function's body) gives. An array result is always a new
   * array: a literal or `new Float64Array(n)` is built as the result, any other array is copied
   * element by element — so the result never aliases a parameter or a local the analyses track
   * separately, and the caller owns it.
   */
  private lowerResult(e: ts.Expression, out: Stmt[]): void {
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
  private lowerObjectResult(returned: ts.Expression, out: Stmt[]): void {
    if (this.resultType && !this.resultLayout) this.fail(returned, `every return must have the same type: an earlier one returns ${this.resultType === "arr" ? "an array" : "a number"}`, "return the same kind of value from every return");
    const object = this.objectValue(returned, out, "result");
    const layout = layoutOf(object, (path, why) => this.fail(returned, `an object result holds numbers, Float64Arrays and objects of them; ${why}`, `leave '${path}' out of the result, or convert it`));
    if (this.resultLayout && !sameFields(this.resultLayout, layout)) this.fail(returned, "every return must return an object with the same fields as the first", "the result's shape is fixed: give every return the same fields, of the same kinds");
    this.resultLayout ??= layout;
    this.noteResultArrays(leavesOf(object, this.resultLayout).filter((leaf) => leaf.type === "arr"));
    out.push(...packObject(object, this.resultLayout, this.result, this.writer));
    this.setResultType("arr", returned);
  }

  /** A call whose result gradc would hand over differently from JavaScript (FnIR.resultCaveat). */
  private refuseResultCaveat(e: ts.CallExpression, fn: FnHeader): void {
    if (fn.resultCaveat) this.fail(e, `'${e.expression.getText()}' ${fn.resultCaveat}, which a caller inside a differentiated function cannot use yet`, "return a new Float64Array (a copy) from the helper, or use the parameter itself");
  }

  /** Records why callers may not use the result as JavaScript would (FnIR.resultCaveat). */
  private noteResultArrays(arrays: Binding[]): void {
    const param = arrays.find((a) => this.params.some((p) => p.name === a.ir));
    if (param) this.resultCaveat ??= `returns its array parameter '${this.params.find((p) => p.name === param.ir)!.name}' (JavaScript would hand back the same array)`;
    if (new Set(arrays.map((a) => a.ir)).size < arrays.length) this.resultCaveat ??= "returns one array in two fields (JavaScript would hand back one array twice)";
    if (arrays.some((a) => a.float32)) this.resultCaveat ??= "returns a Float32Array";
  }

  /** `for (k = 0; k < count; k++) body(k)` with a counter of its own. */
  private countedLoop(count: Atom, body: (k: Atom) => Stmt[]): Stmt {
    const k = this.internal("k", "num");
    const more = this.temp("bool");
    return {
      k: "loop",
      id: this.nextLoop++,
      init: [this.assign(k, { k: "copy", arg: num(0) })],
      test: [this.assign(more, { k: "cmp", op: "<", args: [ref(k), count] })],
      cond: ref(more),
      body: body(ref(k)),
      update: [this.assign(k, { k: "prim", op: "add", args: [ref(k), num(1)] })],
      postTest: false,
      scoped: [k],
      loc: this.loc,
    };
  }

  /** Packing and unpacking of object results write IR through this. */
  private get writer(): IRWriter {
    return {
      temp: (type) => this.temp(type),
      named: (base, type) => {
        const name = this.fresh(base);
        this.vars.set(name, type);
        return name;
      },
      assign: (target, expr) => this.assign(target, expr),
      store: (arr, index, value) => ({ k: "store", arr, index, value, loc: this.loc }),
      countedLoop: (count, body) => this.countedLoop(count, body),
    };
  }

  private setResultType(type: Type, node: ts.Node): void {
    if (type === "str") this.fail(node, "returning a string is outside the differentiable subset", "return a number or an array");
    if (this.resultType && this.resultType !== type) this.fail(node, "every return must have the same type");
    this.resultType = type;
    this.vars.set(this.result, type);
  }

  // ---------------------------------------------------------------------------------------------

  private isGradcName(name: string): boolean {
    return this.gradcNames.stopGradient.has(name) || this.gradcNames.other.has(name);
  }

  /** The assignment a declaration makes (it overwrites nothing). */
  private declaration(target: string, expr: Expr): Stmt {
    return { k: "assign", target, expr, loc: this.loc, declares: true };
  }

  private assign(target: string, expr: Expr): Stmt {
    return { k: "assign", target, expr, loc: this.loc };
  }

  private locOf(node: ts.Node): SourceLoc {
    const start = node.getStart(this.sf);
    const { line, character } = this.sf.getLineAndCharacterOfPosition(start);
    const fullLine = this.sf.text.slice(start, this.sf.getLineEndOfPosition(start)).trim();
    const lineText = fullLine.length > 80 ? `${fullLine.slice(0, 79)}…` : fullLine;
    return { file: this.sf.fileName, line: line + 1, col: character + 1, text: lineText };
  }

  private fail(node: ts.Node, message: string, hint?: string): never {
    this.ctx.diagnostics.push(diagnosticAt(node, message, hint));
    throw new Unsupported(message);
  }
}

/** `new Float32Array(n)`: an array whose stores round to float32. */
/** What kind of array `new …(n)` makes: a Float32Array (stores rounded), an integer array (stores without derivatives), or neither. */
function arrayKind(e: ts.Expression): { float32?: true; integer?: true } {
  e = skipParens(e);
  if (!ts.isNewExpression(e) || !ts.isIdentifier(e.expression)) return {};
  if (e.expression.text === "Float32Array") return { float32: true };
  return INTEGER_ARRAYS.has(e.expression.text) ? { integer: true } : {};
}

/** `p.w` or `p["w"]`: a read of a named field, with the expression it is read from. */
function fieldOf(e: ts.Expression): { base: ts.Expression; name: string } | undefined {
  if (ts.isPropertyAccessExpression(e) && ts.isIdentifier(e.name)) return { base: e.expression, name: e.name.text };
  if (ts.isElementAccessExpression(e) && ts.isStringLiteral(e.argumentExpression)) return { base: e.expression, name: e.argumentExpression.text };
  return undefined;
}

/** Whether the IR variable `ir` is one of `object`'s fields, at any depth. */
function objectHolds(object: ObjectValue, ir: string): boolean {
  return [...object.fields.values()].some((v) => (isObjectValue(v) ? objectHolds(v, ir) : v.ir === ir));
}

/** Marks the assignments to `target` made while lowering its initializer (both arms of a ?: too). */
function markDeclaration(stmts: Stmt[], target: string): void {
  for (const s of stmts) {
    if (s.k === "assign" && s.target === target) s.declares = true;
    if (s.k === "if") (markDeclaration(s.then, target), markDeclaration(s.else, target));
  }
}

/** The start of a node's source text, for messages. */
function excerpt(node: ts.Node): string {
  const text = node.getText().replace(/\s+/g, " ");
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function blockStatements(s: ts.Statement): readonly ts.Statement[] {
  return ts.isBlock(s) ? s.statements : [s];
}

/** Does a function body contain `return <value>` (outside nested functions)? */
function returnsValue(node: ts.Node): boolean {
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
function alwaysExits(s: ts.Statement): boolean {
  if (ts.isReturnStatement(s) || ts.isBreakStatement(s) || ts.isContinueStatement(s)) return true;
  if (ts.isBlock(s)) return s.statements.some(alwaysExits);
  if (ts.isIfStatement(s)) return !!s.elseStatement && alwaysExits(s.thenStatement) && alwaysExits(s.elseStatement);
  return false;
}

function hasAsync(node: FunctionNode): boolean {
  return (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
}

function collectIdentifiers(node: ts.Node, into: Set<string>): void {
  if (ts.isIdentifier(node)) into.add(node.text);
  ts.forEachChild(node, (c) => collectIdentifiers(c, into));
}

function uniqueName(base: string, used: Set<string>): string {
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}${i}`;
  used.add(name);
  return name;
}

function gradcImports(sf: ts.SourceFile): { stopGradient: Set<string>; other: Set<string> } {
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
function assignsVariable(stmts: Stmt[], name: string): boolean {
  let found = false;
  walk(stmts, (s) => {
    if (s.k === "assign" && s.target === name) found = true;
  });
  return found;
}

/** An expression written for its effect: an assignment, ++/--, a call or a comma list of them. */
function isEffect(e: ts.Expression): boolean {
  e = skipParens(e);
  if (ts.isCallExpression(e)) return true;
  if ((ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) && (e.operator === ts.SyntaxKind.PlusPlusToken || e.operator === ts.SyntaxKind.MinusMinusToken)) return true;
  if (!ts.isBinaryExpression(e)) return false;
  const kind = e.operatorToken.kind;
  if (kind === ts.SyntaxKind.CommaToken) return isEffect(e.left) && isEffect(e.right);
  return kind === ts.SyntaxKind.EqualsToken || compoundOp(kind) !== undefined;
}

/** Whether `test` writes an array element or a variable that existed before it (not its own temporaries). */
function hasSideEffects(test: Stmt[], varsBefore: Set<string>): boolean {
  let found = false;
  walk(test, (s) => {
    if (s.k === "store" || (s.k === "assign" && varsBefore.has(s.target))) found = true;
  });
  return found;
}
