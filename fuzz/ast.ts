/**
 * The fuzzer's own small AST for programs of gradc's differentiable subset: what the generator
 * builds, what the printer turns into TypeScript, and what the minimiser edits. Keeping programs
 * as data (rather than text) lets the minimiser remove statements and simplify expressions while
 * the program stays well-formed: `validate` checks scoping, types, loop exits and returns.
 */

/**
 * `str`: a string parameter of f, which passes through inactive (compared with "fast" only).
 * `f32`: a Float32Array parameter (its stores round to float32); `i32`, `u8`: Int32Array and
 * Uint8Array parameters (labels, masks: data without derivatives); `obj`: an object parameter of
 * an interface type (`Param.shape`), whose fields the generator reads as variables named `p.w`.
 */
export type Ty = "num" | "bool" | "arr" | "str" | "f32" | "i32" | "u8" | "obj";

/** Types whose values are indexed (`a[i]`, `a.length`, `for…of`). */
export const ARRAY_TYS: readonly Ty[] = ["arr", "f32", "i32", "u8"];
export const isArrayTy = (t: Ty | undefined): boolean => t !== undefined && ARRAY_TYS.includes(t);

/** A field of an object parameter: a number, a Float64Array, or a nested object (printed as a type literal). */
export interface ObjField {
  key: string;
  ty: "num" | "arr" | "obj";
  fields?: ObjField[];
}

/** An object parameter's type: an interface declared in the module. */
export interface ObjShape {
  iface: string;
  fields: ObjField[];
}

/** Every leaf of an object parameter named `name`: `p.w`, `p.inner.c`, … with its type (and `p.inner` as "obj"). */
export function objectLeaves(name: string, fields: ObjField[]): { name: string; ty: "num" | "arr" | "obj"; path: string[] }[] {
  return fields.flatMap((f) => {
    const here = { name: `${name}.${f.key}`, ty: f.ty, path: [f.key] };
    if (f.ty !== "obj") return [here];
    return [here, ...objectLeaves(here.name, f.fields ?? []).map((l) => ({ ...l, path: [f.key, ...l.path] }))];
  });
}

export type ArithOp = "+" | "-" | "*" | "/" | "%" | "**";
export type CmpOp = "<" | "<=" | ">" | ">=" | "===" | "!==";
export type LogicOp = "&&" | "||";
export type BinOp = ArithOp | CmpOp | LogicOp;
export type AssignOp = "=" | "+=" | "-=" | "*=" | "/=" | "%=" | "**=";

/**
 * `frozen` marks the fixed shape of a domain guard (`1.5 + x * x` inside `Math.log`,
 * `0.9 * Math.tanh(x)` inside `Math.asin`): the minimiser never replaces a frozen node, only
 * the free operands inside it, so a minimised program never leaves a primitive's domain.
 */
export type Expr = (
  | { k: "lit"; v: number }
  | { k: "blit"; v: boolean }
  | { k: "ref"; name: string; ty: Ty }
  | { k: "len"; arr: string }
  /** An element read; `index` is integer index arithmetic and is never simplified by the minimiser. */
  | { k: "load"; arr: string; index: Expr }
  | { k: "neg"; a: Expr }
  | { k: "not"; a: Expr }
  | { k: "bin"; op: BinOp; a: Expr; b: Expr }
  | { k: "math"; fn: string; args: Expr[] }
  /** A helper call; `ty`: what the helper returns when it is not a number ("arr": a Float64Array or number[]; "obj": an object). */
  | { k: "call"; fn: string; args: Expr[]; ty?: "arr" | "obj" }
  | { k: "cond"; c: Expr; a: Expr; b: Expr }
  /** `new Float64Array(size)`, or with `ty` an integer typed array (`new Int32Array(n)`, `new Uint8Array(n)`). */
  | { k: "newarr"; size: Expr; ty?: "i32" | "u8" }
  /** `a * a`: a square whose two factors stay identical under minimisation. */
  | { k: "sq"; a: Expr }
  /** A number used as a condition (JavaScript's truthiness); generated only where a condition is. */
  | { k: "truthy"; a: Expr }
  /** An assignment used as a value: `(t = e)`, `(t *= e)`. */
  | { k: "assignx"; target: string; op: "=" | "*="; value: Expr }
  /** `t++`, `--t` used as a value. */
  | { k: "incx"; target: string; op: "++" | "--"; prefix: boolean }
  /** The comma operator: `(a, b)`. */
  | { k: "comma"; a: Expr; b: Expr }
  /** An array literal `[a, b, …]` (a number[]). */
  | { k: "arrlit"; items: Expr[] }
  /** An object literal `{ s: e, v: v3, inner: { … } }`: an object result (a `return`'s value, or a field of one). */
  | { k: "objlit"; fields: { key: string; value: Expr }[] }
  /**
   * `mode === "fast"` / `mode !== "fast"` for a string parameter (one literal per program, so
   * TypeScript's narrowing never makes a comparison "unintentional").
   */
  | { k: "strcmp"; name: string; negate: boolean }
  /** Verbatim text (bad-input mutations only). */
  | { k: "raw"; text: string; ty: Ty }
) & { frozen?: boolean };

export type LValue = { k: "var"; name: string } | { k: "elem"; arr: string; index: Expr };

