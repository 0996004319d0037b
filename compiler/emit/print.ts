/**
 * Printing generated functions as readable TypeScript: one operation per line, names taken from
 * the source (`a`, `a_dot`, `a_bar`), and a comment naming the source line each block comes from.
 */
import { assertNever, type Atom, type GExpr, type GFn, type GStmt, type SaveStack, type SourceLoc, type Term, type Type, TS_TYPE_NAME } from "../ir.js";
import { PRIMITIVES, type Spelling } from "../primitives.js";

/** The module-level object generated code shares: output slots and the reverse-mode stack. */
export const SUPPORT_NAME = "$gradc";

/** Numbers the allocation sites of one module whose arrays are reused from call to call. */
export interface BufferSites {
  next: number;
}

export function printFunction(fn: GFn, sites: BufferSites): string {
  const printer = new FunctionPrinter(fn, sites);
  return printer.print();
}

/**
 * Numbers and booleans start as 0 and false rather than undefined: a variable that may hold
 * undefined (a value saved before its first assignment) makes V8 keep it boxed, and a hot loop
 * then allocates a heap number per update.
 */
const INITIAL: Record<Type, string | undefined> = { num: "0", bool: "false", arr: undefined, str: '""' };
/** The support object's methods for each save stack (support.ts). */
const PUSH: Record<SaveStack, string> = { active: "push", inactive: "pushInactive" };
const POP: Record<SaveStack, string> = { active: "pop", inactive: "popInactive" };
/** A popped value as its variable's type: booleans are saved as 0/1, strings as themselves. */
const POP_AS: Record<Type, string> = { num: "", bool: " !== 0", arr: "", str: " as unknown as string" };

class FunctionPrinter {
  private readonly lines: string[] = [];
  private readonly constants = new Set<string>();
  private readonly params: Set<string>;

  constructor(
    private readonly fn: GFn,
    private readonly sites: BufferSites,
  ) {
    this.params = new Set(fn.params.map((p) => p.name));
    // A variable assigned once, at the top level of the body, is declared `const` where it is defined.
    const defs = new Map<string, number>();
    const countDefs = (stmts: GStmt[]) => {
      for (const s of stmts) {
        if (s.k === "assign" || s.k === "accum") defs.set(s.target, (defs.get(s.target) ?? 0) + 1);
        if (s.k === "if") (countDefs(s.then), countDefs(s.else));
        if (s.k === "loop") (countDefs(s.test), countDefs(s.body));
        if (s.k === "countdown") (defs.set(s.counter, 99), countDefs(s.body));
      }
    };
    countDefs(fn.body);
    // So is an adjoint accumulated exactly once, at the top level: `const a_bar = …` reads best.
    for (const s of fn.body) {
      if (defs.get(s.k === "assign" || s.k === "accum" ? s.target : "") !== 1 || this.params.has((s as { target: string }).target)) continue;
      if (s.k === "assign" && !fn.vars.get(s.target)?.zero) this.constants.add(s.target);
      if (s.k === "accum") this.constants.add(s.target);
    }
    this.counters = new Set<string>();
    const collectCounters = (stmts: GStmt[]) => {
      for (const s of stmts) {
        if (s.k === "countdown") (this.counters.add(s.counter), collectCounters(s.body));
        if (s.k === "if") (collectCounters(s.then), collectCounters(s.else));
        if (s.k === "loop") (collectCounters(s.test), collectCounters(s.body));
      }
    };
    collectCounters(fn.body);
  }

  private readonly counters: Set<string>;

  print(): string {
    const fn = this.fn;
    const params = fn.params.map((p) => `${p.name}: ${TS_TYPE_NAME[p.type]}`).join(", ");
    this.lines.push(`/** ${fn.doc} */`);
    this.lines.push(`function ${fn.name}(${params}): ${TS_TYPE_NAME[fn.returns]} {`);
    const declared = [...fn.vars].filter(([name]) => !this.params.has(name) && !this.constants.has(name) && !this.counters.has(name));
    const zeros = declared.filter(([, v]) => v.zero).map(([name]) => `${name} = 0`);
    const others = declared.filter(([, v]) => !v.zero).map(([name, v]) => (INITIAL[v.type] ? `${name} = ${INITIAL[v.type]}` : `${name}: ${TS_TYPE_NAME[v.type]}`));
    for (const group of chunk([...others, ...zeros], 6)) this.lines.push(`  let ${group.join(", ")};`);
    this.block(fn.body, 1, { last: undefined });
    this.lines.push("}");
    return this.lines.join("\n");
  }

