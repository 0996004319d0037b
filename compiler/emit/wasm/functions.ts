/**
 * One generated function (a `GFn`, after optimize) as a WebAssembly function: the same
 * statements the JavaScript printer (emit/print.ts) writes, one instruction sequence each, in the
 * same order — so the wasm engine computes what the compiled JavaScript computes, rounding for
 * rounding.
 *
 * Numbers are f64 locals, booleans i32, arrays i32 handles into linear memory (layout.ts), strings
 * i32 ids (one per distinct string: the module's constants, and strings callers pass, glue.ts).
 * Element accesses keep JavaScript's semantics: an index that is not an integer in [0, length)
 * reads NaN (JavaScript's undefined, in arithmetic) and a store there does nothing.
 *
 * A float32 variant (`dtype: "float32"`, precision.ts) gives some numbers f32 locals and stores
 * some arrays as float32; each operation then computes at the type of the variable it defines,
 * its operands converted to that type.
 */
import { type Atom, type GExpr, type GFn, type GStmt, type Param, type SourceLoc, type Term, type Type, assertNever, generatedBlocks } from "../../ir.js";
import { PRIMITIVES, type PrimOp } from "../../primitives.js";
import type { Binaryen } from "./binaryen.js";
import { ADJOINT_BASE, ELEMENT_SHIFT, type ElementKind, HEADER_BYTES } from "./layout.js";
import { type FunctionPrecision, arrayKinds, elementKind } from "./precision.js";
import { GLOBALS, MEMORY, RUNTIME } from "./runtime.js";
import { WasmUnsupported } from "./unsupported.js";
import { type NumberType, type ScalarHost, emitVectorPart, planVectorLoop } from "./vectorize.js";

type Module = InstanceType<Binaryen["Module"]>;
type Ref = number;

/** What a function needs to know about the other functions of its module. */
export interface WasmModuleContext {
  /** Signature of a generated function by name. */
  signature(name: string): { params: Param[]; returns: Type } | undefined;
  /** The internal name of the import computing `op` in JavaScript (`toInt32`: JavaScript's `v | 0`). */
  importOf(op: PrimOp | "toInt32"): string;
  /** The id of a string constant. */
  stringId(value: string): number;
}

type LocalType = NumberType | "i32" | "v128";

interface Local {
  index: number;
  type: LocalType;
}

/**
 * Adds `fn` to the module under `name`; `precision`: the float32 variant's types, calling the
 * float32 variants of other functions (`callee` names them). Returns how many of its loops run on
 * SIMD lanes (vectorize.ts).
 */
export function addWasmFunction(b: Binaryen, m: Module, fn: GFn, ctx: WasmModuleContext, name = fn.name, precision?: FunctionPrecision, callee: (name: string) => string = (n) => n): number {
  const compiler = new FunctionCompiler(b, m, fn, ctx, precision, callee);
  compiler.compile(name);
  return compiler.vectorizedLoops;
}

class FunctionCompiler implements ScalarHost {
  private readonly locals = new Map<string, Local>();
  private readonly varTypes: number[] = [];
  private readonly kinds: Map<string, ElementKind>;
  /** Scratch i32 local holding an element index. */
  private index = -1;
  private labels = 0;
  private loc: SourceLoc | undefined;
  /** Loops given a vector part (emitVectorPart). */
  vectorizedLoops = 0;

  constructor(
    readonly b: Binaryen,
    readonly m: Module,
    private readonly fn: GFn,
    private readonly ctx: WasmModuleContext,
    private readonly precision: FunctionPrecision | undefined,
    private readonly callee: (name: string) => string,
  ) {
    this.kinds = precision?.arrayKinds ?? arrayKinds(fn);
  }

  compile(name: string): void {
    const { b, m, fn } = this;
    fn.params.forEach((p, i) => this.locals.set(p.name, { index: i, type: this.valueType(p.type) }));
    for (const [name, v] of fn.vars) if (!this.locals.has(name)) this.declare(name, this.precision?.float32Numbers.has(name) ? "f32" : this.valueType(v.type));
    this.declareCounters(fn.body);
    this.index = this.declare("$index", "i32");
    const body = this.block(fn.body);
    const returns = this.wasmType(fn.returns);
    // A function whose end is reachable returns what JavaScript's `undefined` becomes: 0.
    const fallback = fn.returns === "num" ? m.f64.const(0) : m.i32.const(0);
    m.addFunction(name, b.createType(fn.params.map((p) => this.wasmType(p.type))), returns, this.varTypes, m.block(null, [...body, m.return(fallback)]));
  }

