/**
 * A tiny computer-algebra differentiator over gradc's IR, for `gradc compare`: it shows what
 * symbolic differentiation does to a function that automatic differentiation does not.
 *
 * The function's lowered IR is executed symbolically: every intermediate variable is replaced by
 * the expression that computes it, so the result is one expression tree in the inputs (control
 * flow must be decidable without the inputs' values: branches on constants, loops with constant
 * trip counts, constant array indices). That tree is differentiated by the chain rule with the
 * partials of compiler/primitives.ts and simplified locally (0·x = 0, 1·x = x, x + 0 = x,
 * constants folded), as a computer-algebra system does. The expressions are held as a DAG
 * (hash-consed), so building, evaluating and measuring them stays cheap; their *printed* form —
 * a formula, as a CAS prints it without shared subexpressions — repeats every shared subtree,
 * and its size is what `size()` reports: the expression swell.
 */
import { type Atom, type Expr, type FnIR, type SourceLoc, type Stmt, assertNever } from "../compiler/ir.js";
import { PRIMITIVES, type Partial as PartialRule, type PrimOp } from "../compiler/primitives.js";

export type Sym =
  | { id: number; k: "var"; name: string }
  | { id: number; k: "const"; value: number }
  | { id: number; k: "op"; op: PrimOp; args: Sym[] }
  /** stopGradient(x): x's value, no derivative. */
  | { id: number; k: "stop"; arg: Sym };

/** Why a function is outside what the symbolic differentiator handles; `loc` is where. */
export class SymbolicUnsupported extends Error {
  constructor(
    message: string,
    readonly loc?: SourceLoc,
  ) {
    super(message);
  }
}

const INFIX: Partial<Record<PrimOp, { symbol: string; prec: number }>> = {
  add: { symbol: "+", prec: 1 },
  sub: { symbol: "-", prec: 1 },
  mul: { symbol: "*", prec: 2 },
  div: { symbol: "/", prec: 2 },
  mod: { symbol: "%", prec: 2 },
};

/** Names of the functions printed expressions call besides `Math.*` (defined by `compileExpressions`). */
const HELPER_SOURCE = [
  "const divz = (a, b) => (b === 0 ? 0 : a / b);",
  "const powlog = (power, base) => (base > 0 ? power * Math.log(base) : 0);",
  "const stopGradient = (x) => x;",
].join("\n");

export class Algebra {
  private readonly interned = new Map<string, Sym>();
  private nextId = 0;
  private readonly derivatives = new Map<string, Map<number, Sym>>();
  private readonly lengths = new Map<number, number>();
  private readonly operations = new Map<number, number>();
  readonly zero = this.constant(0);
  readonly one = this.constant(1);

  private intern(key: string, make: (id: number) => Sym): Sym {
    let s = this.interned.get(key);
    if (!s) {
      s = make(this.nextId++);
      this.interned.set(key, s);
    }
    return s;
  }

  variable(name: string): Sym {
    return this.intern(`v:${name}`, (id) => ({ id, k: "var", name }));
  }

  constant(value: number): Sym {
    const key = Object.is(value, -0) ? "c:-0" : `c:${value}`;
    return this.intern(key, (id) => ({ id, k: "const", value }));
  }

  stop(arg: Sym): Sym {
    if (arg.k === "const") return arg;
    return this.intern(`s:${arg.id}`, (id) => ({ id, k: "stop", arg }));
  }

  /** `op` applied to `args`, simplified locally. */
  op(op: PrimOp, args: Sym[]): Sym {
    const c = (s: Sym) => (s.k === "const" ? s.value : undefined);
    const values = args.map(c);
    if (values.every((v) => v !== undefined)) return this.constant(PRIMITIVES[op].evaluate(...(values as number[])));
    const [a, b] = args as [Sym, Sym];
    const [ca, cb] = values;
    switch (op) {
      case "add":
        if (ca === 0) return b;
        if (cb === 0) return a;
        break;
      case "sub":
        if (cb === 0) return a;
        if (ca === 0) return this.op("neg", [b]);
        break;
      case "mul":
        if (ca === 0 || cb === 0) return this.zero;
        if (ca === 1) return b;
        if (cb === 1) return a;
        if (ca === -1) return this.op("neg", [b]);
        if (cb === -1) return this.op("neg", [a]);
        break;
      case "div":
        if (cb === 1) return a;
        if (ca === 0) return this.zero;
        break;
      case "neg":
        if (a.k === "op" && a.op === "neg") return a.args[0]!;
        break;
      case "pow":
        if (cb === 1) return a;
        if (cb === 0) return this.one;
        break;
      default:
        break;
    }
    return this.intern(`o:${op}(${args.map((s) => s.id).join(",")})`, (id) => ({ id, k: "op", op, args }));
  }