/** `pin`: the minimiser never removes this statement on its own (loop counters, final returns). */
export type Stmt =
  | { k: "decl"; kw: "const" | "let"; name: string; ty: Ty; init: Expr; annotate?: boolean; pin?: boolean }
  | { k: "assign"; target: LValue; op: AssignOp; value: Expr; pin?: boolean }
  | { k: "incdec"; target: LValue; op: "++" | "--"; prefix: boolean; pin?: boolean }
  | { k: "if"; cond: Expr; then: Stmt[]; else: Stmt[] | null; compact?: boolean; pin?: boolean }
  /** `for (let v = init; v cmp limit; v update)`: init, cmp, limit are structural. */
  | { k: "for"; v: string; init: Expr; cmp: "<" | ">=" | "<="; limit: Expr; update: "++" | "--" | "+=2"; body: Stmt[]; pin?: boolean }
  /** `while (guard && cond)`: the guard bounds the trip count and is never touched. */
  | { k: "while"; guard: Expr; cond: Expr | null; body: Stmt[]; pin?: boolean }
  | { k: "do"; guard: Expr; cond: Expr | null; body: Stmt[]; pin?: boolean }
  /** `for (const v of arr)`: the element variable is a number, not an index. */
  | { k: "forof"; v: string; kw: "const" | "let"; arr: string; body: Stmt[]; pin?: boolean }
  /** `switch (disc) { case v: { … } … }`: integer case values (null: default), each body in braces, `break` after it or not (fall-through). */
  | { k: "switch"; disc: Expr; cases: { value: number | null; body: Stmt[]; brk: boolean }[]; pin?: boolean }
  /**
   * Objects, whose fields are read and written as `o1.a` (a `ref` or `var` target named so):
   * `const o1 = { a: e, b: e }`; `o1 = { ...o1, a: e }` or `o1 = { a: e, b: e }` (a `let`);
   * `const { a: t3, b: t4 } = o1`.
   */
  | { k: "objdecl"; kw: "const" | "let"; name: string; fields: { key: string; init: Expr }[]; pin?: boolean }
  | { k: "objset"; name: string; spread: boolean; fields: { key: string; init: Expr }[]; pin?: boolean }
  /** `const { a: t3 } = o1`, or with `init` from a helper's object result: `const { s: t3, v: v4 } = h(x)` (then `obj` is ""). */
  | { k: "destruct"; kw: "const" | "let"; obj: string; binds: { key: string; name: string }[]; init?: Expr; pin?: boolean }
  | { k: "break"; pin?: boolean }
  | { k: "continue"; pin?: boolean }
  | { k: "return"; value: Expr; pin?: boolean }
  | { k: "expr"; e: Expr; pin?: boolean }
  | { k: "raw"; text: string; pin?: boolean };

export interface Param {
  name: string;
  ty: Ty;
  /** A default value (`k: number = 0.5`): calls may leave the argument out (trailing parameters only). */
  init?: number;
  /** An object parameter's interface (ty "obj"). */
  shape?: ObjShape;
}

export interface Fn {
  name: string;
  params: Param[];
  body: Stmt[];
  /** Verbatim parameter text appended to the list (bad-input mutations only). */
  rawParams?: string;
  /** Verbatim text in front of `function` (bad-input mutations only, e.g. "async "). */
  rawPrefix?: string;
  /** `function*` (bad-input mutations only). */
  generator?: boolean;
  /**
   * Calls itself: over numbers (its last parameter, a depth, decreases by one per call), or over
   * a Float64Array it only reads (an index range halved, or an index decreasing by one).
   */
  recursive?: boolean;
  /** An array result (every return returns an array): `Float64Array` or `number[]`; or an object result (`retShape`). */
  ret?: "f64" | "list" | "obj";
  /** An object result's type: an interface declared in the module, or a type literal when `iface` is "". */
  retShape?: ObjShape;
}

export interface Program {
  seed: number;
  index: number;
  /** The length of every array the program handles. */
  arrLen: number;
  consts: { name: string; value: number }[];
  /** Helpers in call order: helper i may call helpers 0..i-1 only. */
  helpers: Fn[];
  /** The entry function (named `f`). */
  f: Fn;
  /** Verbatim top-level declarations (bad-input mutations only). */
  rawTop?: string[];
}

// ── Types ─────────────────────────────────────────────────────────────────────────────────────

export function typeOf(e: Expr): Ty {
  switch (e.k) {
    case "call":
      return e.ty ?? "num";
    case "lit":
    case "len":
    case "load":
    case "neg":
    case "math":
    case "sq":
    case "assignx":
    case "incx":
      return "num";
    case "comma":
      return typeOf(e.b);
    case "blit":
    case "not":
    case "truthy":
    case "strcmp":
      return "bool";
    case "ref":
      return e.ty;
    case "bin":
      return e.op === "&&" || e.op === "||" || ["<", "<=", ">", ">=", "===", "!=="].includes(e.op) ? "bool" : "num";
    case "cond":
      return typeOf(e.a);
    case "newarr":
      return e.ty ?? "arr";
    case "arrlit":
      return "arr";
    case "objlit":
      return "obj";
    case "raw":
      return e.ty;
  }
}

// ── Printing ──────────────────────────────────────────────────────────────────────────────────

const PREC: Record<BinOp, number> = {
  "||": 4, "&&": 5, "===": 9, "!==": 9, "<": 10, "<=": 10, ">": 10, ">=": 10,
  "+": 12, "-": 12, "*": 13, "/": 13, "%": 13, "**": 14,
};
const TS_TYPE: Record<Ty, string> = { num: "number", bool: "boolean", arr: "Float64Array", str: "string", f32: "Float32Array", i32: "Int32Array", u8: "Uint8Array", obj: "object" };

export interface PrintOptions {
  /** Prefix for the program's function and constant names (to batch many programs per module). */
  prefix?: string;
  /**
   * The float64 shadow of f (see `Printer.shadow`): Float32Array parameters as Float64Array,
   * `Math.fround(e)` as `(e)`.
   */
  shadow?: boolean;
}

/** An object parameter's field types, as a type literal's members. */
function fieldTypes(fields: ObjField[]): string {
  return fields.map((f) => `${f.key}: ${f.ty === "obj" ? `{ ${fieldTypes(f.fields ?? [])} }` : TS_TYPE[f.ty]}`).join("; ");
}

/** The interfaces of f's object parameters and of the object results of helpers and f. */
export function interfacesOf(p: Program): ObjShape[] {
  const results = allFns(p).flatMap((fn) => (fn.ret === "obj" && fn.retShape?.iface ? [fn.retShape] : []));
  return [...p.f.params.flatMap((q) => (q.ty === "obj" && q.shape ? [q.shape] : [])), ...results];
}

/** Whether two object types have the same fields (in any order), of the same kinds. */
export function sameShape(a: ObjField[], b: ObjField[]): boolean {
  return a.length === b.length && a.every((f) => b.some((g) => g.key === f.key && g.ty === f.ty && (f.ty !== "obj" || sameShape(f.fields ?? [], g.fields ?? []))));
}

/** Whether f rounds to float32 anywhere (a Float32Array parameter, Math.fround): its finite differences need the float64 shadow. */
export function roundsToFloat32(p: Program): boolean {
  let fround = false;
  for (const fn of allFns(p)) forEachExpr(fn.body, (e) => (fround ||= e.k === "math" && e.fn === "fround"));
  return fround || p.f.params.some((q) => q.ty === "f32");
}

function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const s = String(v);
  return s.startsWith("0.") ? s : s.startsWith("-0.") ? s : s;
}

export class Printer {
  private readonly globals: Set<string>;

  constructor(
    private readonly program: Program,
    private readonly options: PrintOptions = {},
  ) {
    this.globals = new Set([...program.helpers.map((h) => h.name), program.f.name, ...program.consts.map((c) => c.name), ...interfacesOf(program).map((i) => i.iface)]);
  }