  private valueType(type: Type): "f64" | "i32" {
    return type === "num" ? "f64" : "i32";
  }

  private wasmType(type: Type): number {
    return this.valueType(type) === "f64" ? this.b.f64 : this.b.i32;
  }

  private binaryenType(type: LocalType): number {
    return { f64: this.b.f64, f32: this.b.f32, i32: this.b.i32, v128: this.b.v128 }[type];
  }

  declare(name: string, type: LocalType): number {
    const index = this.fn.params.length + this.varTypes.length;
    this.varTypes.push(this.binaryenType(type));
    this.locals.set(name, { index, type });
    return index;
  }

  /** The type a number variable is computed in. */
  numberType(name: string): NumberType {
    return this.locals.get(name)?.type === "f32" ? "f32" : "f64";
  }

  private declareCounters(stmts: GStmt[]): void {
    for (const s of stmts) {
      if (s.k === "countdown" && !this.locals.has(s.counter)) this.declare(s.counter, "f64");
      for (const block of generatedBlocks(s)) this.declareCounters(block);
    }
  }

  kindOf(arr: string): ElementKind {
    return this.kinds.get(arr) ?? "Float64Array";
  }

  private typeOf(a: Atom): Type | undefined {
    if (a.k !== "var") return a.k === "num" ? "num" : a.k === "bool" ? "bool" : "str";
    return this.fn.vars.get(a.name)?.type ?? this.fn.params.find((p) => p.name === a.name)?.type;
  }

  get(name: string): Ref {
    const local = this.locals.get(name);
    if (!local) throw new Error(`gradc internal error: wasm: unknown variable '${name}'`);
    return this.m.local.get(local.index, this.binaryenType(local.type));
  }

  set(name: string, value: Ref): Ref {
    return this.m.local.set(this.locals.get(name)!.index, value);
  }

  private isNumber(a: Atom): boolean {
    if (a.k === "num") return true;
    const type = a.k === "var" ? this.locals.get(a.name)?.type : undefined;
    return type === "f64" || type === "f32";
  }

  /** An atom as it is stored (numbers at their variable's type; constants f64). */
  private atom(a: Atom): Ref {
    switch (a.k) {
      case "var":
        return this.get(a.name);
      case "num":
        return this.m.f64.const(a.value);
      case "bool":
        return this.m.i32.const(a.value ? 1 : 0);
      case "str":
        return this.m.i32.const(this.ctx.stringId(a.value));
    }
  }

  label(): string {
    return `label${this.labels++}`;
  }

  scalar(s: GStmt): Ref | undefined {
    return this.stmt(s);
  }

  importOf(op: PrimOp): string {
    return this.ctx.importOf(op);
  }

  /** A number atom as f64 (a boolean saved on a stack becomes 1 or 0). */
  asNumber(a: Atom): Ref {
    return this.asType(a, "f64");
  }

  /** A number atom converted to `type` (a float32 value promoted, or a float64 one rounded). */
  asType(a: Atom, type: NumberType): Ref {
    const m = this.m;
    if (a.k === "num") return type === "f32" ? m.f32.const(a.value) : m.f64.const(a.value);
    const from = a.k === "var" ? this.locals.get(a.name)?.type : undefined;
    if (from === "f64" || from === "f32") {
      if (from === type) return this.atom(a);
      return type === "f32" ? m.f32.demote(this.atom(a)) : m.f64.promote(this.atom(a));
    }
    return type === "f32" ? m.f32.convert_u.i32(this.atom(a)) : m.f64.convert_u.i32(this.atom(a));
  }

  /** A value of `from` converted to `to`. */
  private convert(value: Ref, from: NumberType, to: NumberType): Ref {
    if (from === to) return value;
    return to === "f32" ? this.m.f32.demote(value) : this.m.f64.promote(value);
  }