  /** ∂e/∂name by the chain rule, simplified. */
  derivative(e: Sym, name: string): Sym {
    let memo = this.derivatives.get(name);
    if (!memo) this.derivatives.set(name, (memo = new Map()));
    const d = (s: Sym): Sym => {
      const known = memo!.get(s.id);
      if (known) return known;
      let result: Sym;
      switch (s.k) {
        case "var":
          result = s.name === name ? this.one : this.zero;
          break;
        case "const":
        case "stop":
          result = this.zero;
          break;
        case "op": {
          result = this.zero;
          PRIMITIVES[s.op].partials.forEach((partial, i) => {
            if (!partial) return;
            const da = d(s.args[i]!);
            if (da === this.zero) return;
            result = this.op("add", [result, this.op("mul", [this.partial(partial, s), da])]);
          });
          break;
        }
        default:
          assertNever(s);
      }
      memo!.set(s.id, result);
      return result;
    };
    return d(e);
  }

  private partial(p: PartialRule, node: Sym & { k: "op" }): Sym {
    switch (p.k) {
      case "arg":
        return node.args[p.index]!;
      case "result":
        return node;
      case "const":
        return this.constant(p.value);
      case "op":
        return this.op(p.op, p.args.map((q) => this.partial(q, node)));
    }
  }

  /** The value of `e` with its variables bound by `env` (the DAG evaluated once per node: the same numbers as the printed tree). */
  evaluate(e: Sym, env: Readonly<Record<string, number>>): number {
    const memo = new Map<number, number>();
    const ev = (s: Sym): number => {
      const known = memo.get(s.id);
      if (known !== undefined) return known;
      let v: number;
      switch (s.k) {
        case "var":
          if (!(s.name in env)) throw new Error(`no value for ${s.name}`);
          v = env[s.name]!;
          break;
        case "const":
          v = s.value;
          break;
        case "stop":
          v = ev(s.arg);
          break;
        case "op":
          v = PRIMITIVES[s.op].evaluate(...s.args.map(ev));
          break;
        default:
          assertNever(s);
      }
      memo.set(s.id, v);
      return v;
    };
    return ev(e);
  }

  /**
   * The size of `e` printed as a formula, every shared subexpression written out: its characters
   * (exactly `print(e).length`) and its operations (primitive applications).
   */
  size(e: Sym): { characters: number; operations: number } {
    return { characters: this.length(e), operations: this.operationCount(e) };
  }

  private operationCount(s: Sym): number {
    const known = this.operations.get(s.id);
    if (known !== undefined) return known;
    const n = s.k === "op" ? 1 + s.args.reduce((sum, a) => sum + this.operationCount(a), 0) : s.k === "stop" ? this.operationCount(s.arg) : 0;
    this.operations.set(s.id, n);
    return n;
  }

  /** Binding strength of the printed form: 1 (+ −), 2 (* / %), 3 (prefix minus), 4 (atoms, calls, parenthesised). */
  private precedence(s: Sym): number {
    if (s.k === "const") return s.value < 0 || Object.is(s.value, -0) ? 3 : 4;
    if (s.k === "op") {
      const infix = INFIX[s.op];
      if (infix) return infix.prec;
      if (s.op === "neg") return 3;
    }
    return 4;
  }

  /** The same layout as `print`, counted without building the string. */
  private length(s: Sym): number {
    const known = this.lengths.get(s.id);
    if (known !== undefined) return known;
    const wrapped = (child: Sym, min: number) => this.length(child) + (this.precedence(child) >= min ? 0 : 2);
    let n: number;
    switch (s.k) {
      case "var":
        n = s.name.length;
        break;
      case "const":
        n = constantText(s.value).length;
        break;
      case "stop":
        n = "stopGradient()".length + this.length(s.arg);
        break;
      case "op": {
        const infix = INFIX[s.op];
        const spelling = PRIMITIVES[s.op].spelling;
        if (infix) n = wrapped(s.args[0]!, infix.prec) + infix.symbol.length + 2 + wrapped(s.args[1]!, infix.prec + 1);
        else if (s.op === "neg") n = 1 + wrapped(s.args[0]!, 4);
        else if ("comparison" in spelling) n = this.length(s.args[0]!) + this.length(s.args[1]!) + spelling.comparison.length + "(  ".length + " ? 1 : 0)".length;
        else n = calleeName(s.op).length + 2 + s.args.reduce((sum, a) => sum + this.length(a), 0) + 2 * (s.args.length - 1);
        break;
      }
      default:
        assertNever(s);
    }
    this.lengths.set(s.id, n);
    return n;
  }

