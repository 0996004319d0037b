/**
 * The part of lowering every other part stands on: the function's variables and scopes, fresh
 * names, the IR statements lowering writes, and diagnostics. The lowering of one function is a
 * chain of classes, one concern each: LoweringScope → ExpressionLowering (expressions.ts) →
 * ObjectLowering (objects.ts) → StatementLowering (statements.ts) → FunctionLowerer (lower.ts).
 */
import ts from "typescript";
import { type Diagnostic, diagnosticAt } from "../diagnostics.js";
import { type Atom, bool, type Expr, type FnIR, num, type Param, ref, type ResultLayout, type SourceLoc, type Stmt, str, type Type } from "../ir.js";
import { type FunctionNode, type ModuleGraph, type ResolvedFunction, skipParens } from "../front/modules.js";
import { type Shape, ShapeError, shapeOfTypeNode } from "./shapes.js";
import { type IRWriter } from "./object-results.js";
import { type Binding, isObjectValue, type ObjectValue } from "./values.js";
import { assignsVariable, collectIdentifiers, fieldOf, gradcImports, returnsValue } from "./syntax.js";

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
  /** Modules whose `defineRule` diagnostics are already reported. */
  ruleFilesReported: Set<ts.SourceFile>;
  /** Functions gradc cannot read that have a rule (lower.ts `externalFunction`), by module and name. */
  externals: Map<string, FnIR>;
}

/** Thrown inside lowering to abandon a construct after its diagnostic has been recorded. */
export class Unsupported extends Error {}

/** The part of a function's IR its callers use. */
export type FnHeader = Pick<FnIR, "name" | "params" | "signature" | "resultType" | "resultLayout" | "resultCaveat" | "returnsValue">;

/** A name bound to an object. */
export interface ObjectBinding {
  object: ObjectValue;
  isConst: boolean;
  ir?: undefined;
  type?: undefined;
}

export type Named = Binding | ObjectBinding;

/** A statement `break` can leave: a loop, or a switch (which `continue` passes through). */
export interface LoopFrame {
  id: number;
  isSwitch?: boolean;
  breakFlag?: string;
  continueFlag?: string;
}

/** Which flags a lowered statement may set, and whether it always leaves its block. */
export interface Flow {
  may: Set<string>;
  always: boolean;
}

export type Typed = { atom: Atom; type: Type };

/** How diagnostics name the IR's types. */
export const TYPE_NAMES: Record<Type, string> = { num: "a number", bool: "a boolean", arr: "an array", str: "a string" };

/** Names, scopes and diagnostics of the function being lowered. */
export abstract class LoweringScope {
  protected readonly sf: ts.SourceFile;
  protected readonly vars = new Map<string, Type>();
  protected readonly scopes: Map<string, Named>[] = [];
  protected readonly loops: LoopFrame[] = [];
  /** Every identifier in the source function: generated names avoid them. */
  protected readonly sourceIdents = new Set<string>();
  protected nextTemp = 1;
  /** Statements that run before the body: the element reads of destructured array parameters. */
  protected readonly prologue: Stmt[] = [];
  /** The IR parameters, once lowered. */
  protected params: Param[] = [];
  /** See FnIR.resultCaveat. */
  protected resultCaveat: string | undefined;
  protected nextLoop = 1;
  protected loc!: SourceLoc;
  protected result!: string;
  protected resultType: Type | undefined;
  /** Set by the first `return` of an object (object-results.ts). */
  protected resultLayout: ResultLayout | undefined;
  protected returnedFlag: string | undefined;
  protected isProcedure = false;
  protected readonly gradcNames: { stopGradient: Set<string>; other: Set<string> };
  protected readonly diagnosticsBefore: number;


  constructor(
    protected readonly fn: ResolvedFunction,
    protected readonly ctx: LowerContext,
  ) {
    this.sf = fn.sourceFile;
    this.diagnosticsBefore = ctx.diagnostics.length;
    this.gradcNames = gradcImports(this.sf);
    collectIdentifiers(fn.node, this.sourceIdents);
  }

