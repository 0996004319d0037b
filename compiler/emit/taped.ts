/**
 * The tape-engine form of a function: the same lowered code, with every active number a node of
 * the runtime's tape (runtime/tape.ts) and every primitive on active values recorded there as it
 * runs. Values that do not depend on the differentiated inputs (index arithmetic, sizes, flags)
 * stay plain numbers, as a tape library's users keep them; control flow reads node values.
 * `grad(f, { engine: "tape" })` runs this and walks the tape backwards — the interpreted
 * counterpart of the compiled reverse function.
 */
import { assertNever, type Atom, type Expr, type FnIR, type Param, type PrimOp, type Stmt, TS_TYPE_NAME, isDifferentiableParam, writtenParams } from "../ir.js";
import { type Partial, PRIMITIVES } from "../primitives.js";
import type { WrapperSpec } from "./wrappers.js";
import { atom, spell } from "./print.js";

export const TAPE_NAME = "$tape";

/**
 * `nodes`: the variables (parameters included) held as tape nodes — the active ones. Helpers are
 * printed with every number and array parameter a node, so callers convert plain arguments.
 */
export function printTapedFunction(fn: FnIR, name: string, taped: (callee: string) => string, calleeParams: (callee: string) => Param[], nodes: Set<string>): string {
  const params = new Set(fn.params.map((p) => p.name));
  const lines: string[] = [];
  lines.push(`/** ${fn.sourceName} on the tape engine: active numbers are tape nodes, their primitives recorded */`);
  lines.push(`function ${name}(${fn.params.map((p) => `${p.name}: ${TS_TYPE_NAME[p.type]}`).join(", ")}): ${fn.resultType === "arr" ? "Float64Array" : "number"} {`);
  const locals = [...fn.vars].filter(([name]) => !params.has(name));
  for (let i = 0; i < locals.length; i += 6) {
    lines.push(`  let ${locals.slice(i, i + 6).map(([name, type]) => `${name}: ${TS_TYPE_NAME[type]}`).join(", ")};`);
  }
  const isNode = (a: Atom) => a.k === "var" && nodes.has(a.name);
  /** The operand as a tape node (plain values become constant nodes). */
  const node = (a: Atom): string => (isNode(a) ? (a as { name: string }).name : a.k === "bool" ? String(a.value) : `${TAPE_NAME}.constant(${plain(a)})`);
  /** The operand as a plain value (nodes are read). */
  const plain = (a: Atom): string => (isNode(a) ? `${TAPE_NAME}.value(${(a as { name: string }).name})` : atom(a));
  const arrayNodes = (name: string) => (nodes.has(name) ? name : `${TAPE_NAME}.constants(${name})`);
  // Helpers take every number and float array as nodes; booleans, strings and integer arrays stay plain values.
  const callArgs = (callee: string, args: Atom[]) => {
    const params = calleeParams(callee);
    return args.map((a, i) => (!isDifferentiableParam(params[i]) ? plain(a) : a.k === "var" && fn.vars.get(a.name) === "arr" ? arrayNodes(a.name) : node(a)));
  };
  const expr = (e: Expr, active: boolean): string => {
    switch (e.k) {
      case "prim":
        return active ? `${TAPE_NAME}.apply("${e.op}", ${e.args.map(node).join(", ")})` : plainPrim(e.op, e.args.map(plain));
      case "copy":
        return active ? node(e.arg) : plain(e.arg);
      case "stop":
        return active ? `${TAPE_NAME}.constant(${plain(e.arg)})` : plain(e.arg);
      case "cmp":
        return `${plain(e.args[0])} ${e.op} ${plain(e.args[1])}`;
      case "not":
        return `!${plain(e.arg)}`;
      case "call": {
        const call = `${taped(e.fn)}(${callArgs(e.fn, e.args).join(", ")})`;
        return active ? call : `${TAPE_NAME}.value(${call})`;
      }
      case "load": {
        const element = `${e.arr}[${plain(e.index)}]`;
        if (active === nodes.has(e.arr)) return element;
        return active ? `${TAPE_NAME}.constant(${element})` : `${TAPE_NAME}.value(${element})`;
      }
      case "len":
        return active ? `${TAPE_NAME}.constant(${e.arr}.length)` : `${e.arr}.length`;
      case "newarr":
        return active ? `${TAPE_NAME}.zeros(${plain(e.size)})` : `new ${e.kind ?? "Float64Array"}(${plain(e.size)})`;
    }
  };
  let lastLine = -1;
  const block = (stmts: Stmt[], pad: string): void => {
    for (const s of stmts) {
      if (s.loc.line !== lastLine) {
        lines.push(`${pad}// line ${s.loc.line}: ${s.loc.text}`);
        lastLine = s.loc.line;
      }
      switch (s.k) {
        case "assign":
          lines.push(`${pad}${s.target} = ${expr(s.expr, nodes.has(s.target))};`);
          break;
        case "store":
          lines.push(`${pad}${s.arr}[${plain(s.index)}] = ${nodes.has(s.arr) ? node(s.value) : plain(s.value)};`);
          break;
        case "effect":
          lines.push(`${pad}${taped(s.fn)}(${callArgs(s.fn, s.args).join(", ")});`);
          break;
        case "if":
          lines.push(`${pad}if (${plain(s.cond)}) {`);
          block(s.then, pad + "  ");
          if (s.else.length > 0) {
            lines.push(`${pad}} else {`);
            block(s.else, pad + "  ");
          }
          lines.push(`${pad}}`);
          break;
        case "loop":
          block(s.init, pad);
          if (s.postTest) {
            lines.push(`${pad}do {`);
            block(s.body, pad + "  ");
            block(s.update, pad + "  ");
            block(s.test, pad + "  ");
            lines.push(`${pad}} while (${plain(s.cond)});`);
          } else {
            lines.push(`${pad}while (true) {`);
            block(s.test, pad + "  ");
            lines.push(`${pad}  if (!${plain(s.cond)}) break;`);
            block(s.body, pad + "  ");
            block(s.update, pad + "  ");
            lines.push(`${pad}}`);
          }
          break;
        default:
          assertNever(s);
      }
    }
  };
  block(fn.body, "  ");
  lines.push(`  return ${fn.resultType === "arr" ? arrayNodes(fn.result) : node({ k: "var", name: fn.result })};`);
  lines.push("}");
  return lines.join("\n");
}