  /** The operations of a number type. */
  private ops(type: NumberType) {
    return type === "f32" ? this.m.f32 : this.m.f64;
  }

  private block(stmts: GStmt[]): Ref[] {
    const out: Ref[] = [];
    for (const s of stmts) {
      if ("loc" in s && s.loc) this.loc = s.loc;
      const r = this.stmt(s);
      if (r !== undefined) out.push(r);
    }
    return out;
  }

  private stmt(s: GStmt): Ref | undefined {
    const m = this.m;
    switch (s.k) {
      case "assign":
        return this.set(s.target, this.expr(s.expr, s.target));
      case "accum": {
        const type = this.numberType(s.target);
        const single = s.terms.length === 1 && s.terms[0].coef.k === "num" && s.terms[0].coef.value === -1;
        const ops = this.ops(type);
        return this.set(s.target, single ? ops.sub(this.get(s.target), this.asType(s.terms[0].value, type)) : ops.add(this.get(s.target), this.terms(s.terms, type)));
      }
      case "store":
        return this.element(s.arr, s.index, (address) => this.storeElement(s.arr, address(), s.value));
      case "accumElem":
        return this.element(s.arr, s.index, (address) => this.storeSum(s.arr, address, s.terms));
      case "push":
        return m.call(s.stack === "active" ? RUNTIME.pushActive : RUNTIME.pushInactive, [this.asNumber(s.value)], this.b.none);
      case "pushArray":
        return m.call(RUNTIME.pushArray, [this.get(s.arr)], this.b.none);
      case "effect": {
        const call = this.call(s.fn, s.args);
        return this.ctx.signature(s.fn) ? m.drop(call) : call;
      }
      case "if":
        return m.if(this.condition(s.cond), m.block(null, this.block(s.then)), s.else.length > 0 ? m.block(null, this.block(s.else)) : undefined);
      case "loop": {
        const plan = planVectorLoop(s, this.fn.vars, this);
        if (plan) {
          this.vectorizedLoops++;
          return m.block(null, [emitVectorPart(this, plan).code, this.scalarLoop(s)]);
        }
        return this.scalarLoop(s);
      }
      case "countdown": {
        const plan = planVectorLoop(s, this.fn.vars, this);
        if (!plan) return this.unlessAllZero(s, this.countdown(s, this.asNumber(s.count)));
        this.vectorizedLoops++;
        const vector = emitVectorPart(this, plan);
        return this.unlessAllZero(s, m.block(null, [vector.code, this.countdown(s, vector.start!)]));
      }
      case "setOut":
        if (s.slot === "tangent") return m.global.set(GLOBALS.tangent, this.asNumber(s.value));
        if (s.slot === "tangents") return m.global.set(GLOBALS.tangents, this.atom(s.value));
        return m.f64.store(ADJOINT_BASE + 8 * s.index, 8, m.i32.const(0), this.asNumber(s.value), MEMORY);
      case "return":
        return m.return(this.fn.returns === "num" ? this.asNumber(s.value) : this.atom(s.value));
      case "comment":
        return undefined;
      default:
        return assertNever(s);
    }
  }

  private scalarLoop(s: Extract<GStmt, { k: "loop" }>): Ref {
    const m = this.m;
    const [exit, next] = [this.label(), this.label()];
    const test = this.block(s.test);
    const body = this.block(s.body);
    const inner = s.postTest
      ? [...body, ...test, m.br(next, this.condition(s.cond))]
      : [...test, m.br(exit, m.i32.eqz(this.condition(s.cond))), ...body, m.br(next)];
    return m.block(exit, [m.loop(next, m.block(null, inner))]);
  }

  /** `for (counter = count − 1; counter >= 0; counter--)`. */
  private countdown(s: Extract<GStmt, { k: "countdown" }>, count: Ref): Ref {
    const m = this.m;
    const [exit, next] = [this.label(), this.label()];
    const k = s.counter;
    return m.block(null, [
      this.set(k, m.f64.sub(count, m.f64.const(1))),
      m.block(exit, [
        m.loop(
          next,
          m.block(null, [m.br(exit, m.i32.eqz(m.f64.ge(this.get(k), m.f64.const(0)))), ...this.block(s.body), this.set(k, m.f64.sub(this.get(k), m.f64.const(1))), m.br(next)]),
        ),
      ]),
    ]);
  }

