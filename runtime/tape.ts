/**
 * The tape engine: reverse-mode AD the way TensorFlow.js, PyTorch and micrograd do it. While a
 * function runs, every primitive operation is recorded on a tape with its value and its local
 * partial derivatives; `backward` then walks the tape once, in reverse, accumulating adjoints.
 *
 * The partials come from the same rules table the compiler uses (compiler/primitives.ts),
 * evaluated numerically. A node is an integer index into the tape. Use it directly:
 *
 *   const t = new Tape();
 *   const x = t.variable(1.5), y = t.variable(0.5);
 *   const out = t.mul(t.sin(t.div(x, y)), y);
 *   t.backward(out);
 *   t.adjoint(x); // ∂out/∂x
 *
 * or let gradc run a whole function on it: `grad(f, { engine: "tape" })`.
 */
import { PRIMITIVES, type Partial } from "../compiler/primitives.js";
import type { PrimOp } from "../compiler/ir.js";

/** A value recorded on a tape: its index. */
export type Node = number;

type Evaluator = (a: number, b: number, y: number) => number;

interface CompiledRule {
  evaluate: (a: number, b: number) => number;
  partials: (Evaluator | null)[];
}

/** Turns a rule's partial (an expression tree) into a function, once per primitive. */
function compilePartial(p: Partial): Evaluator {
  switch (p.k) {
    case "arg":
      return p.index === 0 ? (a) => a : (_a, b) => b;
    case "result":
      return (_a, _b, y) => y;
    case "const": {
      const v = p.value;
      return () => v;
    }
    case "op": {
      const evaluate = PRIMITIVES[p.op].evaluate;
      const [f, g] = p.args.map(compilePartial);
      if (!f) throw new Error(`gradc: the rule for '${p.op}' has a partial with no operand`);
      return g ? (a, b, y) => evaluate(f(a, b, y), g(a, b, y)) : (a, b, y) => evaluate(f(a, b, y));
    }
  }
}

const COMPILED = Object.fromEntries(
  Object.entries(PRIMITIVES).map(([name, rule]) => [
    name,
    { evaluate: rule.evaluate as (a: number, b: number) => number, partials: rule.partials.map((p) => (p ? compilePartial(p) : null)) },
  ]),
) as Record<PrimOp, CompiledRule>;

export class Tape {
  private values = new Float64Array(1024);
  private parentA = new Int32Array(1024);
  private parentB = new Int32Array(1024);
  private partialA = new Float64Array(1024);
  private partialB = new Float64Array(1024);
  private adjoints = new Float64Array(0);
  private length = 0;

  /** Number of nodes recorded since the last reset. */
  get size(): number {
    return this.length;
  }

  /** Forgets every node (the storage is kept for the next recording). */
  reset(): void {
    this.length = 0;
  }

  /** A leaf: an input, or a constant. */
  variable(value: number): Node {
    return this.push(value, -1, 0, -1, 0);
  }

  constant(value: number): Node {
    return this.push(value, -1, 0, -1, 0);
  }