  name(n: string): string {
    return this.globals.has(n) && this.options.prefix ? this.options.prefix + n : n;
  }

  expr(e: Expr): string {
    return this.exprPrec(e).text;
  }

  private wrap(e: Expr, min: number): string {
    const r = this.exprPrec(e);
    return r.prec < min ? `(${r.text})` : r.text;
  }

  private exprPrec(e: Expr): { text: string; prec: number } {
    switch (e.k) {
      case "lit":
        return e.v < 0 || Object.is(e.v, -0) ? { text: formatNumber(e.v), prec: 15 } : { text: formatNumber(e.v), prec: 20 };
      case "blit":
        return { text: String(e.v), prec: 20 };
      case "ref":
        return { text: this.name(e.name), prec: 20 };
      case "len":
        return { text: `${e.arr}.length`, prec: 18 };
      case "load":
        return { text: `${e.arr}[${this.expr(e.index)}]`, prec: 18 };
      case "neg":
        // `- -x` must not print as `--x`.
        return { text: `-${spaceIfMinus(this.wrap(e.a, 15))}`, prec: 15 };
      case "not":
        return { text: `!${this.wrap(e.a, 15)}`, prec: 15 };
      case "bin": {
        const p = PREC[e.op];
        if (e.op === "**") {
          // A unary expression may not be the left operand of ** (a syntax error in JavaScript).
          return { text: `${this.wrap(e.a, 16)} ** ${this.wrap(e.b, 14)}`, prec: p };
        }
        return { text: `${this.wrap(e.a, p)} ${e.op} ${this.wrap(e.b, p + 1)}`, prec: p };
      }
      case "math":
        if (this.options.shadow && e.fn === "fround") return { text: `(${this.expr(e.args[0])})`, prec: 20 };
        return { text: `Math.${e.fn}(${e.args.map((a) => this.wrap(a, 3)).join(", ")})`, prec: 18 };
      case "call":
        return { text: `${this.name(e.fn)}(${e.args.map((a) => this.wrap(a, 3)).join(", ")})`, prec: 18 };
      case "cond":
        return { text: `${this.wrap(e.c, 4)} ? ${this.wrap(e.a, 3)} : ${this.wrap(e.b, 3)}`, prec: 3 };
      case "newarr":
        return { text: `new ${e.ty === "i32" ? "Int32Array" : e.ty === "u8" ? "Uint8Array" : "Float64Array"}(${this.expr(e.size)})`, prec: 18 };
      case "sq": {
        const a = this.wrap(e.a, 14);
        return { text: `${a} * ${a}`, prec: 13 };
      }
      case "truthy":
        return this.exprPrec(e.a);
      case "assignx":
        return { text: `(${e.target} ${e.op} ${this.wrap(e.value, 2)})`, prec: 20 };
      case "incx":
        return { text: e.prefix ? `${e.op}${e.target}` : `${e.target}${e.op}`, prec: e.prefix ? 15 : 16 };
      case "comma":
        return { text: `(${this.wrap(e.a, 2)}, ${this.wrap(e.b, 2)})`, prec: 20 };
      case "arrlit":
        return { text: `[${e.items.map((i) => this.wrap(i, 3)).join(", ")}]`, prec: 20 };
      case "objlit":
        return { text: `{ ${e.fields.map((f) => `${f.key}: ${this.wrap(f.value, 3)}`).join(", ")} }`, prec: 20 };
      case "strcmp":
        return { text: `${e.name} ${e.negate ? "!==" : "==="} "fast"`, prec: 9 };
      case "raw":
        return { text: e.text, prec: 3 };
    }
  }

  lvalue(l: LValue): string {
    return l.k === "var" ? this.name(l.name) : `${l.arr}[${this.expr(l.index)}]`;
  }

  stmt(s: Stmt, indent: string, out: string[]): void {
    const inner = indent + "  ";
    switch (s.k) {
      case "decl": {
        // An object's type is its helper's result type: never annotated.
        const type = s.annotate && s.ty !== "obj" ? `: ${TS_TYPE[s.ty]}` : "";
        out.push(`${indent}${s.kw} ${s.name}${type} = ${this.expr(s.init)};`);
        return;
      }
      case "assign":
        out.push(`${indent}${this.lvalue(s.target)} ${s.op} ${this.expr(s.value)};`);
        return;
      case "incdec":
        out.push(`${indent}${s.prefix ? s.op + this.lvalue(s.target) : this.lvalue(s.target) + s.op};`);
        return;
      case "if": {
        // A declaration may not be the body of a brace-less if.
        const single = s.then.length === 1 && !s.else && s.compact && !["decl", "objdecl", "destruct", "raw"].includes(s.then[0].k);
        if (single) {
          const body: string[] = [];
          this.stmt(s.then[0], "", body);
          if (body.length === 1) {
            out.push(`${indent}if (${this.expr(s.cond)}) ${body[0]}`);
            return;
          }
        }
        out.push(`${indent}if (${this.expr(s.cond)}) {`);
        this.block(s.then, inner, out);
        let elseBranch = s.else;
        while (elseBranch) {
          // `else if` chains print flat.
          if (elseBranch.length === 1 && elseBranch[0].k === "if") {
            const nested: Stmt & { k: "if" } = elseBranch[0];
            out.push(`${indent}} else if (${this.expr(nested.cond)}) {`);
            this.block(nested.then, inner, out);
            elseBranch = nested.else;
            continue;
          }
          out.push(`${indent}} else {`);
          this.block(elseBranch, inner, out);
          break;
        }
        out.push(`${indent}}`);
        return;
      }
      case "for": {
        const update = s.update === "+=2" ? `${s.v} += 2` : `${s.v}${s.update}`;
        out.push(`${indent}for (let ${s.v} = ${this.expr(s.init)}; ${s.v} ${s.cmp} ${this.expr(s.limit)}; ${update}) {`);
        this.block(s.body, inner, out);
        out.push(`${indent}}`);
        return;
      }
      case "while":
        out.push(`${indent}while (${this.loopCond(s.guard, s.cond)}) {`);
        this.block(s.body, inner, out);
        out.push(`${indent}}`);
        return;
      case "do":
        out.push(`${indent}do {`);
        this.block(s.body, inner, out);
        out.push(`${indent}} while (${this.loopCond(s.guard, s.cond)});`);
        return;
      case "forof":
        out.push(`${indent}for (${s.kw} ${s.v} of ${s.arr}) {`);
        this.block(s.body, inner, out);
        out.push(`${indent}}`);
        return;
      case "switch":
        out.push(`${indent}switch (${this.expr(s.disc)}) {`);
        for (const c of s.cases) {
          out.push(`${inner}${c.value === null ? "default" : `case ${formatNumber(c.value)}`}: {`);
          this.block(c.body, inner + "  ", out);
          if (c.brk) out.push(`${inner}  break;`);
          out.push(`${inner}}`);
        }
        out.push(`${indent}}`);
        return;
      case "objdecl":
        out.push(`${indent}${s.kw} ${s.name} = { ${s.fields.map((f) => `${f.key}: ${this.wrap(f.init, 3)}`).join(", ")} };`);
        return;
      case "objset": {
        const fields = s.fields.map((f) => `${f.key}: ${this.wrap(f.init, 3)}`);
        out.push(`${indent}${s.name} = { ${[...(s.spread ? [`...${s.name}`] : []), ...fields].join(", ")} };`);
        return;
      }
      case "destruct":
        out.push(`${indent}${s.kw} { ${s.binds.map((b) => `${b.key}: ${b.name}`).join(", ")} } = ${s.init ? this.expr(s.init) : s.obj};`);
        return;
      case "break":
        out.push(`${indent}break;`);
        return;
      case "continue":
        out.push(`${indent}continue;`);
        return;
      case "return":
        out.push(`${indent}return ${this.expr(s.value)};`);
        return;
      case "expr":
        out.push(`${indent}${this.expr(s.e)};`);
        return;
      case "raw":
        for (const line of s.text.split("\n")) out.push(indent + line);
        return;
    }
  }