  /** `e` as a JavaScript expression, every shared subexpression written out. Refuses beyond `limit` characters. */
  print(e: Sym, limit = 1e6): string {
    if (this.length(e) > limit) throw new RangeError(`the expression has ${this.length(e)} characters, more than ${limit}`);
    const wrap = (child: Sym, min: number) => (this.precedence(child) >= min ? p(child) : `(${p(child)})`);
    const p = (s: Sym): string => {
      switch (s.k) {
        case "var":
          return s.name;
        case "const":
          return constantText(s.value);
        case "stop":
          return `stopGradient(${p(s.arg)})`;
        case "op": {
          const infix = INFIX[s.op];
          const spelling = PRIMITIVES[s.op].spelling;
          if (infix) return `${wrap(s.args[0]!, infix.prec)} ${infix.symbol} ${wrap(s.args[1]!, infix.prec + 1)}`;
          if (s.op === "neg") return `-${wrap(s.args[0]!, 4)}`;
          if ("comparison" in spelling) return `(${p(s.args[0]!)} ${spelling.comparison} ${p(s.args[1]!)} ? 1 : 0)`;
          return `${calleeName(s.op)}(${s.args.map(p).join(", ")})`;
        }
        default:
          return assertNever(s);
      }
    };
    return p(e);
  }

  /** Compiles printed expressions into one JavaScript function of `params` returning them all: the closed form as code, no sharing. */
  compileExpressions(params: string[], expressions: Sym[], limit = 1e6): (...args: number[]) => number[] {
    const body = `${HELPER_SOURCE}\nreturn [${expressions.map((e) => this.print(e, limit)).join(",\n")}];`;
    return new Function(...params, body) as (...args: number[]) => number[];
  }
}

function constantText(v: number): string {
  return Object.is(v, -0) ? "-0" : String(v);
}

function calleeName(op: PrimOp): string {
  const spelling = PRIMITIVES[op].spelling;
  if ("call" in spelling) return spelling.call;
  if ("helper" in spelling) return spelling.helper.name;
  return op;
}

// ---- Symbolic execution of the IR.

/** `unknown`: a boolean that depends on the inputs' values — an error only where a branch or a loop reads it. */
type Value = { t: "num"; s: Sym } | { t: "bool"; b: boolean } | { t: "unknown" } | { t: "arr"; cells: Sym[] };

/** Statements executed before giving up: a loop unrolled further is no longer a formula anyone prints. */
const BUDGET = 2_000_000;

/**
 * The expression `fn` computes, in terms of `inputs` (one symbolic value per number parameter).
 * `functions` holds every lowered function by IR name (callees are inlined).
 */
