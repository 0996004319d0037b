/**
 * Delta debugging for fuzz failures: shrinks a failing program while the failure persists.
 *
 * Greedy passes until nothing more can be removed: drop helpers and constants; drop chunks of
 * statements, then single statements (never a pinned one — loop counters, final returns — on
 * its own); replace an `if` by one of its branches; shorten loops; drop a loop's extra condition;
 * replace expressions by one of their same-typed operands or by a constant; drop unused
 * parameters of f and unused fields of an object parameter (its interface is printed from the
 * same shape as its argument is built from, so the two stay in step). The arguments of a call
 * making an array or object shrink too (`g(h(a))` may become `g(a)`); the frames of recursion
 * over arrays and the guards of integer array stores are frozen. Every candidate must pass
 * `validate` (well-scoped, well-typed, inside the subset — gradc's rules for array results and
 * recursion included) before the oracle runs it, so the reproducer stays a legal program of the
 * subset.
 */
import { type Expr, type ObjField, type Program, type Stmt, type Ty, clone, exprSlots, forEachExpr, indexSlots, size, statementLists, typeOf, validate, childBlocks } from "./ast.js";

export interface MinimizeOptions {
  /** Oracle calls allowed (default 800). */
  budget?: number;
}

export function minimize(program: Program, fails: (p: Program) => boolean, options: MinimizeOptions = {}): Program {
  let budget = options.budget ?? 1000;
  let best = clone(program);
  const raws = rawCount(program);
  /** Tries a candidate; keeps it if it is valid, smaller and still fails. */
  const attempt = (edit: (p: Program) => boolean): boolean => {
    if (budget <= 0) return false;
    const candidate = clone(best);
    if (!edit(candidate)) return false;
    if (validate(candidate) !== undefined) return false;
    // A bad-input program keeps its injected construct.
    if (rawCount(candidate) !== raws) return false;
    if (size(candidate) >= size(best)) return false;
    budget--;
    let ok = false;
    try {
      ok = fails(candidate);
    } catch {
      ok = false;
    }
    if (ok) best = candidate;
    return ok;
  };

  let progress = true;
  while (progress && budget > 0) {
    progress = false;

    // Helpers (last first: later helpers may call earlier ones) and constants.
    for (let i = best.helpers.length - 1; i >= 0; i--) {
      if (attempt((p) => (p.helpers.splice(i, 1), true))) progress = true;
    }
    for (let i = best.consts.length - 1; i >= 0; i--) {
      if (attempt((p) => (p.consts.splice(i, 1), true))) progress = true;
    }

    // Chunks of statements, halving the chunk size, then single statements.
    const listCount = statementLists(best).length;
    for (let li = 0; li < listCount && li < statementLists(best).length; li++) {
      let chunk = Math.max(1, Math.floor(statementLists(best)[li].length / 2));
      while (chunk >= 1) {
        for (let start = 0; start < (statementLists(best)[li]?.length ?? 0); ) {
          const removed = attempt((p) => {
            const list = statementLists(p)[li];
            const slice = list.slice(start, start + chunk);
            if (slice.length === 0 || slice.some((s) => s.pin)) return false;
            list.splice(start, chunk);
            return true;
          });
          if (removed) progress = true;
          else start += chunk;
        }
        chunk = Math.floor(chunk / 2);
      }
    }

    // Structural simplifications of statements.
    for (let li = 0; li < statementLists(best).length; li++) {
      for (let si = 0; si < (statementLists(best)[li]?.length ?? 0); si++) {
        const s = statementLists(best)[li][si];
        const edits: ((st: Stmt, list: Stmt[]) => boolean)[] = [];
        if (s.k === "if") {
          edits.push((st, list) => (st.k === "if" ? (list.splice(si, 1, ...st.then), true) : false));
          if (s.else) {
            edits.push((st, list) => (st.k === "if" && st.else ? (list.splice(si, 1, ...st.else), true) : false));
            edits.push((st) => (st.k === "if" ? ((st.else = null), true) : false));
          }
        }
        // One trip (the loop variable's range only shrinks, so index expressions stay valid).
        if (s.k === "for") edits.push((st) => (st.k === "for" && !(st.limit.k === "lit" && st.limit.v <= 1) && st.cmp === "<" ? ((st.limit = { k: "lit", v: 1 }), true) : false));
        if ((s.k === "while" || s.k === "do") && s.cond) edits.push((st) => (st.k === "while" || st.k === "do" ? ((st.cond = null), true) : false));
        if ((s.k === "while" || s.k === "do") && s.guard.k === "bin" && s.guard.b.k === "lit" && s.guard.b.v > 1) {
          edits.push((st) => ((st.k === "while" || st.k === "do") && st.guard.k === "bin" ? ((st.guard.b = { k: "lit", v: 1 }), true) : false));
        }
        for (const edit of edits) {
          if (attempt((p) => {
            const list = statementLists(p)[li];
            return list !== undefined && list[si] !== undefined && edit(list[si], list);
          })) {
            progress = true;
            break;
          }
        }
      }
    }

    // Chunks of number expressions replaced by a constant at once (later slots first, so the
    // indices of earlier ones stay put), halving the chunk size.
    {
      const numSlots = () => exprSlots(best).map((sl, k) => [sl, k] as const).filter(([sl]) => typeOf(sl.get()) === "num" && sl.get().k !== "lit").map(([, k]) => k);
      let chunk = Math.floor(numSlots().length / 2);
      while (chunk >= 2) {
        for (let start = 0; start < numSlots().length; ) {
          const chosen = numSlots().slice(start, start + chunk);
          const ok = attempt((p) => {
            const slots = exprSlots(p);
            for (const k of [...chosen].sort((a, b) => b - a)) slots[k].set({ k: "lit", v: 0.5 });
            return chosen.length > 0;
          });
          if (ok) progress = true;
          else start += chunk;
        }
        chunk = Math.floor(chunk / 2);
      }
    }

    // Array indices set to 0 (always in range).
    for (let k = 0; k < indexSlots(best).length; k++) {
      const e = indexSlots(best)[k].get();
      if (e.k === "lit") continue;
      if (attempt((p) => (indexSlots(p)[k]?.set({ k: "lit", v: 0 }), indexSlots(p)[k] !== undefined))) progress = true;
    }

    // Expressions: an operand of the same type, or a constant.
    for (let k = 0; k < exprSlots(best).length; k++) {
      const e = exprSlots(best)[k].get();
      const replacements = simpler(e);
      for (const r of replacements) {
        if (attempt((p) => {
          const slot = exprSlots(p)[k];
          if (!slot) return false;
          slot.set(clone(r));
          return true;
        })) {
          progress = true;
          break;
        }
      }
    }

    // Parameters of f that nothing reads any more (an object parameter: none of its fields),
    // keeping one with a derivative. The interface of an object parameter is printed from its
    // shape, so it goes with the parameter.
    const differentiable = (t: Ty) => t === "num" || t === "arr" || t === "f32" || t === "obj";
    for (let i = best.f.params.length - 1; i >= 0; i--) {
      const { name, ty } = best.f.params[i];
      if (differentiable(ty) && best.f.params.filter((q) => differentiable(q.ty)).length <= 1) continue;
      if (usesName(best.f.body, name)) continue;
      if (attempt((p) => (p.f.params.splice(i, 1), true))) progress = true;
    }

    // Fields of an object parameter that nothing reads (the interface and the argument both
    // follow the shape; an object keeps one field, a nested object is dropped whole).
    for (let i = best.f.params.length - 1; i >= 0; i--) {
      if (!best.f.params[i].shape) continue;
      // Fields by their path of keys, innermost last, so that removals keep earlier paths valid.
      const paths: string[][] = [];
      const collect = (fields: ObjField[], path: string[]) => fields.forEach((f) => (paths.push([...path, f.key]), f.fields && collect(f.fields, [...path, f.key])));
      collect(best.f.params[i].shape!.fields, []);
      for (const path of paths.reverse()) {
        if (usesName(best.f.body, [best.f.params[i].name, ...path].join("."))) continue;
        const edit = attempt((p) => {
          let fields = p.f.params[i]?.shape?.fields;
          for (const key of path.slice(0, -1)) fields = fields?.find((f) => f.key === key)?.fields;
          const j = fields?.findIndex((f) => f.key === path[path.length - 1]) ?? -1;
          if (!fields || j < 0 || fields.length <= 1) return false;
          fields.splice(j, 1);
          return true;
        });
        if (edit) progress = true;
      }
    }
  }
  return best;
}

