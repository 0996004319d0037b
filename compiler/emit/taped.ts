/**
 * The tape-engine form of a function: the same lowered code, with every number a node of the
 * runtime's tape (runtime/tape.ts) and every primitive recorded there as it runs. Control flow
 * reads node values; arrays hold nodes. `grad(f, { engine: "tape" })` runs this and walks the
 * tape backwards — the interpreted counterpart of the compiled reverse function.
 */
import type { Atom, Expr, FnIR, Stmt } from "../ir.js";
import type { WrapperSpec } from "./wrappers.js";

export const TAPE_NAME = "$tape";

export function printTapedFunction(fn: FnIR, taped: (fn: string) => string): string {
  const ts = { num: "number", bool: "boolean", arr: "Float64Array" } as const;
  const params = new Set(fn.params.map((p) => p.name));
  const lines: string[] = [];
  lines.push(`/** ${fn.sourceName} on the tape engine: numbers are tape nodes, each primitive is recorded */`);
  lines.push(`function ${taped(fn.name)}(${fn.params.map((p) => `${p.name}: ${ts[p.type]}`).join(", ")}): number {`);
  const locals = [...fn.vars].filter(([name]) => !params.has(name));
  for (let i = 0; i < locals.length; i += 6) {
    lines.push(`  let ${locals.slice(i, i + 6).map(([name, type]) => `${name}: ${ts[type]}`).join(", ")};`);
  }
  const node = (a: Atom): string => (a.k === "var" ? a.name : a.k === "bool" ? String(a.value) : `${TAPE_NAME}.constant(${a.value})`);
  const value = (a: Atom): string => (a.k === "num" ? String(a.value) : `${TAPE_NAME}.value(${node(a)})`);
  /** A comparison operand: the number a node holds, or a boolean as it is. */
  const plain = (a: Atom): string => (a.k === "num" || (a.k === "var" && fn.vars.get(a.name) === "num") ? value(a) : node(a));
  const expr = (e: Expr): string => {
    switch (e.k) {
      case "prim":
        return `${TAPE_NAME}.apply("${e.op}", ${e.args.map(node).join(", ")})`;
      case "copy":
        return node(e.arg);
      case "stop":
        return e.arg.k === "var" && fn.vars.get(e.arg.name) === "num" ? `${TAPE_NAME}.constant(${value(e.arg)})` : node(e.arg);
      case "cmp":
        return `${plain(e.args[0])} ${e.op} ${plain(e.args[1])}`;
      case "not":
        return `!${node(e.arg)}`;
      case "call":
        return `${taped(e.fn)}(${e.args.map(node).join(", ")})`;
      case "load":
        return `${e.arr}[${value(e.index)}]`;
      case "len":
        return `${TAPE_NAME}.constant(${e.arr}.length)`;
      case "newarr":
        return `${TAPE_NAME}.zeros(${value(e.size)})`;
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
          lines.push(`${pad}${s.target} = ${expr(s.expr)};`);
          break;
        case "store":
          lines.push(`${pad}${s.arr}[${value(s.index)}] = ${node(s.value)};`);
          break;
        case "effect":
          lines.push(`${pad}${taped(s.fn)}(${s.args.map(node).join(", ")});`);
          break;
        case "if":
          lines.push(`${pad}if (${node(s.cond)}) {`);
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
            lines.push(`${pad}} while (${node(s.cond)});`);
          } else {
            lines.push(`${pad}while (true) {`);
            block(s.test, pad + "  ");
            lines.push(`${pad}  if (!${node(s.cond)}) break;`);
            block(s.body, pad + "  ");
            block(s.update, pad + "  ");
            lines.push(`${pad}}`);
          }
          break;
      }
    }
  };
  block(fn.body, "  ");
  lines.push(`  return ${node({ k: "var", name: fn.result })};`);
  lines.push("}");
  return lines.join("\n");
}