  /** `loop`, run only if one of the countdown's `unlessAllZero` adjoints is non-zero. */
  private unlessAllZero(s: Extract<GStmt, { k: "countdown" }>, loop: Ref): Ref {
    if (!s.unlessAllZero) return loop;
    const m = this.m;
    const nonZero = s.unlessAllZero.map((v) => m.f64.ne(this.asNumber({ k: "var", name: v }), m.f64.const(0)));
    return m.if(nonZero.reduce((a, c) => m.i32.or(a, c)), loop);
  }

  private condition(a: Atom): Ref {
    if (this.isNumber(a)) throw new Error("gradc internal error: wasm: a condition is a number");
    return this.atom(a);
  }

  /** A call of another generated function: numbers pass and return as float64. */
  private call(name: string, args: Atom[]): Ref {
    const callee = this.ctx.signature(name);
    if (!callee) throw new Error(`gradc internal error: wasm: call of '${name}', which is not in the module`);
    const returns = callee.returns === "num" ? this.b.f64 : this.b.i32;
    return this.m.call(this.callee(name), args.map((a, k) => (callee.params[k]?.type === "num" ? this.asNumber(a) : this.atom(a))), returns);
  }

  private expr(e: GExpr, target: string): Ref {
    const m = this.m;
    const type = this.numberType(target);
    switch (e.k) {
      case "prim":
        return this.primitive(e.op, e.args, type);
      case "copy":
      case "stop":
        return this.isNumber(e.arg) && this.fn.vars.get(target)?.type === "num" ? this.asType(e.arg, type) : this.atom(e.arg);
      case "cmp": {
        const [a, c] = e.args;
        if (this.isNumber(a) || this.isNumber(c)) {
          // compared exactly: in float64, which holds every float32
          const [x, y] = [this.asNumber(a), this.asNumber(c)];
          const f = { "<": m.f64.lt, "<=": m.f64.le, ">": m.f64.gt, ">=": m.f64.ge, "===": m.f64.eq, "!==": m.f64.ne }[e.op];
          return f(x, y);
        }
        if (e.op === "===") return m.i32.eq(this.atom(a), this.atom(c));
        if (e.op === "!==") return m.i32.ne(this.atom(a), this.atom(c));
        throw new WasmUnsupported(`the wasm engine does not order ${this.typeOf(a) === "str" ? "strings" : "booleans"} ('${e.op}')`, this.loc);
      }
      case "not":
        return m.i32.eqz(this.atom(e.arg));
      case "call": {
        const call = this.call(e.fn, e.args);
        return this.ctx.signature(e.fn)?.returns === "num" ? this.convert(call, "f64", type) : call;
      }
      case "load":
        return this.elementValue(e.arr, e.index, type);
      case "len":
        return this.ops(type).convert_u.i32(m.i32.load(0, 4, this.get(e.arr), MEMORY));
      case "newarr": {
        const size = this.asNumber(e.size);
        // new Float64Array(n) truncates n and throws below 0 (ToIndex); NaN is 0.
        return m.block(null, [
          m.if(m.f64.le(size, m.f64.const(-1)), m.unreachable()),
          m.call(RUNTIME.alloc, [m.i32.trunc_u_sat.f64(this.asNumber(e.size)), m.i32.const(ELEMENT_SHIFT[this.kindOf(target)])], this.b.i32),
        ], this.b.i32);
      }
      case "pop": {
        const value = m.call(e.stack === "active" ? RUNTIME.popActive : RUNTIME.popInactive, [], this.b.f64);
        const varType = this.fn.vars.get(target)?.type;
        // booleans are saved as 1/0, strings as their ids
        return varType === "bool" ? m.f64.ne(value, m.f64.const(0)) : varType === "str" ? m.i32.trunc_s_sat.f64(value) : this.convert(value, "f64", type);
      }
      case "popArray":
        return m.call(RUNTIME.popArray, [], this.b.i32);
      case "lin":
        return this.terms(e.terms, type);
      case "out":
        return this.convert(e.slot === "tangent" ? m.global.get(GLOBALS.tangent, this.b.f64) : m.f64.load(ADJOINT_BASE + 8 * e.index, 8, m.i32.const(0), MEMORY), "f64", type);
      default:
        return assertNever(e);
    }
  }