/** A primitive on plain values, spelled in taped code. */
function plainPrim(op: PrimOp, args: string[]): string {
  const spelling = PRIMITIVES[op].spelling;
  // The tape engine evaluates the support object's helpers itself: taped code has no support object.
  if ("helper" in spelling) return `${TAPE_NAME}.evaluate("${op}", ${args.join(", ")})`;
  return "comparison" in spelling ? `(${spell(spelling, args, "")})` : spell(spelling, args, "");
}

/**
 * A function with its own rule (defineRule) on the tape engine: its value from its primal clone,
 * recorded as one node whose partials are the rule's, evaluated at the point.
 */
export function printTapedRuleFunction(fn: FnIR, name: string, primalName: string): string {
  const taken = new Set(fn.vars.keys());
  const fresh = (base: string) => {
    let n = base;
    for (let i = 2; taken.has(n); i++) n = `${base}${i}`;
    taken.add(n);
    return n;
  };
  const values = fn.params.map((p) => fresh(`${p.name}_value`));
  const value = fresh("value");
  const spellPartial = (p: Partial): string => {
    switch (p.k) {
      case "arg":
        return values[p.index];
      case "result":
        return value;
      case "const":
        return atom({ k: "num", value: p.value });
      case "op":
        return `(${plainPrim(p.op, p.args.map(spellPartial))})`;
    }
  };
  return [
    `/** ${fn.sourceName} on the tape engine, by its rule (defineRule): one node whose partials are the rule's */`,
    `function ${name}(${fn.params.map((p) => `${p.name}: number`).join(", ")}): number {`,
    ...fn.params.map((p, i) => `  const ${values[i]} = ${TAPE_NAME}.value(${p.name});`),
    `  const ${value} = ${primalName}(${values.join(", ")});`,
    `  return ${TAPE_NAME}.custom(${value}, [${fn.params.map((p) => p.name).join(", ")}], [${fn.rule!.partials.map(spellPartial).join(", ")}]);`,
    `}`,
  ].join("\n");
}