  private loopCond(guard: Expr, cond: Expr | null): string {
    return cond ? this.expr({ k: "bin", op: "&&", a: guard, b: cond }) : this.expr(guard);
  }

  block(stmts: Stmt[], indent: string, out: string[]): void {
    for (const s of stmts) this.stmt(s, indent, out);
  }

  /** An object result's type: its interface's name, or a type literal. */
  private shapeType(shape: ObjShape | undefined): string {
    return shape?.iface ? this.name(shape.iface) : `{ ${fieldTypes(shape?.fields ?? [])} }`;
  }

  private paramType(p: Param): string {
    if (p.ty === "obj" && p.shape) return this.name(p.shape.iface);
    if (p.ty === "f32" && this.options.shadow) return "Float64Array";
    return TS_TYPE[p.ty];
  }

  fn(f: Fn, exported: boolean, name = this.name(f.name)): string {
    const params = f.params.map((p) => `${p.name}: ${this.paramType(p)}${p.init === undefined ? "" : ` = ${formatNumber(p.init)}`}`);
    if (f.rawParams) params.push(f.rawParams);
    const ret = f.ret === "f64" ? "Float64Array" : f.ret === "list" ? "number[]" : f.ret === "obj" ? this.shapeType(f.retShape) : "number";
    const out = [`${exported ? "export " : ""}${f.rawPrefix ?? ""}function${f.generator ? "*" : ""} ${name}(${params.join(", ")}): ${ret} {`];
    this.block(f.body, "  ", out);
    out.push("}");
    return out.join("\n");
  }

  /**
   * f computed in float64 throughout, named `name`: Float32Array parameters become Float64Arrays
   * and `Math.fround(e)` becomes `e`. Its derivative is what every engine computes for f (which
   * differentiates a float32 store and fround as the identity), and it is smooth where f is only
   * smooth to float32's resolution — the runner takes finite differences of it.
   */
  shadow(name: string): string {
    return new Printer(this.program, { ...this.options, shadow: true }).fn(this.program.f, false, name);
  }

  /** The program's declarations: constants, helpers, then f. */
  declarations(exportF = true): string {
    const parts: string[] = [];
    if (this.program.consts.length > 0) {
      parts.push(this.program.consts.map((c) => `const ${this.name(c.name)} = ${formatNumber(c.value)};`).join("\n"));
    }
    for (const raw of this.program.rawTop ?? []) parts.push(raw);
    for (const i of interfacesOf(this.program)) parts.push(`interface ${this.name(i.iface)} {\n${i.fields.map((f) => `  ${fieldTypes([f])};`).join("\n")}\n}`);
    for (const h of this.program.helpers) parts.push(this.fn(h, false));
    parts.push(this.fn(this.program.f, exportF));
    return parts.join("\n\n");
  }
}

function spaceIfMinus(s: string): string {
  return s.startsWith("-") ? ` ${s}` : s;
}

/** The program as a standalone TypeScript module exporting `f`. */
export function printProgram(p: Program, options: PrintOptions = {}): string {
  return new Printer(p, options).declarations(true) + "\n";
}

// ── Traversal ─────────────────────────────────────────────────────────────────────────────────

export function clone<T>(x: T): T {
  return structuredClone(x);
}

/** Child statement lists of a statement. */
export function childBlocks(s: Stmt): Stmt[][] {
  switch (s.k) {
    case "if":
      return s.else ? [s.then, s.else] : [s.then];
    case "for":
    case "while":
    case "do":
    case "forof":
      return [s.body];
    case "switch":
      return s.cases.map((c) => c.body);
    default:
      return [];
  }
}

export function allFns(p: Program): Fn[] {
  return [...p.helpers, p.f];
}

/** Every statement list of the program, outermost first (function bodies, then nested blocks). */
export function statementLists(p: Program): Stmt[][] {
  const lists: Stmt[][] = [];
  const visit = (list: Stmt[]) => {
    lists.push(list);
    for (const s of list) for (const b of childBlocks(s)) visit(b);
  };
  for (const fn of allFns(p)) visit(fn.body);
  return lists;
}

/** A place holding an expression that the minimiser may replace. */
export interface ExprSlot {
  get(): Expr;
  set(e: Expr): void;
}