  /** Σ coef·value at `type`, summed left to right as the JavaScript printer writes it. */
  private terms(terms: Term[], type: NumberType): Ref {
    const ops = this.ops(type);
    if (terms.length === 0) return ops.const(0);
    let sum: Ref | undefined;
    for (const t of terms) {
      const negative = t.coef.k === "num" && t.coef.value === -1;
      const unit = t.coef.k === "num" && (t.coef.value === 1 || negative);
      const value = this.asType(t.value, type);
      let term = unit ? value : ops.mul(value, this.asType(t.coef, type));
      if (t.zeroSafe && !unit) term = this.m.select(ops.eq(this.asType(t.value, type), ops.const(0)), ops.const(0), term);
      if (sum === undefined) sum = negative ? ops.neg(term) : term;
      else sum = negative ? ops.sub(sum, term) : ops.add(sum, term);
    }
    return sum!;
  }

  /** `op(operands…)` computed at `type`: natively, or by JavaScript's function in float64. */
  private primitive(op: PrimOp, operands: Atom[], type: NumberType): Ref {
    const m = this.m;
    const native = PRIMITIVES[op].wasm;
    if (!native) return this.convert(m.call(this.ctx.importOf(op), operands.map((x) => this.asNumber(x)), this.b.f64), "f64", type);
    const ops = this.ops(type);
    const [a, c] = operands.map((x) => this.asType(x, type));
    switch (native) {
      case "add":
        return ops.add(a, c);
      case "sub":
        return ops.sub(a, c);
      case "mul":
        return ops.mul(a, c);
      case "div":
        return ops.div(a, c);
      case "min":
        return ops.min(a, c);
      case "max":
        return ops.max(a, c);
      case "neg":
        return ops.neg(a);
      case "abs":
        return ops.abs(a);
      case "sqrt":
        return ops.sqrt(a);
      case "floor":
        return ops.floor(a);
      case "ceil":
        return ops.ceil(a);
      case "trunc":
        return ops.trunc(a);
      case "fround":
        return type === "f32" ? m.f32.demote(this.asNumber(operands[0])) : m.f64.promote(m.f32.demote(a));
      case "gt":
        return ops.convert_u.i32(ops.gt(a, c));
      case "ge":
        return ops.convert_u.i32(ops.ge(a, c));
      case "lt":
        return ops.convert_u.i32(ops.lt(a, c));
      case "le":
        return ops.convert_u.i32(ops.le(a, c));
      case "divz":
        // a / b, 0 where b = 0 — the operands are locals or constants, so reading them twice is free
        return m.select(ops.eq(this.asType(operands[1], type), ops.const(0)), ops.const(0), ops.div(a, c));
      default:
        return assertNever(native);
    }
  }

  /**
   * `body(address)` if `index` is an integer in [0, length) of `arr`: the index goes to the
   * scratch local, and `address` is the element's address less the header (loads add it as offset).
   */
  private element(arr: string, index: Atom, body: (address: () => Ref) => Ref, otherwise?: { value: Ref; type: NumberType }): Ref {
    const m = this.m;
    const ix = () => m.local.get(this.index, this.b.i32);
    const length = m.i32.load(0, 4, this.get(arr), MEMORY);
    let setIndex: Ref;
    let inBounds: Ref;
    if (index.k === "num" && Number.isInteger(index.value) && index.value >= 0 && index.value < 2 ** 31) {
      setIndex = m.local.set(this.index, m.i32.const(index.value));
      inBounds = m.i32.lt_u(ix(), length);
    } else {
      setIndex = m.local.set(this.index, m.i32.trunc_u_sat.f64(this.asNumber(index)));
      inBounds = m.i32.and(m.f64.eq(m.f64.convert_u.i32(ix()), this.asNumber(index)), m.i32.lt_u(ix(), length));
    }
    // A fresh expression per use: a binaryen expression has one parent.
    const address = () => m.i32.add(this.get(arr), m.i32.shl(ix(), m.i32.const(ELEMENT_SHIFT[this.kindOf(arr)])));
    return m.block(null, [setIndex, m.if(inBounds, body(address), otherwise?.value)], otherwise === undefined ? this.b.none : this.binaryenType(otherwise.type));
  }