  private block(stmts: GStmt[], depth: number, comment: { last: SourceLoc | undefined }): void {
    const pad = "  ".repeat(depth);
    for (const s of stmts) {
      const loc = "loc" in s ? s.loc : undefined;
      if (loc && (!comment.last || comment.last.line !== loc.line || comment.last.file !== loc.file)) {
        this.lines.push(`${pad}// line ${loc.line}: ${loc.text}`);
        comment.last = loc;
      }
      switch (s.k) {
        case "assign": {
          const decl = this.constants.has(s.target) ? "const " : "";
          // An array allocated once per call (not in a loop or branch) reuses a buffer kept
          // from the previous call, zeroed: generated code allocates nothing in steady state.
          const value =
            s.expr.k === "newarr" && !s.expr.kind && depth === 1 && !this.fn.reentrant
              ? `${SUPPORT_NAME}.buffer(${this.sites.next++}, ${atom(s.expr.size)})`
              : this.expr(s.expr, s.target);
          this.lines.push(`${pad}${decl}${s.target} = ${value};`);
          break;
        }
        case "accum":
          if (this.constants.has(s.target)) this.lines.push(`${pad}const ${s.target} = ${this.terms(s.terms)};`);
          else if (s.terms.length === 1 && s.terms[0].coef.k === "num" && s.terms[0].coef.value === -1) this.lines.push(`${pad}${s.target} -= ${atom(s.terms[0].value)};`);
          else this.lines.push(`${pad}${s.target} += ${this.terms(s.terms)};`);
          break;
        case "store":
          this.lines.push(`${pad}${s.arr}[${atom(s.index)}] = ${atom(s.value)};`);
          break;
        case "accumElem":
          this.lines.push(`${pad}${s.arr}[${atom(s.index)}] += ${this.terms(s.terms)};`);
          break;
        case "push": {
          const isBool = s.value.k === "var" && this.fn.vars.get(s.value.name)?.type === "bool";
          this.lines.push(`${pad}${SUPPORT_NAME}.${PUSH[s.stack]}(${atom(s.value)}${isBool ? " ? 1 : 0" : ""});`);
          break;
        }
        case "pushArray":
          this.lines.push(`${pad}${SUPPORT_NAME}.pushArray(${s.arr});`);
          break;
        case "effect":
          this.lines.push(`${pad}${s.fn}(${s.args.map(atom).join(", ")});`);
          break;
        case "if": {
          const inner = { last: comment.last };
          if (s.then.length === 0) {
            this.lines.push(`${pad}if (!${atom(s.cond)}) {`);
            this.block(s.else, depth + 1, inner);
          } else {
            this.lines.push(`${pad}if (${atom(s.cond)}) {`);
            this.block(s.then, depth + 1, inner);
            if (s.else.length > 0) {
              this.lines.push(`${pad}} else {`);
              this.block(s.else, depth + 1, { last: comment.last });
            }
          }
          this.lines.push(`${pad}}`);
          break;
        }
        case "loop": {
          const inner = { last: comment.last };
          if (s.postTest) {
            this.lines.push(`${pad}do {`);
            this.block(s.body, depth + 1, inner);
            this.block(s.test, depth + 1, inner);
            this.lines.push(`${pad}} while (${atom(s.cond)});`);
          } else if (s.test.length === 0) {
            this.lines.push(`${pad}while (${atom(s.cond)}) {`);
            this.block(s.body, depth + 1, inner);
            this.lines.push(`${pad}}`);
          } else {
            this.lines.push(`${pad}while (true) {`);
            this.block(s.test, depth + 1, inner);
            this.lines.push(`${pad}  if (!${atom(s.cond)}) break;`);
            this.block(s.body, depth + 1, inner);
            this.lines.push(`${pad}}`);
          }
          break;
        }
        case "countdown": {
          const guard = s.unlessAllZero;
          const inner = guard ? `${pad}  ` : pad;
          if (guard) this.lines.push(`${pad}if (${guard.map((v) => `${v} !== 0`).join(" || ")}) {`);
          this.lines.push(`${inner}for (let ${s.counter} = ${atom(s.count)} - 1; ${s.counter} >= 0; ${s.counter}--) {`);
          this.block(s.body, depth + (guard ? 2 : 1), { last: comment.last });
          this.lines.push(`${inner}}`);
          if (guard) this.lines.push(`${pad}}`);
          break;
        }
        case "setOut":
          this.lines.push(`${pad}${SUPPORT_NAME}.${s.slot === "adjoint" ? `adjoint[${s.index}]` : s.slot} = ${atom(s.value)};`);
          break;
        case "return":
          this.lines.push(`${pad}return ${atom(s.value)};`);
          break;
        case "comment":
          this.lines.push(`${pad}// ${s.text}`);
          comment.last = undefined;
          break;
        default:
          assertNever(s);
      }
    }
  }

