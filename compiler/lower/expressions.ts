/**
 * Lowering of expressions: every expression becomes single-primitive assignments in A-normal
 * form, evaluated in JavaScript's order; calls, conditions and short-circuits, optional
 * parameters read as values. Objects (objects.ts) and statements (statements.ts) build on this.
 */
import ts from "typescript";
import { type Atom, bool, type Expr, type FnIR, num, type Param, type ParamShape, type PrimOp, ref, type Stmt, str, type Type } from "../ir.js";
import { type FunctionNode, skipParens } from "../front/modules.js";
import { MATH_CONSTANTS, NON_DIFFERENTIABLE_MATH, NUMBER_CONSTANTS } from "./math.js";
import { MATH_PRIMITIVES } from "../primitives.js";
import { moduleConstant } from "./module-scope.js";
import { arithmeticOp, CMP_OPS, compoundOp } from "./operators.js";
import { enumValues, INTEGER_ARRAYS, ShapeError } from "./shapes.js";
import { type Binding, isObjectValue, type ObjectValue } from "./values.js";
import { arrayKind, excerpt, fieldOf, isEffect, objectHolds } from "./syntax.js";
import { type FnHeader, LoweringScope, TYPE_NAMES, type Typed, Unsupported } from "./scope.js";
import { externalFunction, lowerFunction } from "./lower.js";
import { rulesOf } from "../front/rules.js";

/** Expressions, calls and conditions. */
export abstract class ExpressionLowering extends LoweringScope {
  protected abstract lowerAssignment(left: ts.Expression, op: PrimOp | undefined, right: ts.Expression | undefined, out: Stmt[], whole: ts.Node, keepOld?: boolean): Typed & { old?: Atom };
  protected abstract lowerEffect(e: ts.Expression, out: Stmt[]): void;
  protected abstract objectValue(e: ts.Expression, out: Stmt[], base: string): ObjectValue;

  /** Whether `e` reads the variable whose IR name is `ir` (as this scope resolves identifiers). */
  protected readsVariable(e: ts.Node, ir: string): boolean {
    if (ts.isIdentifier(e) || ts.isPropertyAccessExpression(e)) {
      const value = this.pathValue(e);
      if (value && (isObjectValue(value) ? objectHolds(value, ir) : value.ir === ir)) return true;
    }
    return ts.forEachChild(e, (child) => this.readsVariable(child, ir) || undefined) ?? false;
  }

  /**
   * A condition, with JavaScript's truthiness: a number is true unless it is 0, −0 or NaN
   * (`while (n--)`, `if (x)`); `&&`, `||` and `!` inside a condition take numbers likewise.
   */
  protected condition(e: ts.Expression, out: Stmt[]): Atom {
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

  /** An operand of && or || whose value is used (not only its truthiness): it must be a boolean. */
  protected booleanOperand(e: ts.Expression, out: Stmt[]): Atom {
    const c = this.expr(e, out);
    if (c.type !== "bool") {
      this.fail(e, "operands of && and || must be booleans where their value is used", "JavaScript's `x && y` has the value of x or y, not a boolean; compare explicitly, e.g. `x !== 0 && y > 0`, or use it as a condition");
    }
    return c.atom;
  }

  protected scalar(e: ts.Expression, out: Stmt[]): Atom {
    const v = this.expr(e, out);
    this.checkType(v.type, "num", e);
    return v.atom;
  }

  /** Lowers `e`; with a `target`, the final primitive is assigned to it directly. */
  protected expr(e: ts.Expression, out: Stmt[], target?: string): Typed {
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

  protected binary(e: ts.BinaryExpression, out: Stmt[], target: string | undefined, emit: (x: Expr, t: Type) => Typed): Typed {
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

  protected callExpr(e: ts.CallExpression, out: Stmt[], emit: (x: Expr, t: Type) => Typed): Typed {
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
  protected recursiveCallee(e: ts.CallExpression, node: FunctionNode): FnHeader {
    const callee = (skipParens(e.expression) as ts.Identifier).text;
    const header = this.ctx.headers.get(node);
    if (!header) return this.fail(e, `'${callee}' calls itself before its parameters are known (in a default value)`, "compute the default inside the body");
    if (!node.type) this.fail(e, `the recursive function '${callee}' needs a declared return type`, `write function ${callee}(…): number`);
    if (header.resultType === "arr") this.fail(e, `recursion through '${callee}', which returns an array, is not supported yet`);
    if (node.type && this.shapeOfOrUndefined(node.type)?.k === "object") this.fail(e, `recursion through '${callee}', which returns an object, is not supported yet`, "recurse on a helper that returns a number, and build the object outside the recursion");
    return header;
  }

  protected lowerCall(e: ts.CallExpression, out: Stmt[]): { fn: FnHeader; args: Atom[] } {
    const callee = skipParens(e.expression) as ts.Identifier;
    if (this.lookup(callee.text)) this.fail(callee, `'${callee.text}' is a local variable, not a function`);
    const resolved = this.ctx.graph.resolveLocal(this.sf, callee.text);
    const rule = resolved.ok ? undefined : rulesOf(this.sf).rules.get(callee.text);
    if (!resolved.ok && !rule) {
      return this.fail(callee, `gradc cannot see the body of '${callee.text}': ${resolved.reason}`, "gradc differentiates calls to functions whose TypeScript source it can read (declared in this module or imported with a relative path), and functions given a rule with defineRule");
    }
    const fn = !resolved.ok ? externalFunction(callee.text, rule!, this.sf, this.ctx) : this.ctx.inProgress.includes(resolved.fn.node) ? this.recursiveCallee(e, resolved.fn.node) : lowerFunction(resolved.fn, this.ctx);
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
  protected objectArguments(object: ObjectValue, shape: Extract<ParamShape, { k: "object" }>, at: ts.Node, params: Param[]): Atom[] {
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

  protected arrayRef(e: ts.Expression): string {
    return this.arrayBinding(e).ir;
  }

  protected arrayBinding(e: ts.Expression): Binding {
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

  /** Copying `y` into another variable, field or switch would lose whether it was given. */
  protected refuseOptionalCopy(e: ts.Expression): void {
    const optional = this.optionalOperand(e);
    if (optional) this.fail(e, `'${e.getText()}' may be undefined here, which a copy would not remember`, `write \`${e.getText()} ?? <default>\`, or \`${e.getText()}!\` where it is known to be given`);
  }

  /**
   * `y === undefined`, `y !== undefined`, `y == null`, `y != null` (either side) for an optional
   * parameter y: its given flag, negated for "is undefined".
   */
  protected undefinedTest(e: ts.BinaryExpression): { flag: string; negate: boolean } | undefined {
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

  /** `Mode.Fast` for an enum of this module (or imported): the member's value. */
  protected enumMember(e: ts.PropertyAccessExpression): number | string | undefined {
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

  /** A call whose result gradc would hand over differently from JavaScript (FnIR.resultCaveat). */
  protected refuseResultCaveat(e: ts.CallExpression, fn: FnHeader): void {
    if (fn.resultCaveat) this.fail(e, `'${e.expression.getText()}' ${fn.resultCaveat}, which a caller inside a differentiated function cannot use yet`, "return a new Float64Array (a copy) from the helper, or use the parameter itself");
  }
}