  private elementValue(arr: string, index: Atom, type: NumberType): Ref {
    return this.element(arr, index, (address) => this.loadElement(arr, address(), type), { value: this.ops(type).const(NaN), type });
  }

  /** An element of `arr` as a number of `type`. */
  private loadElement(arr: string, address: Ref, type: NumberType): Ref {
    const m = this.m;
    const ops = this.ops(type);
    const at = (align: number) => [HEADER_BYTES, align, address, MEMORY] as const;
    switch (this.kindOf(arr)) {
      case "Float64Array":
        return this.convert(m.f64.load(...at(8)), "f64", type);
      case "Float32Array":
        return this.convert(m.f32.load(...at(4)), "f32", type);
      case "Int32Array":
        return ops.convert_s.i32(m.i32.load(...at(4)));
      case "Uint32Array":
        return ops.convert_u.i32(m.i32.load(...at(4)));
      case "Int16Array":
        return ops.convert_s.i32(m.i32.load16_s(...at(2)));
      case "Uint16Array":
        return ops.convert_s.i32(m.i32.load16_u(...at(2)));
      case "Int8Array":
        return ops.convert_s.i32(m.i32.load8_s(...at(1)));
      case "Uint8Array":
      case "Uint8ClampedArray":
        return ops.convert_s.i32(m.i32.load8_u(...at(1)));
    }
  }

  /** `arr[i] += Σ terms` (an adjoint or tangent array: a Float64Array, or float32 in a float32 variant). */
  private storeSum(arr: string, address: () => Ref, terms: Term[]): Ref {
    const kind = this.kindOf(arr);
    if (kind !== "Float64Array" && kind !== "Float32Array") throw new Error(`gradc internal error: wasm: accumulation into a ${kind}`);
    const type: NumberType = kind === "Float32Array" ? "f32" : "f64";
    const sum = this.ops(type).add(this.loadElement(arr, address(), type), this.terms(terms, type));
    return type === "f32" ? this.m.f32.store(HEADER_BYTES, 4, address(), sum, MEMORY) : this.m.f64.store(HEADER_BYTES, 8, address(), sum, MEMORY);
  }

  /** Stores a value converted as JavaScript's store into that kind of typed array converts it. */
  private storeElement(arr: string, address: Ref, value: Atom): Ref {
    const m = this.m;
    const v = () => this.asNumber(value);
    const at = (align: number, stored: Ref) => [HEADER_BYTES, align, address, stored, MEMORY] as const;
    switch (this.kindOf(arr)) {
      case "Float64Array":
        return m.f64.store(...at(8, v()));
      case "Float32Array":
        return m.f32.store(...at(4, this.asType(value, "f32")));
      case "Int32Array":
      case "Uint32Array":
        return m.i32.store(...at(4, this.toInt32(v)));
      case "Int16Array":
      case "Uint16Array":
        return m.i32.store16(...at(2, this.toInt32(v)));
      case "Int8Array":
      case "Uint8Array":
        return m.i32.store8(...at(1, this.toInt32(v)));
      case "Uint8ClampedArray":
        // clamped to [0, 255], rounded half to even; NaN is 0
        return m.i32.store8(...at(1, m.i32.trunc_u_sat.f64(m.f64.nearest(m.f64.min(m.f64.max(v(), m.f64.const(0)), m.f64.const(255))))));
    }
  }

  /** JavaScript's ToInt32: truncation modulo 2³² (exact below 2⁶³ in wasm; JavaScript's `v | 0` beyond, and for NaN). */
  private toInt32(v: () => Ref): Ref {
    const m = this.m;
    return m.if(m.f64.lt(m.f64.abs(v()), m.f64.const(2 ** 63)), m.i32.wrap(m.i64.trunc_s_sat.f64(v())), m.call(this.ctx.importOf("toInt32"), [v()], this.b.i32));
  }
}