  private expr(e: GExpr, target: string): string {
    switch (e.k) {
      case "prim": {
        return spell(PRIMITIVES[e.op].spelling, e.args.map(atom), `${SUPPORT_NAME}.`);
      }
      case "copy":
      case "stop":
        return atom(e.arg);
      case "cmp":
        return `${atom(e.args[0])} ${e.op} ${atom(e.args[1])}`;
      case "not":
        return `!${atom(e.arg)}`;
      case "call":
        return `${e.fn}(${e.args.map(atom).join(", ")})`;
      case "load":
        return `${e.arr}[${atom(e.index)}]`;
      case "len":
        return `${e.arr}.length`;
      case "newarr":
        return `new ${e.kind ?? "Float64Array"}(${atom(e.size)})`;
      case "popArray":
        return `${SUPPORT_NAME}.popArray()`;
      case "pop":
        return `${SUPPORT_NAME}.${POP[e.stack]}()${POP_AS[this.fn.vars.get(target)?.type ?? "num"]}`;
      case "lin":
        return this.terms(e.terms);
      case "out":
        return e.slot === "tangent" ? `${SUPPORT_NAME}.tangent` : `${SUPPORT_NAME}.adjoint[${e.index}]`;
    }
  }

  /** Σ coef·value, with unit coefficients written as plain sums and differences. */
  private terms(terms: Term[]): string {
    if (terms.length === 0) return "0";
    return terms
      .map((t, i) => {
        const negative = t.coef.k === "num" && t.coef.value === -1;
        const unit = t.coef.k === "num" && (t.coef.value === 1 || negative);
        const product = t.zeroSafe ? `(${atom(t.value)} === 0 ? 0 : ${atom(t.value)} * ${atom(t.coef)})` : `${atom(t.value)} * ${atom(t.coef)}`;
        const text = unit ? atom(t.value) : product;
        if (i === 0) return negative ? `-${text}` : text;
        return negative ? ` - ${text}` : ` + ${text}`;
      })
      .join("");
  }
}

export function atom(a: Atom): string {
  if (a.k === "var") return a.name;
  if (a.k === "bool") return String(a.value);
  if (a.k === "str") return JSON.stringify(a.value);
  if (Object.is(a.value, -0)) return "(-0)";
  if (a.value < 0) return `(${a.value})`;
  return String(a.value);
}

function chunk<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A primitive applied to printed operands, as its record spells it; helpers are methods of `helperOwner`. */
export function spell(spelling: Spelling, args: string[], helperOwner: string): string {
  if ("call" in spelling) return `${spelling.call}(${args.join(", ")})`;
  if ("helper" in spelling) return `${helperOwner}${spelling.helper.name}(${args.join(", ")})`;
  if ("comparison" in spelling) return `${args[0]} ${spelling.comparison} ${args[1]} ? 1 : 0`;
  return args.length === 1 ? `${spelling.infix}${args[0]}` : `${args[0]} ${spelling.infix} ${args[1]}`;
}
