/**
 * Lowering of objects by scalar replacement: each object becomes its fields, each field a
 * variable (or an object of its own), so the analyses see plain variables. Literals, spreads,
 * aliases, destructuring, whole-object assignment and helpers' object results.
 */
import ts from "typescript";
import { type Atom, num, type PrimOp, ref, type Stmt } from "../ir.js";
import { skipParens } from "../front/modules.js";
import { propertyName } from "./shapes.js";
import { unpackObject } from "./object-results.js";
import { type Binding, isObjectValue, type ObjectValue } from "./values.js";
import { arrayKind, fieldOf, markDeclaration } from "./syntax.js";
import { TYPE_NAMES, type Typed } from "./scope.js";
import { lowerFunction } from "./lower.js";
import { ExpressionLowering } from "./expressions.js";

/** Objects, destructuring and the assignments that reach into them. */
export abstract class ObjectLowering extends ExpressionLowering {
  /**
   * The variable an assignment to a name or a field writes. A whole object assigned to an object
   * variable (`q = { ...q, b: 2 }`) is done here, field by field, and gives undefined.
   */
  protected assignable(left: ts.Expression, op: PrimOp | undefined, right: ts.Expression | undefined, out: Stmt[], whole: ts.Node): Binding | undefined {
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
  protected reassignObject(target: ObjectValue, right: ts.Expression, out: Stmt[], whole: ts.Node, name: string): void {
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
  protected assignElements(left: ts.ArrayLiteralExpression, right: ts.Expression, out: Stmt[]): Typed {
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

  /** An initializer whose value is an object: a literal, or a name or field that holds one. */
  protected isObjectExpression(e: ts.Expression): boolean {
    e = skipParens(e);
    return ts.isObjectLiteralExpression(e) || this.namesObject(e) || (ts.isCallExpression(e) && this.callReturnsObject(e));
  }

  /** Whether `e` calls a function of the program that returns an object. */
  protected callReturnsObject(e: ts.CallExpression): boolean {
    const callee = skipParens(e.expression);
    if (!ts.isIdentifier(callee) || this.lookup(callee.text) || this.isGradcName(callee.text)) return false;
    const resolved = this.ctx.graph.resolveLocal(this.sf, callee.text);
    if (!resolved.ok) return false;
    if (this.ctx.inProgress.includes(resolved.fn.node)) return false; // recursiveCallee refuses object results
    return !!lowerFunction(resolved.fn, this.ctx)?.resultLayout;
  }

  /** The object `e` evaluates to: the same object for a name or field, a new one for a literal. */
  protected objectValue(e: ts.Expression, out: Stmt[], base: string): ObjectValue {
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
  protected objectLiteral(e: ts.ObjectLiteralExpression, out: Stmt[], base: string): ObjectValue {
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
  protected fieldValue(e: ts.Expression, out: Stmt[], base: string): Binding | ObjectValue {
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
  protected share(value: Binding | ObjectValue, out: Stmt[], base: string): Binding | ObjectValue {
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
  protected elementValues(right: ts.Expression, count: number, out: Stmt[]): Atom[] {
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
  protected bindPattern(pattern: ts.BindingName, value: Binding | ObjectValue, isConst: boolean, out: Stmt[]): void {
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
}