/** grad / valueAndGrad / vjp / jvp / valueAndGradInto of a function, computed on the tape. */
export function printTapeWrapper(w: WrapperSpec, tapedName: string, nodes: Set<string>): string {
  const { fn } = w;
  const taken = new Set(fn.params.map((p) => p.name));
  const local = (base: string) => (taken.has(base) ? `$${base}` : base);
  const nodeOf = (name: string) => local(`${name}_node`);
  const output = local("output");
  const value = local("value");
  const params = fn.params.map((p) => `${p.name}: ${TS_TYPE_NAME[p.type]}`).join(", ");
  const exp = w.exported ? "export " : "";
  // Parameters the result depends on become leaves of the tape; the others go in as they are.
  // Leaf arrays go in as copies: f may write into them, and the leaves are read back afterwards.
  // `callerArrays`: what f wrote into a leaf array's copy goes into the caller's array, so that
  // every API runs f on the caller's arrays as the compiled engine does (vjp's pullback, which
  // records f a second time, does not write back).
  const leafArrays = fn.params.filter((p) => p.type === "arr" && nodes.has(p.name));
  const writtenLeafArrays = writtenParams(fn).filter((p) => leafArrays.includes(p));
  const runOf = (name: string) => local(`${name}_run`);
  const record = (args: string[], callerArrays?: string[]) => [
    `  ${TAPE_NAME}.reset();`,
    ...fn.params.map((p, i) =>
      !nodes.has(p.name)
        ? `  const ${nodeOf(p.name)} = ${args[i]};`
        : p.type === "arr"
          ? `  const ${nodeOf(p.name)} = ${TAPE_NAME}.variables(${args[i]});`
          : `  const ${nodeOf(p.name)} = ${TAPE_NAME}.variable(${args[i]});`,
    ),
    ...leafArrays.map((p) => `  const ${runOf(p.name)} = Float64Array.from(${nodeOf(p.name)});`),
    `  const ${output} = ${tapedName}(${fn.params.map((p) => (leafArrays.includes(p) ? runOf(p.name) : nodeOf(p.name))).join(", ")});`,
    ...(callerArrays ? writtenLeafArrays.map((p) => `  ${TAPE_NAME}.writeValues(${runOf(p.name)}, ${callerArrays[fn.params.indexOf(p)]});`) : []),
  ];
  const wrtParams = w.wrt.map((i) => fn.params[i]);
  const gradient = (p: (typeof fn.params)[number]) =>
    !nodes.has(p.name)
      ? p.type === "arr" && isDifferentiableParam(p)
        ? `new ${p.float32 ? "Float32Array" : "Float64Array"}(${p.name}.length)`
        : "0"
      : p.type === "arr"
        ? p.float32
          ? `Float32Array.from(${TAPE_NAME}.adjointsOf(${nodeOf(p.name)}))`
          : `${TAPE_NAME}.adjointsOf(${nodeOf(p.name)})`
        : `${TAPE_NAME}.adjoint(${nodeOf(p.name)})`;
  const gradValue = w.single ? gradient(wrtParams[0]) : `[${wrtParams.map(gradient).join(", ")}]`;
  const title = `${w.kind}(${fn.sourceName}, { engine: "tape" })`;
  const arrayResult = fn.resultType === "arr";
  const names = fn.params.map((p) => p.name);
  switch (w.kind) {
    case "grad":
      return [`/** ${title} */`, `${exp}function ${w.name}(${params}) {`, ...record(names, names), `  ${TAPE_NAME}.backward(${output});`, `  return ${gradValue};`, `}`].join("\n");
    case "valueAndGrad":
      return [`/** ${title} */`, `${exp}function ${w.name}(${params}) {`, ...record(names, names), `  ${TAPE_NAME}.backward(${output});`, `  return [${TAPE_NAME}.value(${output}), ${gradValue}];`, `}`].join("\n");
    case "valueAndGradInto": {
      const grads = local("grads");
      const outs = wrtParams.map((p, k) =>
        p.type === "arr" ? `  ${grads}[${k}].set(${gradient(p)});` : `  ${grads}[${k}][0] = ${gradient(p)};`,
      );
      return [`/** ${title} */`, `${exp}function ${w.name}(${grads}: ArrayLike<Float64Array>, ${params}): number {`, ...record(names, names), `  ${TAPE_NAME}.backward(${output});`, ...outs, `  return ${TAPE_NAME}.value(${output});`, `}`].join("\n");
    }
    case "vjp": {
      // slice() keeps each array's kind (an Int32Array copy still truncates what is stored in it).
      return [
        `/** ${title} */`,
        `${exp}function ${w.name}(${params}) {`,
        ...fn.params.filter((p) => p.type === "arr").map((p) => `  const ${local(`${p.name}_saved`)} = ${p.name}.slice();`),
        // The value runs on the caller's arrays, as f would (leaves are read from the copies);
        // the copies stay as they were for the pullback, which records f again from them.
        ...record(
          fn.params.map((p) => (leafArrays.includes(p) ? local(`${p.name}_saved`) : p.name)),
          fn.params.map((p) => p.name),
        ),
        `  const ${value} = ${arrayResult ? `${TAPE_NAME}.valuesOf(${output})` : `${TAPE_NAME}.value(${output})`};`,
        `  return [${value}, (cotangent: ${arrayResult ? "ArrayLike<number>" : "number"}) => {`,
        ...(arrayResult ? [`    if (cotangent.length !== ${value}.length) throw new RangeError(\`vjp(${fn.sourceName}): the cotangent has length \${cotangent.length}, the result \${${value}.length}\`);`] : []),
        ...record(fn.params.map((p) => (p.type === "arr" ? `${local(`${p.name}_saved`)}.slice()` : p.name))).map((l) => "  " + l),
        `    ${TAPE_NAME}.${arrayResult ? "backwardMany" : "backward"}(${output}, cotangent);`,
        `    return ${gradValue};`,
        `  }];`,
        `}`,
      ].join("\n");
    }
    case "jit":
      // jit is a wrapper of the wasm engine only (compiler/index.ts): the other engines run f itself.
      throw new Error("gradc internal error: jit has no wrapper on this engine");
    case "jvp": {
      // The tape is reverse mode: the directional derivative is the gradient dotted with the tangents.
      const n = fn.params.length;
      const primalArgs = fn.params.map((p, i) => `primals[${i}] as ${TS_TYPE_NAME[p.type]}`);
      const dots = fn.params.map((p, i) =>
        !nodes.has(p.name) ? "" : p.type === "arr" ? `  for (let j = 0; j < ${nodeOf(p.name)}.length; j++) tangent += ${TAPE_NAME}.adjoint(${nodeOf(p.name)}[j]) * (tangents[${i}] as Float64Array)[j];` : `  tangent += ${TAPE_NAME}.adjoint(${nodeOf(p.name)}) * (tangents[${i}] as number);`,
      );
      if (arrayResult) {
        // One backward sweep per element of the result: row i of the Jacobian, dotted with the tangents.
        return [
          `/** ${title}: each result element's gradient on the tape, dotted with the tangents */`,
          `${exp}function ${w.name}(primals: ArrayLike<unknown>, tangents: ArrayLike<unknown>): [Float64Array, Float64Array] {`,
          `  if (primals.length !== ${n} || tangents.length !== ${n}) throw new TypeError("jvp(${fn.sourceName}) expects ${n} primals and ${n} tangents");`,
          ...record(primalArgs, primalArgs),
          `  const directional = new Float64Array(${output}.length);`,
          `  for (let i = 0; i < ${output}.length; i++) {`,
          `    ${TAPE_NAME}.backward(${output}[i]);`,
          `    let tangent = 0;`,
          ...dots.filter(Boolean).map((l) => "  " + l),
          `    directional[i] = tangent;`,
          `  }`,
          `  return [${TAPE_NAME}.valuesOf(${output}), directional];`,
          `}`,
        ].join("\n");
      }
      return [
        `/** ${title}: the gradient on the tape, dotted with the tangents */`,
        `${exp}function ${w.name}(primals: ArrayLike<unknown>, tangents: ArrayLike<unknown>): [number, number] {`,
        `  if (primals.length !== ${n} || tangents.length !== ${n}) throw new TypeError("jvp(${fn.sourceName}) expects ${n} primals and ${n} tangents");`,
        ...record(primalArgs, primalArgs),
        `  ${TAPE_NAME}.backward(${output});`,
        `  let tangent = 0;`,
        ...dots.filter(Boolean),
        `  return [${TAPE_NAME}.value(${output}), tangent];`,
        `}`,
      ].join("\n");
    }
  }
}