  protected shapeOfOrUndefined(t: ts.TypeNode): Shape | undefined {
    try {
      return shapeOfTypeNode(t, this.sf, this.ctx.graph);
    } catch (e) {
      if (e instanceof ShapeError) return undefined;
      throw e;
    }
  }

  protected shapeOf(t: ts.TypeNode): Shape {
    try {
      return shapeOfTypeNode(t, this.sf, this.ctx.graph);
    } catch (e) {
      if (e instanceof ShapeError) this.fail(e.node, e.message, e.hint);
      throw e;
    }
  }

  /** The type of a declared variable without an initializer (`let best: number;`). */
  protected typeOf(t: ts.TypeNode): Type {
    const shape = this.shapeOf(t);
    if (shape.k !== "leaf") return this.fail(t, "an object variable needs an initializer", "write const q = { … }");
    return shape.type;
  }

  protected declare(sourceName: string, type: Type, isConst: boolean): string {
    const ir = this.fresh(sourceName);
    this.vars.set(ir, type);
    this.scopes[this.scopes.length - 1].set(sourceName, { ir, type, isConst });
    return ir;
  }

  protected lookup(name: string): Named | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const b = this.scopes[i].get(name);
      if (b) return b;
    }
    return undefined;
  }

  /** An IR name for a source variable: its own name unless an earlier declaration took it. */
  protected fresh(base: string): string {
    let candidate = base;
    for (let i = 1; this.vars.has(candidate) || (candidate !== base && this.sourceIdents.has(candidate)); i++) candidate = `${base}_${i}`;
    this.vars.set(candidate, "num");
    return candidate;
  }

  /** A name of gradc's own (temporaries, flags, the result) that no source identifier uses. */
  protected internal(base: string, type: Type): string {
    let candidate = base;
    for (let i = 1; this.vars.has(candidate) || this.sourceIdents.has(candidate); i++) candidate = `${base}_${i}`;
    this.vars.set(candidate, type);
    return candidate;
  }

  protected temp(type: Type): string {
    let name: string;
    do name = `t${this.nextTemp++}`;
    while (this.vars.has(name) || this.sourceIdents.has(name));
    this.vars.set(name, type);
    return name;
  }

  protected flag(base: string): string {
    return this.internal(base, "bool");
  }

  // ---------------------------------------------------------------------------------------------
  // Statements

  /** Emits `if (!flag1) { if (!flag2) { … } }` and returns the innermost block. */
  protected guard(flags: string[], out: Stmt[]): Stmt[] {
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

  /**
   * Lowers operands left to right, as JavaScript evaluates them; each lowerer sees the atoms of
   * the operands before it. A variable operand stays a lazy reference in the IR, so when a later
   * operand assigns that variable (`k + k++`, `x * (x += 1)`), the earlier read is copied to a
   * temporary right where JavaScript made it.
   */
  protected inOrder(lowerers: ((before: Atom[]) => Atom)[], out: Stmt[]): Atom[] {
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

  /** `if (name) { rhs }` for &&, `if (!name) { rhs }` for ||: the right operand runs only when it decides. */
  protected shortCircuit(kind: ts.SyntaxKind, name: string, rhs: Stmt[]): Stmt {
    const isAnd = kind === ts.SyntaxKind.AmpersandAmpersandToken;
    return { k: "if", cond: ref(name), then: isAnd ? rhs : [], else: isAnd ? [] : rhs, loc: this.loc };
  }

  /** JavaScript's Boolean(x) of a number: x !== 0 && x === x (false for 0, −0 and NaN). */
  protected truthy(x: Atom, out: Stmt[]): Atom {
    if (x.k === "num") return bool(x.value !== 0 && !Number.isNaN(x.value));
    const name = this.temp("bool");
    out.push(this.assign(name, { k: "cmp", op: "!==", args: [x, num(0)] }));
    out.push({ k: "if", cond: ref(name), then: [this.assign(name, { k: "cmp", op: "===", args: [x, x] })], else: [], loc: this.loc });
    return ref(name);
  }

  protected checkType(actual: Type, expected: Type, node: ts.Node): void {
    if (actual === expected) return;
    const hint = actual === "str" || expected === "str" ? "strings pass through a differentiated function to be compared (=== and !==), switched on and passed on, never computed with" : undefined;
    this.fail(node, `expected ${TYPE_NAMES[expected]} here, found ${TYPE_NAMES[actual]}`, hint);
  }

  /** The value a store writes: rounded to float32 for a Float32Array, as the array itself would; without derivative for an integer array. */
  protected stored(value: Atom, array: Binding, out: Stmt[]): Atom {
    if (!array.float32 && !array.integer) return value;
    const r = this.temp("num");
    // An integer array holds no derivatives: what goes in is cut off (and the array truncates it).
    out.push(this.assign(r, array.integer ? { k: "stop", arg: value } : { k: "prim", op: "fround", args: [value] }));
    return ref(r);
  }

  /** `y` (not `y!`) for an optional parameter without a default: a value that may be undefined. */
  protected optionalOperand(e: ts.Expression): Binding | undefined {
    while (ts.isParenthesizedExpression(e)) e = e.expression;
    return ts.isIdentifier(e) ? this.optionalBinding(e) : undefined;
  }

  /** An optional parameter, once assigned, is no longer undefined. */
  protected markGiven(b: Binding, out: Stmt[]): void {
    if (b.given) out.push(this.assign(b.given, { k: "copy", arg: bool(true) }));
  }

  /** An optional parameter without a default, named by `e`. */
  protected optionalBinding(e: ts.Expression): Binding | undefined {
    e = skipParens(e);
    const b = ts.isIdentifier(e) ? this.lookup(e.text) : undefined;
    return b && !b.object && b.given ? b : undefined;
  }

  /** What a name or a chain of field reads (`p`, `p.layer.w`, `p["w"]`) refers to, if it starts at a local. */
  protected pathValue(e: ts.Expression): Binding | ObjectValue | undefined {
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

  protected namesObject(e: ts.Expression): boolean {
    const v = ts.isIdentifier(e) || fieldOf(e) ? this.pathValue(e) : undefined;
    return !!v && isObjectValue(v);
  }

  /** `for (k = 0; k < count; k++) body(k)` with a counter of its own. */
  protected countedLoop(count: Atom, body: (k: Atom) => Stmt[]): Stmt {
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
  protected get writer(): IRWriter {
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

  protected isGradcName(name: string): boolean {
    return this.gradcNames.stopGradient.has(name) || this.gradcNames.other.has(name);
  }

  /** The assignment a declaration makes (it overwrites nothing). */
  protected declaration(target: string, expr: Expr): Stmt {
    return { k: "assign", target, expr, loc: this.loc, declares: true };
  }

  protected assign(target: string, expr: Expr): Stmt {
    return { k: "assign", target, expr, loc: this.loc };
  }

  protected locOf(node: ts.Node): SourceLoc {
    const start = node.getStart(this.sf);
    const { line, character } = this.sf.getLineAndCharacterOfPosition(start);
    const fullLine = this.sf.text.slice(start, this.sf.getLineEndOfPosition(start)).trim();
    const lineText = fullLine.length > 80 ? `${fullLine.slice(0, 79)}…` : fullLine;
    return { file: this.sf.fileName, line: line + 1, col: character + 1, text: lineText };
  }

  protected fail(node: ts.Node, message: string, hint?: string): never {
    this.ctx.diagnostics.push(diagnosticAt(node, message, hint));
    throw new Unsupported(message);
  }
}
