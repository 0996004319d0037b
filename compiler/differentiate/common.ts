/** Pieces shared by forward and reverse mode: local naming and turning a rule's partial into code. */
import { type Atom, gen, type GStmt, type GVar, type SourceLoc, type Type, num, ref } from "../ir.js";
import type { CountedLoop } from "../analyze/loops.js";
import type { Partial } from "../primitives.js";

/** Names of a generated function's locals: derived from source names, never colliding. */
export class LocalNames {
  private readonly derivedNames = new Map<string, string>();
  private counter = 0;

  constructor(readonly vars: Map<string, GVar>) {}

  /** `x` → `x_dot`, `x_bar`: one name per (variable, suffix), created on first use. */
  derived(name: string, suffix: string, type: Type): string {
    const key = `${name}\u0000${suffix}`;
    let result = this.derivedNames.get(key);
    if (!result) {
      result = this.unique(`${name}_${suffix}`);
      this.vars.set(result, { type, zero: type === "num", adjoint: suffix === "bar" });
      this.derivedNames.set(key, result);
    }
    return result;
  }

  temp(prefix: string, type: Type = "num"): string {
    let name: string;
    do name = `${prefix}${++this.counter}`;
    while (this.vars.has(name));
    this.vars.set(name, { type });
    return name;
  }

  unique(base: string): string {
    let name = base;
    for (let i = 1; this.vars.has(name); i++) name = `${base}_${i}`;
    return name;
  }
}

/** Emits the statements computing a partial, one primitive per temporary; returns its value. */
export function buildPartial(p: Partial, args: Atom[], result: Atom, names: LocalNames, out: GStmt[], loc: SourceLoc | undefined): Atom {
  switch (p.k) {
    case "const":
      return num(p.value);
    case "arg":
      return args[p.index];
    case "result":
      return result;
    case "op": {
      const operands = p.args.map((q) => buildPartial(q, args, result, names, out, loc));
      const t = names.temp("d");
      out.push({ k: "assign", target: t, expr: { k: "prim", op: p.op, args: operands }, loc });
      return ref(t);
    }
  }
}

export function varsOf(vars: Map<string, Type>): Map<string, GVar> {
  return new Map([...vars].map(([name, type]) => [name, { type }]));
}

/**
 * n = max(0, ⌈(bound − start)/step⌉) for `i < bound` (⌊…⌋ + 1 for `<=`), and the mirror image
 * for loops counting down: the number of i = start + k·step that pass the test.
 */
export function tripCount(loop: CountedLoop, count: string, names: LocalNames, loc: SourceLoc): GStmt[] {
  const { op, value } = loop.bound!;
  const up = loop.step > 0;
  const span = names.temp("span");
  const steps = names.temp("steps");
  const rounded = names.temp("steps");
  const out: GStmt[] = [gen.prim(span, "sub", up ? [value, loop.start] : [loop.start, value], loc), gen.prim(steps, "div", [ref(span), num(Math.abs(loop.step))], loc)];
  if (op === "<" || op === ">") {
    out.push(gen.prim(rounded, "ceil", [ref(steps)], loc));
  } else {
    const floor = names.temp("steps");
    out.push(gen.prim(floor, "floor", [ref(steps)], loc));
    out.push(gen.prim(rounded, "add", [ref(floor), num(1)], loc));
  }
  out.push(gen.prim(count, "max", [num(0), ref(rounded)], loc));
  return out;
}