/** Every replaceable expression position, outermost first (index expressions and loop bounds excluded). */
export function exprSlots(p: Program): ExprSlot[] {
  const slots: ExprSlot[] = [];
  const slot = (obj: any, key: string | number) => {
    const s: ExprSlot = { get: () => obj[key], set: (e) => (obj[key] = e) };
    if (!obj[key].frozen) slots.push(s);
    visitExpr(obj[key]);
  };
  const visitExpr = (e: Expr) => {
    switch (e.k) {
      case "neg":
      case "not":
      case "sq":
        slot(e, "a");
        return;
      case "bin":
        slot(e, "a");
        slot(e, "b");
        return;
      case "math":
      case "call":
        e.args.forEach((_, i) => slot(e.args, i));
        return;
      case "cond":
        slot(e, "c");
        slot(e, "a");
        slot(e, "b");
        return;
      case "arrlit":
        e.items.forEach((_, i) => slot(e.items, i));
        return;
      case "objlit":
        e.fields.forEach((f) => slot(f, "value"));
        return;
      default:
        return;
    }
  };
  const visitStmt = (s: Stmt) => {
    switch (s.k) {
      case "decl":
        // An array or object stays what it is; the arguments of the call or items making it may shrink.
        if (isArrayTy(s.ty) || s.ty === "obj") visitExpr(s.init);
        else slot(s, "init");
        return;
      case "destruct":
        if (s.init) visitExpr(s.init);
        return;
      case "assign":
        slot(s, "value");
        return;
      case "if":
        slot(s, "cond");
        break;
      case "while":
      case "do":
        if (s.cond) slot(s, "cond");
        break;
      case "return":
        slot(s, "value");
        return;
      case "expr":
        visitExpr(s.e);
        return;
      case "objdecl":
      case "objset":
        s.fields.forEach((f) => slot(f, "init"));
        return;
    }
    for (const b of childBlocks(s)) b.forEach(visitStmt);
  };
  for (const fn of allFns(p)) fn.body.forEach(visitStmt);
  return slots;
}

/** Every array index position (element reads and writes): the minimiser may set them to 0. */
export function indexSlots(p: Program): ExprSlot[] {
  const slots: ExprSlot[] = [];
  const holders: { index: Expr }[] = [];
  for (const fn of allFns(p)) {
    forEachExpr(fn.body, (e) => {
      if (e.k === "load") holders.push(e);
    });
    const lv = (list: Stmt[]) => {
      for (const s of list) {
        if ((s.k === "assign" || s.k === "incdec") && s.target.k === "elem") holders.push(s.target);
        for (const b of childBlocks(s)) lv(b);
      }
    };
    lv(fn.body);
  }
  for (const h of holders) slots.push({ get: () => h.index, set: (e) => (h.index = e) });
  return slots;
}

/** Calls `visit` on every expression of a statement list, recursively (index expressions included). */
export function forEachExpr(stmts: Stmt[], visit: (e: Expr) => void): void {
  const ex = (e: Expr) => {
    visit(e);
    switch (e.k) {
      case "load":
        ex(e.index);
        return;
      case "neg":
      case "not":
      case "sq":
      case "truthy":
        ex(e.a);
        return;
      case "assignx":
        ex(e.value);
        return;
      case "arrlit":
        e.items.forEach(ex);
        return;
      case "objlit":
        e.fields.forEach((f) => ex(f.value));
        return;
      case "bin":
      case "comma":
        ex(e.a);
        ex(e.b);
        return;
      case "math":
      case "call":
        e.args.forEach(ex);
        return;
      case "cond":
        ex(e.c);
        ex(e.a);
        ex(e.b);
        return;
      case "newarr":
        ex(e.size);
        return;
      default:
        return;
    }
  };
  const lv = (l: LValue) => {
    if (l.k === "elem") ex(l.index);
  };
  for (const s of stmts) {
    switch (s.k) {
      case "decl":
        ex(s.init);
        break;
      case "objdecl":
      case "objset":
        s.fields.forEach((f) => ex(f.init));
        break;
      case "destruct":
        if (s.init) ex(s.init);
        break;
      case "assign":
        lv(s.target);
        ex(s.value);
        break;
      case "incdec":
        lv(s.target);
        break;
      case "if":
        ex(s.cond);
        break;
      case "for":
        ex(s.init);
        ex(s.limit);
        break;
      case "while":
      case "do":
        ex(s.guard);
        if (s.cond) ex(s.cond);
        break;
      case "switch":
        ex(s.disc);
        break;
      case "return":
        ex(s.value);
        break;
      case "expr":
        ex(s.e);
        break;
    }
    for (const b of childBlocks(s)) forEachExpr(b, visit);
  }
}

/** Names of helpers called (directly) from a function body. */
export function calledHelpers(stmts: Stmt[]): Set<string> {
  const names = new Set<string>();
  forEachExpr(stmts, (e) => {
    if (e.k === "call") names.add(e.fn);
  });
  return names;
}

/** The statement count of a program, a size measure for the minimiser. */
export function size(p: Program): number {
  let n = 0;
  for (const list of statementLists(p)) n += list.length;
  let e = 0;
  // Literals above 1 count extra, so that shortening a loop (5 trips → 1) counts as progress.
  for (const fn of allFns(p)) forEachExpr(fn.body, (x) => (e += x.k === "lit" && Math.abs(x.v) > 1 ? 2 : 1));
  // An object parameter counts its fields too (the minimiser drops unused ones).
  const params = allFns(p).reduce((k, fn) => k + fn.params.reduce((n, q) => n + 1 + (q.shape ? objectLeaves(q.name, q.shape.fields).length : 0), 0), 0);
  return n * 10 + e + p.helpers.length * 20 + p.consts.length + params;
}

// ── Validation ────────────────────────────────────────────────────────────────────────────────

interface Binding {
  ty: Ty;
  mutable: boolean;
  /** An object's field names (a local object's; a parameter object has none to destructure). */
  keys?: string[];
  /** An array made by an array literal: a number[], not a Float64Array. */
  list?: boolean;
}

/**
 * Checks what the printer's output needs to be valid TypeScript inside the subset: every name is
 * declared before use with the right type, assignments target mutable scalars or array elements,
 * helpers are called with the right arity and types and only earlier helpers are called (a
 * recursive helper calls itself too), break/continue sit inside loops, and every function ends
 * with a return. Array and object results follow gradc's rules: a helper whose result is used
 * returns new arrays (never its array parameters, never one array in two fields), every return
 * of an object result has the result's fields, a number[] is never passed as a Float64Array; a
 * recursive helper writes none of its array parameters, and no function writes an array after
 * passing it to a recursive helper (in a loop: anywhere in the loop).
 * Returns a description of the first problem, or undefined.
 */
