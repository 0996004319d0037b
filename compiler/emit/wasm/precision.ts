/**
 * `dtype: "float32"`: which values of the generated functions the wasm engine computes in
 * float32, as jax-js and TensorFlow.js compute a float32 network.
 *
 * The arrays a wrapper differentiates (`wrt`; every differentiable array for jvp) and their
 * adjoints or tangents are stored as float32, and so is every array and number the generated code
 * computes from them: a number is float32 when one of its definitions reads a float32 array
 * element or a float32 number; an array is float32 when a float32 value is stored into it, when
 * it is a float32 array under another name (a copy, an argument, a result, a save and restore),
 * or when it is declared Float32Array. Everything else keeps float64 — loop counters, indices,
 * sizes, the data a function is not differentiated with respect to — so index arithmetic stays
 * exact. Each operation computes at the type of the variable it defines (its operands converted).
 *
 * The inference runs over all the float32 variants of a module at once: arrays flow between
 * functions through calls, and a handle is read with one layout wherever it goes.
 */
import { type Atom, type GFn, type GStmt, type Param, generatedBlocks, walkGenerated } from "../../ir.js";
import { WasmUnsupported } from "./unsupported.js";
import { type ElementKind, isElementKind } from "./layout.js";

/**
 * The element kind of every array variable of a function: a parameter's declared kind, a new
 * array's, and whatever flows from them by copies; adjoints, tangents and results are
 * Float64Arrays. (A float32 variant then stores some of the Float64Arrays as float32.)
 */
export function arrayKinds(fn: GFn): Map<string, ElementKind> {
  const kinds = new Map<string, ElementKind>();
  for (const p of fn.params) if (p.type === "arr") kinds.set(p.name, paramKind(p));
  let changed = true;
  while (changed) {
    changed = false;
    const visit = (list: GStmt[]) => {
      for (const s of list) {
        if (s.k === "assign" && fn.vars.get(s.target)?.type === "arr" && s.expr.k !== "popArray") {
          const e = s.expr;
          let kind: ElementKind = "Float64Array";
          if ((e.k === "copy" || e.k === "stop") && e.arg.k === "var") kind = kinds.get(e.arg.name) ?? "Float64Array";
          if (e.k === "newarr" && e.kind) kind = elementKind(e.kind);
          const known = kinds.get(s.target);
          if (known !== undefined && known !== kind) throw new WasmUnsupported(`the wasm engine needs each array variable to hold one kind of array ('${s.target}' holds ${known} and ${kind} values)`, s.loc);
          if (known === undefined) {
            kinds.set(s.target, kind);
            changed = true;
          }
        }
        for (const block of generatedBlocks(s)) visit(block);
      }
    };
    visit(fn.body);
  }
  return kinds;
}

export function elementKind(name: string): ElementKind {
  if (!isElementKind(name)) throw new WasmUnsupported(`the wasm engine does not handle ${name} arrays`);
  return name;
}

function paramKind(p: Param): ElementKind {
  return p.float32 ? "Float32Array" : p.integer ? elementKind(p.kind ?? "Int32Array") : "Float64Array";
}

/** A float32 variant to compile: the generated function, and which of its parameters start as float32 arrays. */
export interface Float32Entry {
  name: string;
  float32Params: number[];
}

/** The types the float32 variant of one function gives its variables. */
export interface FunctionPrecision {
  /** Number variables computed in float32 (every other number is float64). */
  float32Numbers: Set<string>;
  /** The element kind of every array variable (arrayKinds, with the float32 arrays as Float32Array). */
  arrayKinds: Map<string, ElementKind>;
}

/** Name of the float32 variant of a generated function, in the module and among its exports. */
export const float32Name = (name: string): string => `${name}$f32`;

/**
 * The float32 typing of `functions` (the float32 variants to compile: the entries and what they
 * call). `sameParameters`: entries whose first `count` parameters are the same arrays (a
 * wrapper's primal and reverse functions get the same handles).
 */