  /** Leaves for every element of an array, as an array of nodes. */
  variables(values: ArrayLike<number>): Float64Array {
    const nodes = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) nodes[i] = this.variable(values[i]!);
    return nodes;
  }

  /** Constant nodes for every element of an array (plain values handed to a recorded helper). */
  constants(values: ArrayLike<number>): Float64Array {
    return this.variables(values);
  }

  /** A primitive's value, without recording it. */
  evaluate(op: PrimOp, a: number, b = 0): number {
    return COMPILED[op].evaluate(a, b);
  }

  /** An array of `length` nodes holding 0 (what `new Float64Array(length)` is on the tape). */
  zeros(length: number): Float64Array {
    return new Float64Array(length).fill(this.constant(0));
  }

  value(node: Node): number {
    return this.values[node]!;
  }

  /** Records primitive `op` (a name from the primitives table) applied to one or two nodes. */
  apply(op: PrimOp, a: Node, b: Node = -1): Node {
    const rule = COMPILED[op];
    const va = this.values[a]!;
    const vb = b >= 0 ? this.values[b]! : 0;
    const y = b >= 0 ? rule.evaluate(va, vb) : (rule.evaluate as (v: number) => number)(va);
    const [pa, pb] = rule.partials;
    return this.push(y, pa ? a : -1, pa ? pa(va, vb, y) : 0, pb && b >= 0 ? b : -1, pb && b >= 0 ? pb(va, vb, y) : 0);
  }

  /**
   * Records an operation of any number of operands with the given partials (a function with its
   * own rule, defineRule): nodes hold two parents each, so operands past the second are chained
   * through nodes of the same value that pass the adjoint on unchanged.
   */
  custom(value: number, parents: ArrayLike<Node>, partials: ArrayLike<number>): Node {
    let node = this.push(value, parents.length > 0 ? parents[0]! : -1, parents.length > 0 ? partials[0]! : 0, parents.length > 1 ? parents[1]! : -1, parents.length > 1 ? partials[1]! : 0);
    for (let k = 2; k < parents.length; k++) node = this.push(value, node, 1, parents[k]!, partials[k]!);
    return node;
  }

  /** Walks the tape backwards from `output`, seeded with `seed`; read results with `adjoint`. */
  backward(output: Node, seed = 1): void {
    this.clearAdjoints();
    this.adjoints[output] = seed;
    this.sweep(output);
  }

  /** Seeds each of `outputs` with its cotangent and propagates once: a vector-Jacobian product. */
  backwardMany(outputs: Float64Array, seeds: ArrayLike<number>): void {
    this.clearAdjoints();
    let top = -1;
    for (let k = 0; k < outputs.length; k++) {
      const node = outputs[k]!;
      this.adjoints[node]! += seeds[k]!;
      top = Math.max(top, node);
    }
    this.sweep(top);
  }

  private clearAdjoints(): void {
    if (this.adjoints.length < this.length) this.adjoints = new Float64Array(this.values.length);
    this.adjoints.fill(0, 0, this.length);
  }

  /** Propagates adjoints from node `top` down to the first node. */
  private sweep(top: Node): void {
    const adj = this.adjoints;
    const { parentA, parentB, partialA, partialB } = this;
    for (let i = top; i >= 0; i--) {
      // Every index below `length` holds a recorded node, hence the `!`s.
      const g = adj[i]!;
      if (g === 0) continue;
      const a = parentA[i]!;
      if (a >= 0) adj[a]! += g * partialA[i]!;
      const b = parentB[i]!;
      if (b >= 0) adj[b]! += g * partialB[i]!;
    }
  }

  /** The values of an array of nodes. */
  valuesOf(nodes: Float64Array): Float64Array {
    return nodes.map((node) => this.values[node]!);
  }

  /** Writes the values of `nodes` into `array` (a caller's array that f wrote into, through its nodes). */
  writeValues(nodes: Float64Array, array: { [index: number]: number }): void {
    for (let i = 0; i < nodes.length; i++) array[i] = this.values[nodes[i]!]!;
  }

  adjoint(node: Node): number {
    return this.adjoints[node]!;
  }

  /** The adjoints of an array of nodes, as numbers. */
  adjointsOf(nodes: Float64Array): Float64Array {
    const out = new Float64Array(nodes.length);
    for (let i = 0; i < nodes.length; i++) out[i] = this.adjoints[nodes[i]!]!;
    return out;
  }

  private push(value: number, a: number, da: number, b: number, db: number): Node {
    if (this.length === this.values.length) this.grow();
    const i = this.length++;
    this.values[i] = value;
    this.parentA[i] = a;
    this.partialA[i] = da;
    this.parentB[i] = b;
    this.partialB[i] = db;
    return i;
  }

  private grow(): void {
    const n = this.values.length * 2;
    const grow64 = (old: Float64Array) => {
      const next = new Float64Array(n);
      next.set(old);
      return next;
    };
    const grow32 = (old: Int32Array) => {
      const next = new Int32Array(n);
      next.set(old);
      return next;
    };
    this.values = grow64(this.values);
    this.partialA = grow64(this.partialA);
    this.partialB = grow64(this.partialB);
    this.parentA = grow32(this.parentA);
    this.parentB = grow32(this.parentB);
  }

  // Named operations for direct use; each records the primitive of the same name.
  add(a: Node, b: Node): Node { return this.apply("add", a, b); }
  sub(a: Node, b: Node): Node { return this.apply("sub", a, b); }
  mul(a: Node, b: Node): Node { return this.apply("mul", a, b); }
  div(a: Node, b: Node): Node { return this.apply("div", a, b); }
  pow(a: Node, b: Node): Node { return this.apply("pow", a, b); }
  neg(a: Node): Node { return this.apply("neg", a); }
  exp(a: Node): Node { return this.apply("exp", a); }
  log(a: Node): Node { return this.apply("log", a); }
  sqrt(a: Node): Node { return this.apply("sqrt", a); }
  sin(a: Node): Node { return this.apply("sin", a); }
  cos(a: Node): Node { return this.apply("cos", a); }
  tanh(a: Node): Node { return this.apply("tanh", a); }
  abs(a: Node): Node { return this.apply("abs", a); }
  max(a: Node, b: Node): Node { return this.apply("max", a, b); }
  min(a: Node, b: Node): Node { return this.apply("min", a, b); }
}

/** The tape that functions differentiated with `engine: "tape"` record on. */
export const sharedTape = new Tape();
