/**
 * Object results. A function that returns an object returns, in the IR, one new Float64Array
 * holding the object's leaves as its `ResultLayout` says (a number in one slot; an array as its
 * length, then its elements). Every derivative engine already knows array results — a cotangent
 * array for reverse mode, a tangent array for forward mode — so an object result needs nothing
 * new from them: the public wrappers unpack the array into the object (and pack an object
 * cotangent), and a caller inside differentiated code unpacks it into variables of its own.
 * Packing copies each leaf once; the call itself is inlined (inline.ts), so the analyses see the
 * copies as ordinary loads and stores.
 */
import { type Atom, type Expr, type ResultLayout, type Stmt, type Type, num, ref } from "../ir.js";
import { type Binding, type ObjectValue, isObjectValue } from "./values.js";

/** What packing and unpacking need from the function being lowered. */
export interface IRWriter {
  temp(type: Type): string;
  /** A variable named after `base` (readable generated code), of `type`. */
  named(base: string, type: Type): string;
  assign(target: string, expr: Expr): Stmt;
  store(arr: string, index: Atom, value: Atom): Stmt;
  /** `for (k = 0; k < count; k++) body(k)`. */
  countedLoop(count: Atom, body: (k: Atom) => Stmt[]): Stmt;
}

/** The layout of an object about to be returned; `refuse` reports a field no layout holds. */
export function layoutOf(object: ObjectValue, refuse: (path: string, why: string) => never, path = ""): ResultLayout {
  return {
    fields: [...object.fields].map(([name, value]): [string, ResultLayout] => {
      const at = `${path}${name}`;
      if (isObjectValue(value)) return [name, layoutOf(value, refuse, `${at}.`)];
      if (value.type === "num") return [name, "num"];
      if (value.type === "arr" && !value.float32 && !value.integer) return [name, "arr"];
      const what = value.type === "arr" ? (value.float32 ? "a Float32Array" : "an integer array") : value.type === "bool" ? "a boolean" : "a string";
      return refuse(at, `field '${at}' is ${what}`);
    }),
  };
}

/** Whether two layouts hold the same fields (in any order) with the same kinds of leaves. */
export function sameFields(a: ResultLayout, b: ResultLayout): boolean {
  if (typeof a === "string" || typeof b === "string") return a === b;
  if (a.fields.length !== b.fields.length) return false;
  const other = new Map(b.fields);
  return a.fields.every(([name, layout]) => other.has(name) && sameFields(layout, other.get(name)!));
}

/** The leaves of `object` in `layout`'s order (fields looked up by name). */
export function leavesOf(object: ObjectValue, layout: ResultLayout): Binding[] {
  if (typeof layout === "string") throw new Error("gradc internal error: an object packed as a leaf");
  return layout.fields.flatMap(([name, inner]) => {
    const value = object.fields.get(name)!;
    if (typeof inner !== "string") return leavesOf(value as ObjectValue, inner);
    return [value as Binding];
  });
}

/** `offset + by`, folded while both are known. */
function advance(offset: Atom, by: Atom, w: IRWriter, out: Stmt[]): Atom {
  if (offset.k === "num" && by.k === "num") return num(offset.value + by.value);
  const t = w.temp("num");
  out.push(w.assign(t, { k: "prim", op: "add", args: [offset, by] }));
  return ref(t);
}

/** Statements that build `target` (a new array) holding `object` as `layout` packs it. */
export function packObject(object: ObjectValue, layout: ResultLayout, target: string, w: IRWriter): Stmt[] {
  const out: Stmt[] = [];
  const leaves = leavesOf(object, layout);
  const lengths = new Map<Binding, Atom>();
  let size: Atom = num(leaves.length);
  for (const leaf of leaves) {
    if (leaf.type !== "arr") continue;
    const n = w.temp("num");
    out.push(w.assign(n, { k: "len", arr: leaf.ir }));
    lengths.set(leaf, ref(n));
    size = advance(size, ref(n), w, out);
  }
  out.push(w.assign(target, { k: "newarr", size }));
  let offset: Atom = num(0);
  for (const leaf of leaves) {
    if (leaf.type === "num") {
      out.push(w.store(target, offset, ref(leaf.ir)));
      offset = advance(offset, num(1), w, out);
      continue;
    }
    const n = lengths.get(leaf)!;
    out.push(w.store(target, offset, n));
    const start = advance(offset, num(1), w, out);
    out.push(
      w.countedLoop(n, (k) => {
        const element = w.temp("num");
        const at = w.temp("num");
        return [w.assign(element, { k: "load", arr: leaf.ir, index: k }), w.assign(at, { k: "prim", op: "add", args: [start, k] }), w.store(target, ref(at), ref(element))];
      }),
    );
    offset = advance(start, n, w, out);
  }
  return out;
}

/** The object a packed array holds: numbers read into variables, arrays copied into new arrays. */
export function unpackObject(packed: string, layout: ResultLayout, w: IRWriter, base: string, out: Stmt[]): ObjectValue {
  let offset: Atom = num(0);
  const unpack = (inner: ResultLayout & object, path: string): ObjectValue => {
    const object: ObjectValue = { fields: new Map(), ofParam: false };
    for (const [name, layout] of inner.fields) {
      const variable = `${path}_${name.replace(/[^\w$]/g, "_")}`;
      if (typeof layout !== "string") {
        object.fields.set(name, unpack(layout, variable));
      } else if (layout === "num") {
        const v = w.named(variable, "num");
        out.push(w.assign(v, { k: "load", arr: packed, index: offset }));
        object.fields.set(name, { ir: v, type: "num", isConst: false });
        offset = advance(offset, num(1), w, out);
      } else {
        // The stored length carries no derivative: cut it off so that sizes stay inactive.
        const stored = w.temp("num");
        const n = w.temp("num");
        out.push(w.assign(stored, { k: "load", arr: packed, index: offset }), w.assign(n, { k: "stop", arg: ref(stored) }));
        const start = advance(offset, num(1), w, out);
        const a = w.named(variable, "arr");
        out.push(w.assign(a, { k: "newarr", size: ref(n) }));
        out.push(
          w.countedLoop(ref(n), (k) => {
            const at = w.temp("num");
            const element = w.temp("num");
            return [w.assign(at, { k: "prim", op: "add", args: [start, k] }), w.assign(element, { k: "load", arr: packed, index: ref(at) }), w.store(a, k, ref(element))];
          }),
        );
        object.fields.set(name, { ir: a, type: "arr", isConst: false });
        offset = advance(start, ref(n), w, out);
      }
    }
    return object;
  };
  if (typeof layout === "string") throw new Error("gradc internal error: a leaf unpacked as an object");
  return unpack(layout, base);
}
