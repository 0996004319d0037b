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
 */
import { type Atom, type GExpr, type GFn, type GStmt, type Param, type SourceLoc, type Term, type Type, assertNever, generatedBlocks } from "../../ir.js";
import { PRIMITIVES, type PrimOp } from "../../primitives.js";
import type { Binaryen } from "./binaryen.js";
import { ADJOINT_BASE, ELEMENT_SHIFT, type ElementKind, HEADER_BYTES, isElementKind } from "./layout.js";
import { GLOBALS, MEMORY, RUNTIME } from "./runtime.js";
import { type ScalarHost, emitVectorPart, planVectorLoop } from "./vectorize.js";

type Module = InstanceType<Binaryen["Module"]>;
type Ref = number;

/** A construct the wasm engine does not compile; reported as a diagnostic at `loc`. */
export class WasmUnsupported extends Error {
  constructor(
    message: string,
    readonly loc?: SourceLoc,
  ) {
    super(message);
  }
}

/** What a function needs to know about the other functions of its module. */
export interface WasmModuleContext {
  /** Signature of a generated function by name. */
  signature(name: string): { params: Param[]; returns: Type } | undefined;
  /** The internal name of the import computing `op` in JavaScript (`toInt32`: JavaScript's `v | 0`). */
  importOf(op: PrimOp | "toInt32"): string;
  /** The id of a string constant. */
  stringId(value: string): number;
}

interface Local {
  index: number;
  type: "f64" | "i32" | "v128";
}

/** Adds `fn` to the module; returns how many of its loops run on f64x2 lanes (vectorize.ts). */
export function addWasmFunction(b: Binaryen, m: Module, fn: GFn, ctx: WasmModuleContext): number {
  const compiler = new FunctionCompiler(b, m, fn, ctx);
  compiler.compile();
  return compiler.vectorizedLoops;
}