export function symbolicResult(fn: FnIR, functions: ReadonlyMap<string, FnIR>, algebra: Algebra, inputs: Sym[]): Sym {
  if (fn.params.length !== inputs.length || fn.params.some((p) => p.type !== "num")) {
    throw new SymbolicUnsupported(`'${fn.sourceName}' has parameters other than numbers: the symbolic comparison takes functions of numbers`, fn.loc);
  }
  if (fn.resultType !== "num") throw new SymbolicUnsupported(`'${fn.sourceName}' does not return a number`, fn.loc);
  let steps = 0;

  const run = (f: FnIR, args: Value[]): Value => {
    const env = new Map<string, Value>();
    f.params.forEach((p, i) => env.set(p.name, args[i]!));
    const atom = (a: Atom, loc: SourceLoc): Value => {
      switch (a.k) {
        case "num":
          return { t: "num", s: algebra.constant(a.value) };
        case "bool":
          return { t: "bool", b: a.value };
        case "str":
          throw new SymbolicUnsupported("strings are outside what `gradc compare` differentiates symbolically", loc);
        case "var": {
          const v = env.get(a.name);
          if (!v) throw new SymbolicUnsupported(`'${a.name}' is read before it is assigned`, loc);
          return v;
        }
        default:
          return assertNever(a);
      }
    };
    const num = (a: Atom, loc: SourceLoc): Sym => {
      const v = atom(a, loc);
      if (v.t !== "num") throw new SymbolicUnsupported("a non-number where a number was expected", loc);
      return v.s;
    };
    const constantInt = (a: Atom, loc: SourceLoc, what: string): number => {
      const s = num(a, loc);
      if (s.k !== "const" || !Number.isInteger(s.value)) throw new SymbolicUnsupported(`${what} depends on the inputs: a closed-form expression needs it constant`, loc);
      return s.value;
    };
    const array = (name: string, loc: SourceLoc): Sym[] => {
      const v = env.get(name);
      if (!v || v.t !== "arr") throw new SymbolicUnsupported(`'${name}' is not an array here`, loc);
      return v.cells;
    };
    const call = (name: string, args: Atom[], loc: SourceLoc): Value => {
      const callee = functions.get(name);
      if (!callee) throw new SymbolicUnsupported(`calls '${name}', which was not lowered`, loc);
      return run(callee, args.map((a) => atom(a, loc)));
    };
    const expr = (e: Expr, loc: SourceLoc): Value => {
      switch (e.k) {
        case "prim":
          return { t: "num", s: algebra.op(e.op, e.args.map((a) => num(a, loc))) };
        case "copy":
          return atom(e.arg, loc);
        case "stop": {
          const v = atom(e.arg, loc);
          return v.t === "num" ? { t: "num", s: algebra.stop(v.s) } : v;
        }
        case "cmp": {
          const [a, b] = e.args.map((x) => atom(x, loc)) as [Value, Value];
          let p: unknown, q: unknown;
          if (a.t === "unknown" || b.t === "unknown") return { t: "unknown" };
          if (a.t === "num" && b.t === "num") {
            if (a.s.k !== "const" || b.s.k !== "const") return { t: "unknown" };
            [p, q] = [a.s.value, b.s.value];
          } else if (a.t === "bool" && b.t === "bool") {
            [p, q] = [a.b, b.b];
          } else {
            throw new SymbolicUnsupported("a comparison of arrays", loc);
          }
          const r = { "<": (p as number) < (q as number), "<=": (p as number) <= (q as number), ">": (p as number) > (q as number), ">=": (p as number) >= (q as number), "===": p === q, "!==": p !== q }[e.op];
          return { t: "bool", b: r };
        }
        case "not": {
          const v = atom(e.arg, loc);
          if (v.t === "unknown") return v;
          if (v.t !== "bool") throw new SymbolicUnsupported("`!` of a non-boolean", loc);
          return { t: "bool", b: !v.b };
        }
        case "call":
          return call(e.fn, e.args, loc);
        case "load": {
          const cells = array(e.arr, loc);
          const i = constantInt(e.index, loc, "an array index");
          if (i < 0 || i >= cells.length) throw new SymbolicUnsupported(`index ${i} is out of bounds (length ${cells.length})`, loc);
          return { t: "num", s: cells[i]! };
        }
        case "len":
          return { t: "num", s: algebra.constant(array(e.arr, loc).length) };
        case "newarr": {
          const n = constantInt(e.size, loc, "an array's size");
          return { t: "arr", cells: new Array<Sym>(n).fill(algebra.zero) };
        }
        default:
          return assertNever(e);
      }
    };
    const condition = (a: Atom, loc: SourceLoc): boolean => {
      const v = atom(a, loc);
      if (v.t === "unknown") {
        throw new SymbolicUnsupported("the function branches (or loops) on a value that depends on its inputs: a single closed-form expression cannot follow it", loc);
      }
      if (v.t !== "bool") throw new SymbolicUnsupported("a condition that is not a boolean", loc);
      return v.b;
    };
    const block = (stmts: Stmt[]): void => {
      for (const s of stmts) {
        if (++steps > BUDGET) throw new SymbolicUnsupported(`more than ${BUDGET} statements to unroll`, s.loc);
        switch (s.k) {
          case "assign":
            env.set(s.target, expr(s.expr, s.loc));
            break;
          case "store": {
            const cells = array(s.arr, s.loc);
            const i = constantInt(s.index, s.loc, "an array index");
            if (i < 0 || i >= cells.length) throw new SymbolicUnsupported(`index ${i} is out of bounds (length ${cells.length})`, s.loc);
            cells[i] = num(s.value, s.loc);
            break;
          }
          case "effect":
            call(s.fn, s.args, s.loc);
            break;
          case "if":
            block(condition(s.cond, s.loc) ? s.then : s.else);
            break;
          case "loop":
            block(s.init);
            for (;;) {
              if (s.postTest) {
                block(s.body);
                block(s.update);
                block(s.test);
                if (!condition(s.cond, s.loc)) break;
              } else {
                block(s.test);
                if (!condition(s.cond, s.loc)) break;
                block(s.body);
                block(s.update);
              }
            }
            break;
          default:
            assertNever(s);
        }
      }
    };
    block(f.body);
    const result = env.get(f.result);
    if (!result) throw new SymbolicUnsupported(`'${f.sourceName}' returns no value`, f.loc);
    return result;
  };

  const result = run(
    fn,
    inputs.map((s) => ({ t: "num", s })),
  );
  if (result.t !== "num") throw new SymbolicUnsupported(`'${fn.sourceName}' does not return a number`, fn.loc);
  return result.s;
}