export function inferPrecision(functions: Map<string, GFn>, entries: Float32Entry[], sameParameters: { names: string[]; count: number }[]): Map<string, FunctionPrecision> {
  const arrays = new UnionFind();
  const node = (fn: string, v: string) => `${fn}\u0000${v}`;
  const seeds: string[] = [];
  const kinds = new Map([...functions.values()].map((fn) => [fn.name, arrayKinds(fn)]));
  const isFloatArray = (fn: GFn, v: string) => {
    const kind = kinds.get(fn.name)!.get(v);
    return kind === "Float64Array" || kind === "Float32Array";
  };

  // Arrays that are the same array under different names.
  for (const fn of functions.values()) {
    const returned: string[] = [];
    for (const [v, kind] of kinds.get(fn.name)!) if (kind === "Float32Array") seeds.push(node(fn.name, v));
    const saved: string[] = [];
    walkGenerated(fn.body, (s) => {
      if (s.k === "pushArray" && isFloatArray(fn, s.arr)) saved.push(s.arr);
      if (s.k === "return" && s.value.k === "var" && isFloatArray(fn, s.value.name)) returned.push(s.value.name);
      if (s.k !== "assign" || !isFloatArray(fn, s.target)) return;
      const e = s.expr;
      if ((e.k === "copy" || e.k === "stop") && e.arg.k === "var") arrays.union(node(fn.name, s.target), node(fn.name, e.arg.name));
      if (e.k === "popArray") saved.push(s.target);
    });
    // Arrays saved and restored share one stack: every one of them is read with one layout.
    for (const a of saved.slice(1)) arrays.union(node(fn.name, a), node(fn.name, saved[0]));
    for (const r of returned) arrays.union(node(fn.name, r), node(fn.name, "$result"));
  }
  // Calls: an argument and the parameter it binds; a result and the variable it is assigned to.
  for (const fn of functions.values()) {
    walkGenerated(fn.body, (s) => {
      const call = s.k === "effect" ? { fn: s.fn, args: s.args } : s.k === "assign" && s.expr.k === "call" ? s.expr : undefined;
      if (!call) return;
      const callee = functions.get(call.fn);
      if (!callee) return;
      call.args.forEach((a, k) => {
        const p = callee.params[k];
        if (a.k === "var" && p && isFloatArray(callee, p.name)) arrays.union(node(fn.name, a.name), node(callee.name, p.name));
      });
      if (s.k === "assign" && isFloatArray(fn, s.target)) arrays.union(node(fn.name, s.target), node(callee.name, "$result"));
    });
  }
  for (const { names, count } of sameParameters) {
    const [first, ...rest] = names.map((n) => functions.get(n)!);
    for (const other of rest) for (let k = 0; k < count; k++) if (isFloatArray(first, first.params[k].name)) arrays.union(node(first.name, first.params[k].name), node(other.name, other.params[k].name));
  }
  for (const e of entries) {
    const fn = functions.get(e.name)!;
    for (const k of e.float32Params) seeds.push(node(fn.name, fn.params[k].name));
  }

  const float32Classes = new Set(seeds.map((s) => arrays.find(s)));
  const isFloat32Array = (fn: GFn, v: string) => isFloatArray(fn, v) && float32Classes.has(arrays.find(node(fn.name, v)));
  const numbers = new Map<string, Set<string>>([...functions.keys()].map((n) => [n, new Set<string>()]));

  // Numbers from float32 arrays and numbers, and arrays that receive float32 numbers, until nothing changes.
  let changed = true;
  while (changed) {
    changed = false;
    for (const fn of functions.values()) {
      const f32 = numbers.get(fn.name)!;
      const isF32 = (a: Atom) => a.k === "var" && f32.has(a.name);
      const mark = (v: string) => {
        if (!f32.has(v)) {
          f32.add(v);
          changed = true;
        }
      };
      const markArray = (arr: string) => {
        const c = arrays.find(node(fn.name, arr));
        if (!float32Classes.has(c)) {
          float32Classes.add(c);
          changed = true;
        }
      };
      walkGenerated(fn.body, (s: GStmt) => {
        if (s.k === "assign" && fn.vars.get(s.target)?.type === "num") {
          const e = s.expr;
          const fromF32 =
            e.k === "load"
              ? isFloat32Array(fn, e.arr)
              : e.k === "prim"
                ? e.args.some(isF32)
                : e.k === "copy" || e.k === "stop"
                  ? isF32(e.arg)
                  : e.k === "lin"
                    ? e.terms.some((t) => isF32(t.coef) || isF32(t.value))
                    : false;
          if (fromF32) mark(s.target);
        } else if (s.k === "accum" && s.terms.some((t) => isF32(t.coef) || isF32(t.value))) {
          mark(s.target);
        } else if (s.k === "store" && isF32(s.value) && isFloatArray(fn, s.arr)) {
          markArray(s.arr);
        } else if (s.k === "accumElem" && s.terms.some((t) => isF32(t.coef) || isF32(t.value)) && isFloatArray(fn, s.arr)) {
          markArray(s.arr);
        }
      });
    }
  }

  const out = new Map<string, FunctionPrecision>();
  for (const fn of functions.values()) {
    const final = new Map(kinds.get(fn.name)!);
    for (const v of final.keys()) if (isFloat32Array(fn, v)) final.set(v, "Float32Array");
    out.set(fn.name, { float32Numbers: numbers.get(fn.name)!, arrayKinds: final });
  }
  return out;
}

class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let root = x;
    while (this.parent.has(root) && this.parent.get(root) !== root) root = this.parent.get(root)!;
    this.parent.set(x, root);
    return root;
  }
  union(a: string, b: string): void {
    const [ra, rb] = [this.find(a), this.find(b)];
    if (ra !== rb) this.parent.set(ra, rb);
  }
}