export function validate(p: Program): string | undefined {
  const helpers = new Map<string, Fn>();
  /** Which array parameters (by position) each helper writes, itself or through the helpers it calls. */
  const writes = new Map<string, Set<number>>();
  const constNames = new Set(p.consts.map((c) => c.name));
  try {
    for (const fn of [...p.helpers, p.f]) {
      // A recursive helper may call itself; otherwise only earlier helpers are callable.
      if (fn.recursive) helpers.set(fn.name, fn);
      checkFn(fn, helpers, writes, constNames, fn === p.f);
      helpers.set(fn.name, fn);
      writes.set(fn.name, writtenParams(fn, writes));
      if (fn.recursive && writes.get(fn.name)!.size > 0) throw new Error(`${fn.name}: a recursive helper writes its array parameter`);
    }
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
}

/**
 * The arrays a statement list writes (element stores, or passed to a helper that writes that
 * parameter), by name — and the arrays it declares, which gradc counts as written there (in a
 * loop, each iteration's new array is written "after" the last iteration's recursive call).
 */
function arrayWrites(stmts: Stmt[], writes: Map<string, Set<number>>, helpers: Map<string, Fn>): Set<string> {
  const out = new Set<string>();
  forEachExpr(stmts, (e) => {
    if (e.k === "call") e.args.forEach((a, i) => a.k === "ref" && writes.get(e.fn)?.has(i) && out.add(a.name));
  });
  const lv = (list: Stmt[]) => {
    for (const s of list) {
      if ((s.k === "assign" || s.k === "incdec") && s.target.k === "elem") out.add(s.target.arr);
      if (s.k === "decl" && isArrayTy(s.ty)) out.add(s.name);
      if (s.k === "decl" && s.ty === "obj" && s.init.k === "call") objectLeaves(s.name, helpers.get(s.init.fn)?.retShape?.fields ?? []).forEach((l) => l.ty === "arr" && out.add(l.name));
      if (s.k === "destruct" && s.init?.k === "call") {
        const fields = helpers.get(s.init.fn)?.retShape?.fields ?? [];
        s.binds.forEach((b) => fields.find((f) => f.key === b.key)?.ty === "arr" && out.add(b.name));
      }
      for (const b of childBlocks(s)) lv(b);
    }
  };
  lv(stmts);
  return out;
}

function writtenParams(fn: Fn, writes: Map<string, Set<number>>): Set<number> {
  const written = arrayWrites(fn.body, writes, new Map());
  return new Set(fn.params.flatMap((q, i) => (written.has(q.name) ? [i] : [])));
}

/** The arrays a statement list passes (by name) to recursive helpers' array parameters; TEMPORARY for an array that is not a variable (`rec(h(a))`). */
function recursivePasses(stmts: Stmt[], helpers: Map<string, Fn>): Set<string> {
  const out = new Set<string>();
  forEachExpr(stmts, (e) => {
    const h = e.k === "call" ? helpers.get(e.fn) : undefined;
    if (e.k === "call" && h?.recursive) e.args.forEach((a, i) => isArrayTy(h.params[i]?.ty) && out.add(a.k === "ref" ? a.name : TEMPORARY));
  });
  return out;
}

const TEMPORARY = "(a temporary array)";

function checkFn(fn: Fn, helpers: Map<string, Fn>, writes: Map<string, Set<number>>, consts: Set<string>, entry: boolean): void {
  // An object parameter's fields are bound as `p.w`, `p.inner.c`: never assignable (gradc
  // refuses writes to a parameter object's number fields; its arrays' elements may be written).
  const params = fn.params.flatMap((q): [string, Binding][] => [
    [q.name, { ty: q.ty, mutable: q.ty === "num" || q.ty === "bool" || q.ty === "str", keys: q.ty === "obj" ? [] : undefined }],
    ...(q.ty === "obj" ? objectLeaves(q.name, q.shape?.fields ?? []).map((l): [string, Binding] => [l.name, { ty: l.ty, mutable: false, keys: l.ty === "obj" ? [] : undefined }]) : []),
  ]);
  const scopes: Map<string, Binding>[] = [new Map(params)];
  /** Names a block declares further down: reading one now is a temporal-dead-zone error. */
  const pending: Set<string>[] = [new Set()];
  const lookup = (name: string) => {
    for (let i = scopes.length - 1; i >= 0; i--) {
      if (pending[i].has(name)) fail(`'${name}' is used before its declaration in this block`);
      const b = scopes[i].get(name);
      if (b) return b;
    }
    if (consts.has(name)) return { ty: "num" as Ty, mutable: false };
    return undefined;
  };
  const fail = (m: string): never => {
    throw new Error(`${fn.name}: ${m}`);
  };
  const expr = (e: Expr): Ty => {
    const need = (x: Expr, t: Ty) => {
      const got = expr(x);
      if (got !== t) fail(`expected ${t}, got ${got}`);
    };
    switch (e.k) {
      case "lit":
        return "num";
      case "blit":
        return "bool";
      case "ref": {
        const b = lookup(e.name);
        if (!b) fail(`'${e.name}' is not declared`);
        if (b!.ty !== e.ty) fail(`'${e.name}' has type ${b!.ty}`);
        return e.ty;
      }
      case "len": {
        const b = lookup(e.arr);
        if (!b || !isArrayTy(b.ty)) fail(`'${e.arr}' is not an array`);
        return "num";
      }
      case "load": {
        const b = lookup(e.arr);
        if (!b || !isArrayTy(b.ty)) fail(`'${e.arr}' is not an array`);
        need(e.index, "num");
        return "num";
      }
      case "neg":
      case "sq":
        need(e.a, "num");
        return "num";
      case "not":
        need(e.a, "bool");
        return "bool";
      case "bin": {
        if (e.op === "&&" || e.op === "||") {
          need(e.a, "bool");
          need(e.b, "bool");
          return "bool";
        }
        need(e.a, "num");
        need(e.b, "num");
        return typeOf(e);
      }
      case "math":
        e.args.forEach((a) => need(a, "num"));
        return "num";
      case "call": {
        const h = helpers.get(e.fn);
        if (!h) fail(`'${e.fn}' is not an earlier helper`);
        const sig = h!.params;
        const required = sig.filter((q) => q.init === undefined).length;
        if (e.args.length < required || e.args.length > sig.length) fail(`'${e.fn}' takes ${required} to ${sig.length} arguments`);
        if (sig.some((q, i) => q.init !== undefined && sig.slice(i).some((later) => later.init === undefined))) fail(`'${e.fn}' has a default before a required parameter`);
        e.args.forEach((a, i) => {
          need(a, sig[i].ty);
          if (sig[i].ty === "arr" && isList(a)) fail(`a number[] passed to '${e.fn}' as a Float64Array`);
        });
        const ret: Ty = h!.ret === "obj" ? "obj" : h!.ret ? "arr" : "num";
        if ((e.ty ?? "num") !== ret) fail(`'${e.fn}' returns ${ret}`);
        return ret;
      }
      case "cond": {
        need(e.c, "bool");
        const t = expr(e.a);
        need(e.b, t);
        if (t !== "num" && t !== "bool") fail(`${t}-valued ?:`);
        return t;
      }
      case "newarr":
        need(e.size, "num");
        return e.ty ?? "arr";
      case "truthy":
        need(e.a, "num");
        return "bool";
      case "assignx":
        if (lvalue({ k: "var", name: e.target }, true) !== "num") fail("assignment expression to a non-number");
        need(e.value, "num");
        return "num";
      case "incx":
        lvalue({ k: "var", name: e.target }, true);
        return "num";
      case "comma":
        expr(e.a);
        return expr(e.b);
      case "arrlit":
        e.items.forEach((i) => need(i, "num"));
        return "arr";
      case "strcmp": {
        const b = lookup(e.name);
        if (!b || b.ty !== "str") fail(`'${e.name}' is not a string`);
        return "bool";
      }
      case "objlit":
        return fail("an object literal outside an object result");
      case "raw":
        return e.ty;
    }
  };
  /** A number[] (an array literal, a literal local, a helper's number[] result): never a Float64Array. */
  const isList = (e: Expr): boolean => e.k === "arrlit" || (e.k === "ref" && lookup(e.name)?.list === true) || (e.k === "call" && helpers.get(e.fn)?.ret === "list");
  /** Array parameters (object parameters' array fields too): a helper may not return them. */
  const paramArrays = new Set(params.flatMap(([name, b]) => (isArrayTy(b.ty) ? [name] : [])));
  /** An object result of type `fields`: a literal with exactly those fields, or a helper's object result of that type. */
  const objectValue = (e: Expr, fields: ObjField[], arrays: Set<string>): void => {
    if (e.k === "call") {
      if (expr(e) !== "obj" || !sameShape(helpers.get(e.fn)!.retShape?.fields ?? [], fields)) fail(`'${e.fn}' returns another object type`);
      return;
    }
    if (e.k !== "objlit") return void fail("an object result that is neither an object literal nor a helper's object result");
    if (e.fields.length !== fields.length || new Set(e.fields.map((f) => f.key)).size !== fields.length) fail("an object result without exactly its type's fields");
    for (const f of fields) {
      const value = e.fields.find((g) => g.key === f.key)?.value;
      if (!value) return void fail(`an object result without its field '${f.key}'`);
      if (f.ty === "obj") objectValue(value, f.fields ?? [], arrays);
      else if (expr(value) !== f.ty) fail(`the field '${f.key}' of an object result is not a ${f.ty}`);
      if (f.ty === "arr") {
        if (isList(value)) fail(`a number[] in the Float64Array field '${f.key}'`);
        if (value.k === "ref" && !entry && paramArrays.has(value.name)) fail(`a helper returns its array parameter '${value.name}' in a field`);
        if (value.k === "ref" && arrays.has(value.name)) fail(`one array '${value.name}' in two fields`);
        if (value.k === "ref") arrays.add(value.name);
      }
    }
  };
  /** The fields of the object a helper call returns. */
  const resultFields = (e: Expr): ObjField[] => (e.k === "call" ? helpers.get(e.fn)?.retShape?.fields ?? [] : []);
  const lvalue = (l: LValue, compound: boolean) => {
    if (l.k === "var") {
      const b = lookup(l.name);
      if (!b) fail(`'${l.name}' is not declared`);
      if (!b!.mutable) fail(`'${l.name}' is not assignable`);
      if (b!.ty !== "num" && b!.ty !== "bool") fail(`${b!.ty} '${l.name}' reassigned`);
      if (compound && b!.ty !== "num") fail(`compound assignment to ${b!.ty}`);
      return b!.ty;
    }
    const b = lookup(l.arr);
    if (!b || !isArrayTy(b.ty)) fail(`'${l.arr}' is not an array`);
    if (expr(l.index) !== "num") fail("index is not a number");
    return "num" as Ty;
  };
  const block = (stmts: Stmt[], loops: number) => {
    scopes.push(new Map());
    pending.push(
      new Set(
        stmts.flatMap((s) =>
          s.k === "decl"
            ? [s.name, ...(s.ty === "obj" ? objectLeaves(s.name, resultFields(s.init)).map((l) => l.name) : [])]
            : s.k === "objdecl"
              ? [s.name, ...s.fields.map((f) => `${s.name}.${f.key}`)]
              : s.k === "destruct"
                ? s.binds.map((b) => b.name)
                : [],
        ),
      ),
    );
    for (const s of stmts) stmt(s, loops);
    scopes.pop();
    pending.pop();
  };
  const stmt = (s: Stmt, loops: number) => {
    switch (s.k) {
      case "decl": {
        if (scopes[scopes.length - 1].has(s.name)) fail(`'${s.name}' declared twice`);
        if (scopes.length === 2 && scopes[0].has(s.name)) fail(`'${s.name}' redeclares a parameter`);
        const t = expr(s.init);
        if (t !== s.ty) fail(`'${s.name}' initialised with ${t}`);
        if (s.ty === "obj") {
          // A helper's object result: its fields are variables `r.s`, `r.v`, `r.inner.c` (numbers assignable).
          if (s.init.k !== "call") fail(`the object '${s.name}' is not a helper's result`);
          const leaves = objectLeaves(s.name, resultFields(s.init));
          [s.name, ...leaves.map((l) => l.name)].forEach((n) => pending[pending.length - 1].delete(n));
          scopes[scopes.length - 1].set(s.name, { ty: "obj", mutable: false, keys: [] });
          for (const l of leaves) scopes[scopes.length - 1].set(l.name, { ty: l.ty, mutable: l.ty === "num", keys: l.ty === "obj" ? [] : undefined });
          return;
        }
        pending[pending.length - 1].delete(s.name);
        scopes[scopes.length - 1].set(s.name, { ty: s.ty, mutable: s.kw === "let" && !isArrayTy(s.ty), list: isList(s.init) });
        return;
      }
      case "assign": {
        const t = lvalue(s.target, s.op !== "=");
        if (expr(s.value) !== t) fail("assignment type mismatch");
        return;
      }
      case "incdec":
        lvalue(s.target, true);
        return;
      case "if":
        if (expr(s.cond) !== "bool") fail("if condition is not boolean");
        block(s.then, loops);
        if (s.else) block(s.else, loops);
        return;
      case "for": {
        if (expr(s.init) !== "num") fail("for bounds are not numbers");
        scopes.push(new Map([[s.v, { ty: "num", mutable: false }]]));
        pending.push(new Set());
        if (expr(s.limit) !== "num") fail("for bounds are not numbers");
        block(s.body, loops + 1);
        scopes.pop();
        pending.pop();
        return;
      }
      case "while":
      case "do":
        if (expr(s.guard) !== "bool" || (s.cond && expr(s.cond) !== "bool")) fail("loop condition is not boolean");
        block(s.body, loops + 1);
        return;
      case "forof": {
        const b = lookup(s.arr);
        if (!b || !isArrayTy(b.ty)) fail(`'${s.arr}' is not an array`);
        scopes.push(new Map([[s.v, { ty: "num", mutable: s.kw === "let" }]]));
        pending.push(new Set());
        block(s.body, loops + 1);
        scopes.pop();
        pending.pop();
        return;
      }
      case "switch":
        if (expr(s.disc) !== "num") fail("switch on a non-number");
        // Clause bodies may not break or continue (a break would leave the switch, not a loop).
        for (const c of s.cases) block(c.body, 0);
        if (s.cases.filter((c) => c.value === null).length > 1) fail("two defaults");
        return;
      case "objdecl": {
        if (scopes[scopes.length - 1].has(s.name)) fail(`'${s.name}' declared twice`);
        if (new Set(s.fields.map((f) => f.key)).size !== s.fields.length || s.fields.length === 0) fail("object fields must be distinct and present");
        s.fields.forEach((f) => expr(f.init) !== "num" && fail("object field initialised with a non-number"));
        const names = [s.name, ...s.fields.map((f) => `${s.name}.${f.key}`)];
        names.forEach((n) => pending[pending.length - 1].delete(n));
        scopes[scopes.length - 1].set(s.name, { ty: "obj", mutable: s.kw === "let", keys: s.fields.map((f) => f.key) });
        for (const f of s.fields) scopes[scopes.length - 1].set(`${s.name}.${f.key}`, { ty: "num", mutable: true });
        return;
      }
      case "objset": {
        const b = lookup(s.name);
        if (!b || b.ty !== "obj" || !b.mutable) fail(`'${s.name}' is not an object declared with let`);
        const keys = b!.keys!;
        if (s.fields.some((f) => !keys.includes(f.key))) fail(`a field '${s.name}' does not have`);
        if (!s.spread && keys.some((k) => !s.fields.some((f) => f.key === k))) fail(`'${s.name}' assigned without all its fields`);
        s.fields.forEach((f) => expr(f.init) !== "num" && fail("object field assigned a non-number"));
        return;
      }
      case "destruct": {
        if (s.init) {
          // From a helper's object result: number and array fields.
          if (expr(s.init) !== "obj") fail("destructuring something other than an object");
          const fields = resultFields(s.init);
          if (new Set(s.binds.map((b) => b.key)).size !== s.binds.length || s.binds.length === 0) fail("destructured fields must be distinct and present");
          for (const bind of s.binds) {
            const f = fields.find((g) => g.key === bind.key);
            if (!f || f.ty === "obj") fail(`no number or array field '${bind.key}' to destructure`);
            if (scopes[scopes.length - 1].has(bind.name)) fail(`'${bind.name}' declared twice`);
            pending[pending.length - 1].delete(bind.name);
            scopes[scopes.length - 1].set(bind.name, { ty: f!.ty, mutable: s.kw === "let" && f!.ty === "num" });
          }
          return;
        }
        const b = lookup(s.obj);
        if (!b || b.ty !== "obj") fail(`'${s.obj}' is not an object`);
        for (const bind of s.binds) {
          if (!b!.keys!.includes(bind.key)) fail(`'${s.obj}' has no field '${bind.key}'`);
          if (scopes[scopes.length - 1].has(bind.name)) fail(`'${bind.name}' declared twice`);
          pending[pending.length - 1].delete(bind.name);
          scopes[scopes.length - 1].set(bind.name, { ty: "num", mutable: s.kw === "let" });
        }
        return;
      }
      case "break":
      case "continue":
        if (loops === 0) fail(`${s.k} outside a loop`);
        return;
      case "return":
        if (fn.ret === "obj") {
          objectValue(s.value, fn.retShape?.fields ?? [], new Set());
          return;
        }
        if (expr(s.value) !== (fn.ret ? "arr" : "num")) fail(fn.ret ? "return of a non-array" : "return of a non-number");
        if (fn.ret) {
          // A Float64Array result returns Float64Arrays; a number[] result literals, literal locals or number[] results.
          const list = isList(s.value);
          if (list !== (fn.ret === "list")) fail(`return of ${list ? "a number[]" : "a Float64Array"} from a function returning ${fn.ret === "list" ? "number[]" : "Float64Array"}`);
          // Its callers would get the same array in JavaScript: a diagnostic where the result is used.
          if (!entry && s.value.k === "ref" && paramArrays.has(s.value.name)) fail(`a helper returns its array parameter '${s.value.name}'`);
        }
        return;
      case "expr":
        if (s.e.k !== "call" && s.e.k !== "raw") fail("expression statement that is not a call");
        if (s.e.k === "call" && s.e.ty) fail("an array or object result dropped");
        expr(s.e);
        return;
      case "raw":
        return;
    }
  };
  block(fn.body, 0);
  const last = fn.body[fn.body.length - 1];
  if (!last || (last.k !== "return" && last.k !== "raw")) fail("does not end with a return");
  // An array passed to a recursive helper is never written afterwards (a loop repeats: nowhere in it).
  const inOrder = (stmts: Stmt[], passed: Set<string>): void => {
    for (const s of stmts) {
      if (s.k === "if" || s.k === "switch") {
        recursivePasses([{ k: "expr", e: s.k === "if" ? s.cond : s.disc }], helpers).forEach((x) => passed.add(x));
        const after = new Set(passed);
        for (const b of childBlocks(s)) {
          const inner = new Set(passed);
          inOrder(b, inner);
          inner.forEach((x) => after.add(x));
        }
        after.forEach((x) => passed.add(x));
        continue;
      }
      const passes = recursivePasses([s], helpers);
      const loop = s.k === "for" || s.k === "while" || s.k === "do" || s.k === "forof";
      // gradc refuses a temporary passed to recursion in a loop (each iteration's is "written" after the last call).
      if (loop && passes.has(TEMPORARY)) fail("passes a temporary array to a recursive helper in a loop");
      for (const x of arrayWrites([s], writes, helpers)) if (passed.has(x) || passes.has(x)) fail(`writes '${x}' after passing it to a recursive helper`);
      passes.forEach((x) => passed.add(x));
    }
  };
  inOrder(fn.body, new Set());
}