/** grad / valueAndGrad / vjp / jvp / valueAndGradInto of a function, computed on the tape. */
export function printTapeWrapper(w: WrapperSpec, tapedName: string): string {
  const { fn } = w;
  const ts = { num: "number", bool: "boolean", arr: "Float64Array" } as const;
  const taken = new Set(fn.params.map((p) => p.name));
  const local = (base: string) => (taken.has(base) ? `$${base}` : base);
  const nodeOf = (name: string) => local(`${name}_node`);
  const params = fn.params.map((p) => `${p.name}: ${ts[p.type]}`).join(", ");
  const exp = w.exported ? "export " : "";
  const record = (args: string[]) => [
    `  ${TAPE_NAME}.reset();`,
    ...fn.params.map((p, i) =>
      p.type === "bool"
        ? `  const ${nodeOf(p.name)} = ${args[i]};`
        : p.type === "arr"
          ? `  const ${nodeOf(p.name)} = ${TAPE_NAME}.variables(${args[i]});`
          : `  const ${nodeOf(p.name)} = ${TAPE_NAME}.variable(${args[i]});`,
    ),
    // Arrays go in as copies: f may write into them, and the leaves are read back afterwards.
    `  const output = ${tapedName}(${fn.params.map((p) => (p.type === "arr" ? `Float64Array.from(${nodeOf(p.name)})` : nodeOf(p.name))).join(", ")});`,
  ];
  const wrtParams = w.wrt.map((i) => fn.params[i]);
  const gradient = (p: (typeof fn.params)[number]) =>
    p.type === "bool" ? "0" : p.type === "arr" ? `${TAPE_NAME}.adjointsOf(${nodeOf(p.name)})` : `${TAPE_NAME}.adjoint(${nodeOf(p.name)})`;
  const gradValue = w.single ? gradient(wrtParams[0]) : `[${wrtParams.map(gradient).join(", ")}]`;
  const title = `${w.kind}(${fn.sourceName}, { engine: "tape" })`;
  const names = fn.params.map((p) => p.name);
  switch (w.kind) {
    case "grad":
      return [`/** ${title} */`, `${exp}function ${w.name}(${params}) {`, ...record(names), `  ${TAPE_NAME}.backward(output);`, `  return ${gradValue};`, `}`].join("\n");
    case "valueAndGrad":
      return [`/** ${title} */`, `${exp}function ${w.name}(${params}) {`, ...record(names), `  ${TAPE_NAME}.backward(output);`, `  return [${TAPE_NAME}.value(output), ${gradValue}];`, `}`].join("\n");
    case "valueAndGradInto": {
      const grads = local("grads");
      const outs = wrtParams.map((p, k) =>
        p.type === "arr" ? `  ${grads}[${k}].set(${gradient(p)});` : `  ${grads}[${k}][0] = ${gradient(p)};`,
      );
      return [`/** ${title} */`, `${exp}function ${w.name}(${grads}: ArrayLike<Float64Array>, ${params}): number {`, ...record(names), `  ${TAPE_NAME}.backward(output);`, ...outs, `  return ${TAPE_NAME}.value(output);`, `}`].join("\n");
    }
    case "vjp": {
      const saved = fn.params.map((p) => (p.type === "arr" ? `Float64Array.from(${p.name})` : p.name));
      return [
        `/** ${title} */`,
        `${exp}function ${w.name}(${params}) {`,
        ...fn.params.filter((p) => p.type === "arr").map((p) => `  const ${local(`${p.name}_saved`)} = Float64Array.from(${p.name});`),
        ...record(saved.map((s, i) => (fn.params[i].type === "arr" ? local(`${fn.params[i].name}_saved`) : s))).map((l) => l.replace(/^  /, "  ")),
        `  const value = ${TAPE_NAME}.value(output);`,
        `  return [value, (cotangent: number) => {`,
        ...record(fn.params.map((p) => (p.type === "arr" ? `Float64Array.from(${local(`${p.name}_saved`)})` : p.name))).map((l) => "  " + l),
        `    ${TAPE_NAME}.backward(output, cotangent);`,
        `    return ${gradValue};`,
        `  }];`,
        `}`,
      ].join("\n");
    }
    case "jvp": {
      // The tape is reverse mode: the directional derivative is the gradient dotted with the tangents.
      const n = fn.params.length;
      const dots = fn.params.map((p, i) =>
        p.type === "bool" ? "" : p.type === "arr" ? `  for (let j = 0; j < ${nodeOf(p.name)}.length; j++) tangent += ${TAPE_NAME}.adjoint(${nodeOf(p.name)}[j]) * (tangents[${i}] as Float64Array)[j];` : `  tangent += ${TAPE_NAME}.adjoint(${nodeOf(p.name)}) * (tangents[${i}] as number);`,
      );
      return [
        `/** ${title}: the gradient on the tape, dotted with the tangents */`,
        `${exp}function ${w.name}(primals: ArrayLike<unknown>, tangents: ArrayLike<unknown>): [number, number] {`,
        `  if (primals.length !== ${n} || tangents.length !== ${n}) throw new TypeError("jvp(${fn.sourceName}) expects ${n} primals and ${n} tangents");`,
        ...record(fn.params.map((p, i) => `primals[${i}] as ${ts[p.type]}`)),
        `  ${TAPE_NAME}.backward(output);`,
        `  let tangent = 0;`,
        ...dots.filter(Boolean),
        `  return [${TAPE_NAME}.value(output), tangent];`,
        `}`,
      ].join("\n");
    }
  }
}