class FunctionCompiler implements ScalarHost {
  private readonly locals = new Map<string, Local>();
  private readonly varTypes: number[] = [];
  private readonly kinds = new Map<string, ElementKind>();
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
  ) {}

  compile(): void {
    const { b, m, fn } = this;
    fn.params.forEach((p, i) => {
      this.locals.set(p.name, { index: i, type: this.valueType(p.type) });
      if (p.type === "arr") this.kinds.set(p.name, paramKind(p));
    });
    for (const [name, v] of fn.vars) if (!this.locals.has(name)) this.declare(name, this.valueType(v.type));
    this.declareCounters(fn.body);
    this.index = this.declare("$index", "i32");
    this.inferKinds(fn.body);
    const body = this.block(fn.body);
    const returns = this.wasmType(fn.returns);
    // A function whose end is reachable returns what JavaScript's `undefined` becomes: 0.
    const fallback = fn.returns === "num" ? m.f64.const(0) : m.i32.const(0);
    m.addFunction(fn.name, b.createType(fn.params.map((p) => this.wasmType(p.type))), returns, this.varTypes, m.block(null, [...body, m.return(fallback)]));
  }

  private valueType(type: Type): "f64" | "i32" {
    return type === "num" ? "f64" : "i32";
  }

  private wasmType(type: Type): number {
    return this.valueType(type) === "f64" ? this.b.f64 : this.b.i32;
  }

  declare(name: string, type: "f64" | "i32" | "v128"): number {
    const index = this.fn.params.length + this.varTypes.length;
    this.varTypes.push(type === "f64" ? this.b.f64 : type === "i32" ? this.b.i32 : this.b.v128);
    this.locals.set(name, { index, type });
    return index;
  }

  private declareCounters(stmts: GStmt[]): void {
    for (const s of stmts) {
      if (s.k === "countdown" && !this.locals.has(s.counter)) this.declare(s.counter, "f64");
      for (const block of generatedBlocks(s)) this.declareCounters(block);
    }
  }

  /**
   * The element kind of every array variable: a parameter's declared kind, a new array's, and
   * whatever flows from them by copies; adjoints, tangents and results are Float64Arrays.
   */
  private inferKinds(stmts: GStmt[]): void {
    let changed = true;
    while (changed) {
      changed = false;
      const visit = (list: GStmt[]) => {
        for (const s of list) {
          if (s.k === "assign" && this.fn.vars.get(s.target)?.type === "arr") {
            const e = s.expr;
            let kind: ElementKind = "Float64Array";
            if ((e.k === "copy" || e.k === "stop") && e.arg.k === "var") kind = this.kinds.get(e.arg.name) ?? "Float64Array";
            if (e.k === "newarr" && e.kind) kind = elementKind(e.kind);
            if (e.k === "popArray") continue;
            const known = this.kinds.get(s.target);
            if (known !== undefined && known !== kind) throw new WasmUnsupported(`the wasm engine needs each array variable to hold one kind of array ('${s.target}' holds ${known} and ${kind} values)`, s.loc);
            if (known === undefined) {
              this.kinds.set(s.target, kind);
              changed = true;
            }
          }
          for (const block of generatedBlocks(s)) visit(block);
        }
      };
      visit(stmts);
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
    return this.m.local.get(local.index, local.type === "f64" ? this.b.f64 : this.b.i32);
  }

  set(name: string, value: Ref): Ref {
    return this.m.local.set(this.locals.get(name)!.index, value);
  }

  private isNumber(a: Atom): boolean {
    return a.k === "num" || (a.k === "var" && this.locals.get(a.name)?.type === "f64");
  }

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
    return this.isNumber(a) ? this.atom(a) : this.m.f64.convert_u.i32(this.atom(a));
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
        const single = s.terms.length === 1 && s.terms[0].coef.k === "num" && s.terms[0].coef.value === -1;
        return this.set(s.target, single ? m.f64.sub(this.get(s.target), this.atom(s.terms[0].value)) : m.f64.add(this.get(s.target), this.terms(s.terms)));
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
        const plan = planVectorLoop(s, this.fn.vars, (arr) => this.kindOf(arr));
        if (plan) {
          this.vectorizedLoops++;
          return m.block(null, [emitVectorPart(this, plan).code, this.scalarLoop(s)]);
        }
        return this.scalarLoop(s);
      }
      case "countdown": {
        const plan = planVectorLoop(s, this.fn.vars, (arr) => this.kindOf(arr));
        if (!plan) return this.unlessAllZero(s, this.countdown(s, this.asNumber(s.count)));
        this.vectorizedLoops++;
        const vector = emitVectorPart(this, plan);
        return this.unlessAllZero(s, m.block(null, [vector.code, this.countdown(s, vector.start!)]));
      }
      case "setOut":
        if (s.slot === "tangent") return m.global.set(GLOBALS.tangent, this.atom(s.value));
        if (s.slot === "tangents") return m.global.set(GLOBALS.tangents, this.atom(s.value));
        return m.f64.store(ADJOINT_BASE + 8 * s.index, 8, m.i32.const(0), this.atom(s.value), MEMORY);
      case "return":
        return m.return(this.atom(s.value));
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
    const nonZero = s.unlessAllZero.map((v) => m.f64.ne(this.get(v), m.f64.const(0)));
    return m.if(nonZero.reduce((a, c) => m.i32.or(a, c)), loop);
  }

  private condition(a: Atom): Ref {
    if (this.isNumber(a)) throw new Error("gradc internal error: wasm: a condition is a number");
    return this.atom(a);
  }

  private call(name: string, args: Atom[]): Ref {
    const callee = this.ctx.signature(name);
    if (!callee) throw new Error(`gradc internal error: wasm: call of '${name}', which is not in the module`);
    const returns = callee.returns === "num" ? this.b.f64 : this.b.i32;
    return this.m.call(name, args.map((a) => this.atom(a)), returns);
  }

  private expr(e: GExpr, target: string): Ref {
    const m = this.m;
    switch (e.k) {
      case "prim":
        return this.primitive(e.op, e.args);
      case "copy":
      case "stop":
        return this.atom(e.arg);
      case "cmp": {
        const [a, c] = e.args;
        if (this.isNumber(a) || this.isNumber(c)) {
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
      case "call":
        return this.call(e.fn, e.args);
      case "load":
        return this.elementValue(e.arr, e.index);
      case "len":
        return m.f64.convert_u.i32(m.i32.load(0, 4, this.get(e.arr), MEMORY));
      case "newarr": {
        const size = this.asNumber(e.size);
        // new Float64Array(n) truncates n and throws below 0 (ToIndex); NaN is 0.
        return m.block(null, [
          m.if(m.f64.le(size, m.f64.const(-1)), m.unreachable()),
          m.call(RUNTIME.alloc, [m.i32.trunc_u_sat.f64(this.asNumber(e.size)), m.i32.const(ELEMENT_SHIFT[e.kind ? elementKind(e.kind) : "Float64Array"])], this.b.i32),
        ], this.b.i32);
      }
      case "pop": {
        const value = m.call(e.stack === "active" ? RUNTIME.popActive : RUNTIME.popInactive, [], this.b.f64);
        const type = this.fn.vars.get(target)?.type;
        // booleans are saved as 1/0, strings as their ids
        return type === "bool" ? m.f64.ne(value, m.f64.const(0)) : type === "str" ? m.i32.trunc_s_sat.f64(value) : value;
      }
      case "popArray":
        return m.call(RUNTIME.popArray, [], this.b.i32);
      case "lin":
        return this.terms(e.terms);
      case "out":
        return e.slot === "tangent" ? m.global.get(GLOBALS.tangent, this.b.f64) : m.f64.load(ADJOINT_BASE + 8 * e.index, 8, m.i32.const(0), MEMORY);
      default:
        return assertNever(e);
    }
  }

  /** Σ coef·value, summed left to right as the JavaScript printer writes it. */
  private terms(terms: Term[]): Ref {
    const m = this.m;
    if (terms.length === 0) return m.f64.const(0);
    let sum: Ref | undefined;
    for (const t of terms) {
      const negative = t.coef.k === "num" && t.coef.value === -1;
      const unit = t.coef.k === "num" && (t.coef.value === 1 || negative);
      const value = this.asNumber(t.value);
      let term = unit ? value : m.f64.mul(value, this.asNumber(t.coef));
      if (t.zeroSafe && !unit) term = m.select(m.f64.eq(this.asNumber(t.value), m.f64.const(0)), m.f64.const(0), term);
      if (sum === undefined) sum = negative ? m.f64.neg(term) : term;
      else sum = negative ? m.f64.sub(sum, term) : m.f64.add(sum, term);
    }
    return sum!;
  }

  private primitive(op: PrimOp, operands: Atom[]): Ref {
    const m = this.m;
    const [a, c] = operands.map((x) => this.asNumber(x));
    const native = PRIMITIVES[op].wasm;
    if (!native) return m.call(this.ctx.importOf(op), operands.map((x) => this.asNumber(x)), this.b.f64);
    switch (native) {
      case "add":
        return m.f64.add(a, c);
      case "sub":
        return m.f64.sub(a, c);
      case "mul":
        return m.f64.mul(a, c);
      case "div":
        return m.f64.div(a, c);
      case "min":
        return m.f64.min(a, c);
      case "max":
        return m.f64.max(a, c);
      case "neg":
        return m.f64.neg(a);
      case "abs":
        return m.f64.abs(a);
      case "sqrt":
        return m.f64.sqrt(a);
      case "floor":
        return m.f64.floor(a);
      case "ceil":
        return m.f64.ceil(a);
      case "trunc":
        return m.f64.trunc(a);
      case "fround":
        return m.f64.promote(m.f32.demote(a));
      case "gt":
        return m.f64.convert_u.i32(m.f64.gt(a, c));
      case "ge":
        return m.f64.convert_u.i32(m.f64.ge(a, c));
      case "lt":
        return m.f64.convert_u.i32(m.f64.lt(a, c));
      case "le":
        return m.f64.convert_u.i32(m.f64.le(a, c));
      case "divz":
        // a / b, 0 where b = 0 — the operands are locals or constants, so reading them twice is free
        return m.select(m.f64.eq(this.asNumber(operands[1]), m.f64.const(0)), m.f64.const(0), m.f64.div(a, c));
      default:
        return assertNever(native);
    }
  }

  /**
   * `body(address)` if `index` is an integer in [0, length) of `arr`: the index goes to the
   * scratch local, and `address` is the element's address less the header (loads add it as offset).
   */
  private element(arr: string, index: Atom, body: (address: () => Ref) => Ref, otherwise?: Ref): Ref {
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
    return m.block(null, [setIndex, m.if(inBounds, body(address), otherwise)], otherwise === undefined ? this.b.none : this.b.f64);
  }

  private elementValue(arr: string, index: Atom): Ref {
    return this.element(arr, index, (address) => this.loadElement(arr, address()), this.m.f64.const(NaN));
  }

  private loadElement(arr: string, address: Ref): Ref {
    const m = this.m;
    const at = (align: number) => [HEADER_BYTES, align, address, MEMORY] as const;
    switch (this.kindOf(arr)) {
      case "Float64Array":
        return m.f64.load(...at(8));
      case "Float32Array":
        return m.f64.promote(m.f32.load(...at(4)));
      case "Int32Array":
        return m.f64.convert_s.i32(m.i32.load(...at(4)));
      case "Uint32Array":
        return m.f64.convert_u.i32(m.i32.load(...at(4)));
      case "Int16Array":
        return m.f64.convert_s.i32(m.i32.load16_s(...at(2)));
      case "Uint16Array":
        return m.f64.convert_s.i32(m.i32.load16_u(...at(2)));
      case "Int8Array":
        return m.f64.convert_s.i32(m.i32.load8_s(...at(1)));
      case "Uint8Array":
      case "Uint8ClampedArray":
        return m.f64.convert_s.i32(m.i32.load8_u(...at(1)));
    }
  }

  /** `arr[i] += Σ terms` (an adjoint or tangent array: always a Float64Array). */
  private storeSum(arr: string, address: () => Ref, terms: Term[]): Ref {
    if (this.kindOf(arr) !== "Float64Array") throw new Error(`gradc internal error: wasm: accumulation into a ${this.kindOf(arr)}`);
    return this.m.f64.store(HEADER_BYTES, 8, address(), this.m.f64.add(this.loadElement(arr, address()), this.terms(terms)), MEMORY);
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
        return m.f32.store(...at(4, m.f32.demote(v())));
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

function elementKind(name: string): ElementKind {
  if (!isElementKind(name)) throw new WasmUnsupported(`the wasm engine does not handle ${name} arrays`);
  return name;
}

function paramKind(p: Param): ElementKind {
  return p.float32 ? "Float32Array" : p.integer ? elementKind(p.kind ?? "Int32Array") : "Float64Array";
}