/** Candidate replacements of an expression, simplest first. */
function simpler(e: Expr): Expr[] {
  const ty = typeOf(e);
  const out: Expr[] = [];
  if (ty === "num") {
    if (!(e.k === "lit" && (e.v === 1 || e.v === 0.5))) out.push({ k: "lit", v: 0.5 });
  } else if (ty === "bool") {
    if (e.k !== "blit") out.push({ k: "blit", v: true }, { k: "blit", v: false });
  }
  const children: Expr[] = [];
  switch (e.k) {
    case "neg":
    case "not":
    case "sq":
      children.push(e.a);
      break;
    case "bin":
      children.push(e.a, e.b);
      break;
    case "math":
    case "call":
      children.push(...e.args);
      break;
    case "cond":
      children.push(e.a, e.b);
      break;
  }
  for (const c of children) if (typeOf(c) === ty) out.push(c);
  return out;
}

function rawCount(p: Program): number {
  let n = 0;
  for (const list of statementLists(p)) for (const s of list) if (s.k === "raw") n++;
  forEachExpr(p.f.body, (e) => e.k === "raw" && n++);
  return n;
}

/** Whether `name` — or, for an object, one of its fields `name.…` — is used. */
function usesName(stmts: Stmt[], name: string): boolean {
  let used = false;
  const is = (n: string) => n === name || n.startsWith(`${name}.`);
  forEachExpr(stmts, (e) => {
    if ((e.k === "ref" && is(e.name)) || ((e.k === "len" || e.k === "load") && is(e.arr))) used = true;
  });
  const lv = (list: Stmt[]): void => {
    for (const s of list) {
      if ((s.k === "assign" || s.k === "incdec") && ((s.target.k === "var" && is(s.target.name)) || (s.target.k === "elem" && is(s.target.arr)))) used = true;
      if (s.k === "forof" && is(s.arr)) used = true;
      if (s.k === "raw" && new RegExp(`\\b${name}\\b`).test(s.text)) used = true;
      for (const block of childBlocks(s)) lv(block);
    }
  };
  lv(stmts);
  return used;
}
