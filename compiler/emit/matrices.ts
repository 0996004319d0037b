/**
 * The public faces of second derivatives and Jacobians:
 *
 *   - `hvp(f)(primals, tangents)`: H(x)·v, shaped as `grad`'s result — one call of the reverse
 *     function of f's tangent program (differentiate/tangent-program.ts);
 *   - `hessian(f)(...args)`: H as `number[][]` over the `wrt` parameters flattened in order (a
 *     number one entry, an array its elements) — on generated JavaScript a loop over the basis
 *     directions calling that reverse function (printDenseHessian), on the other engines one
 *     `hvp` per direction;
 *   - `jacobian(f, { mode })(...args)`: ∂f/∂x as `number[][]`, rows the result's components (one
 *     row for a number), columns the `wrt` parameters flattened — a `jvp` per column (forward) or a
 *     `vjp` per row (reverse); "auto" picks the fewer calls for the sizes at hand.
 *
 * Otherwise the loops over basis directions are the same for every function: they live on the
 * support object (MATRIX_HELPERS), the wrappers only name the generated functions they call.
 */
import { type FnIR, type Param, TS_TYPE_NAME, isDifferentiableParam, writtenArrays, writtenParams } from "../ir.js";
import type { JacobianMode } from "../front/markers.js";
import { SUPPORT_NAME } from "./print.js";
import { tangentPosition } from "../differentiate/tangent-program.js";

export interface HvpSpec {
  name: string;
  fn: FnIR;
  /** f's parameter indices with an entry in the result (booleans, strings and integer arrays: 0). */
  wrt: number[];
  single: boolean;
  /** The reverse function of the tangent program, with respect to the wrt parameters. */
  reverseName: string;
  /** The tangent program (its parameters: each differentiable one of f followed by its tangent). */
  tangent: FnIR;
}

/** `hvp(f)`: the reverse function of f's tangent program, called once. */
export function printHvpWrapper(w: HvpSpec): string {
  const { fn, tangent } = w;
  const n = fn.params.length;
  const primal = (i: number) => `primal${i}`;
  const direction = (i: number) => `tangent${i}`;
  const bar = (i: number) => `bar${i}`;
  const written = writtenArrays(tangent.body);
  const lines: string[] = [];
  const args: string[] = [];
  let position = 0;
  fn.params.forEach((p, i) => {
    const type = TS_TYPE_NAME[p.type];
    // The reverse sweep runs f's code, which may write into its arrays: it gets copies of those.
    const copy = (name: string) => (p.type === "arr" && written.has(name) ? ".slice()" : "");
    lines.push(`  const ${primal(i)} = (primals[${i}] as ${type})${copy(tangent.params[position].name)};`);
    args.push(primal(i));
    position++;
    if (isDifferentiableParam(p)) {
      lines.push(`  const ${direction(i)} = ${p.type === "arr" ? `Float64Array.from(tangents[${i}] as ArrayLike<number>)` : `tangents[${i}] as number`};`);
      args.push(direction(i));
      position++;
    }
  });
  // The reverse function takes an adjoint buffer per differentiated array, in wrt order.
  const arrays = w.wrt.filter((i) => fn.params[i].type === "arr" && isDifferentiableParam(fn.params[i]));
  for (const i of arrays) lines.push(`  const ${bar(i)} = new Float64Array(${primal(i)}.length);`);
  // As grad's: booleans, strings and integer arrays have the entry 0; a Float32Array's is a Float32Array.
  const entry = (i: number) => {
    const p = fn.params[i];
    if (!isDifferentiableParam(p)) return "0";
    return p.type === "arr" ? (p.float32 ? `Float32Array.from(${bar(i)})` : bar(i)) : `${SUPPORT_NAME}.adjoint[${tangentPosition(fn, i)}]`;
  };
  const entryType = (p: Param) => (!isDifferentiableParam(p) ? "number" : p.type === "arr" ? (p.float32 ? "Float32Array" : "Float64Array") : "number");
  const result = w.single ? entry(w.wrt[0]) : `[${w.wrt.map(entry).join(", ")}]`;
  const resultType = w.single ? entryType(fn.params[w.wrt[0]]) : `[${w.wrt.map((i) => entryType(fn.params[i])).join(", ")}]`;
  const wrt = w.single ? `${w.wrt[0]}` : `[${w.wrt.join(", ")}]`;
  return [
    `/** hvp(${fn.sourceName}, { wrt: ${wrt} }): the Hessian of ${fn.sourceName} times the tangents, ∇ₓ(∇${fn.sourceName}(x)·v), shaped as grad's result */`,
    `function ${w.name}(primals: ArrayLike<unknown>, tangents: ArrayLike<unknown>): ${resultType} {`,
    `  if (primals.length !== ${n} || tangents.length !== ${n}) {`,
    `    throw new TypeError("hvp(${fn.sourceName}) expects ${n} primals and ${n} tangents");`,
    `  }`,
    ...lines,
    `  ${w.reverseName}(${[...args, ...arrays.map(bar), "1"].join(", ")});`,
    `  return ${result};`,
    `}`,
  ].join("\n");
}

/**
 * `hvp(f)` on the tape or wasm engine: that engine's gradient of f's tangent program with respect
 * to f's own parameters (`gradName`, a grad wrapper taking each differentiable parameter followed
 * by its tangent), on copies of the arrays (arguments are left as given).
 */
export function printHvpThroughGrad(name: string, fn: FnIR, wrt: number[], single: boolean, engine: string, gradName: string): string {
  const n = fn.params.length;
  const args = fn.params.flatMap((p, i) => {
    const primal = p.type === "arr" ? `(primals[${i}] as ${TS_TYPE_NAME.arr}).slice()` : `primals[${i}] as ${TS_TYPE_NAME[p.type]}`;
    if (!isDifferentiableParam(p)) return [primal];
    return [primal, p.type === "arr" ? `Float64Array.from(tangents[${i}] as ArrayLike<number>)` : `tangents[${i}] as number`];
  });
  const differentiable = wrt.filter((i) => isDifferentiableParam(fn.params[i]));
  const entryType = (p: Param) => (!isDifferentiableParam(p) ? "number" : p.type === "arr" ? (p.float32 ? "Float32Array" : "Float64Array") : "number");
  const resultType = single ? entryType(fn.params[wrt[0]]) : `[${wrt.map((i) => entryType(fn.params[i])).join(", ")}]`;
  // As grad's: booleans, strings and integer arrays keep their place with the entry 0.
  const entry = (i: number) => (isDifferentiableParam(fn.params[i]) ? `gradients[${differentiable.indexOf(i)}] as ${entryType(fn.params[i])}` : "0");
  const result = single ? entry(wrt[0]) : `[${wrt.map(entry).join(", ")}]`;
  return [
    `/** hvp(${fn.sourceName}, { wrt: ${single ? wrt[0] : `[${wrt.join(", ")}]`}, engine: "${engine}" }): the ${engine} engine's gradient of ${fn.sourceName}'s tangent code, ∇ₓ(∇${fn.sourceName}(x)·v) */`,
    `function ${name}(primals: ArrayLike<unknown>, tangents: ArrayLike<unknown>): ${resultType} {`,
    `  if (primals.length !== ${n} || tangents.length !== ${n}) {`,
    `    throw new TypeError("hvp(${fn.sourceName}) expects ${n} primals and ${n} tangents");`,
    `  }`,
    `  const gradients = ${gradName}(${args.join(", ")}) as unknown[];`,
    `  return ${result};`,
    `}`,
  ].join("\n");
}

/**
 * `hessian(f)` on generated JavaScript: the tangent code's reverse function once per basis
 * direction of the wrt parameters, with the tangents and adjoint buffers allocated once and each
 * row written straight from the adjoints (the hvp wrapper's allocations and the support object's
 * generic loop cost more than the reverse sweep itself for n in the hundreds).
 */
export function printDenseHessian(name: string, fn: FnIR, wrt: number[], reverseName: string, tangent: FnIR): string {
  const params = fn.params.map((p) => `${p.name}: ${p.float32 ? "Float32Array" : TS_TYPE_NAME[p.type]}`).join(", ");
  const taken = new Set(fn.params.map((p) => p.name));
  const local = (base: string) => {
    let n = base;
    for (let k = 2; taken.has(n); k++) n = `${base}${k}`;
    taken.add(n);
    return n;
  };
  const dot = new Map(fn.params.filter(isDifferentiableParam).map((p) => [p.name, local(`${p.name}_t`)]));
  const bar = new Map(wrt.filter((i) => fn.params[i].type === "arr").map((i) => [i, local(`${fn.params[i].name}_b`)]));
  const [rows, row, size, at, k, j] = ["rows", "row", "size", "at", "k", "j"].map(local);
  const written = writtenArrays(tangent.body);
  // The reverse sweep may write into the arrays f writes (and their tangents): those go in as copies.
  const args = fn.params.flatMap((p, i) => {
    const copy = (v: string, original: string) => (p.type === "arr" && written.has(original) ? `${v}.slice()` : v);
    if (!isDifferentiableParam(p)) return [copy(p.name, p.name)];
    return [copy(p.name, p.name), copy(dot.get(p.name)!, tangent.params[tangentPosition(fn, i) + 1].name)];
  });
  const call = `${reverseName}(${[...args, ...[...bar.values()], "1"].join(", ")});`;
  const entries = wrt.map((i) => (fn.params[i].type === "arr" ? `${fn.params[i].name}.length` : "1")).join(" + ");
  const fillRow = [
    `    const ${row} = new Array<number>(${size});`,
    `    let ${at} = 0;`,
    ...wrt.map((i) =>
      fn.params[i].type === "arr"
        ? `    for (let ${k} = 0; ${k} < ${bar.get(i)}.length; ${k}++) ${row}[${at}++] = ${bar.get(i)}[${k}];`
        : `    ${row}[${at}++] = ${SUPPORT_NAME}.adjoint[${tangentPosition(fn, i)}];`,
    ),
    `    ${rows}.push(${row});`,
  ];
  const direction = (i: number, seed: string) => (fn.params[i].type === "arr" ? `${dot.get(fn.params[i].name)}[${j}] = ${seed};` : `${dot.get(fn.params[i].name)} = ${seed};`);
  return [
    `/** hessian(${fn.sourceName}, { wrt: [${wrt.join(", ")}] }): row i is ∂/∂xᵢ of the gradient, over the wrt parameters flattened in order */`,
    `function ${name}(${params}): number[][] {`,
    ...fn.params.filter(isDifferentiableParam).map((p) => (p.type === "arr" ? `  const ${dot.get(p.name)} = new Float64Array(${p.name}.length);` : `  let ${dot.get(p.name)} = 0;`)),
    ...[...bar].map(([i, b]) => `  const ${b} = new Float64Array(${fn.params[i].name}.length);`),
    `  const ${size} = ${entries};`,
    `  const ${rows}: number[][] = [];`,
    ...wrt.flatMap((i) => [
      fn.params[i].type === "arr" ? `  for (let ${j} = 0; ${j} < ${fn.params[i].name}.length; ${j}++) {` : `  {`,
      `    ${direction(i, "1")}`,
      ...[...bar.values()].map((b) => `    ${b}.fill(0);`),
      `    ${call}`,
      `    ${direction(i, "0")}`,
      ...fillRow,
      `  }`,
    ]),
    `  return ${rows};`,
    `}`,
  ].join("\n");
}

/** `hessian(f)`: hvp along every basis direction of the wrt parameters. */
export function printHessianWrapper(name: string, fn: FnIR, wrt: number[], hvpName: string): string {
  const params = fn.params.map((p) => `${p.name}: ${p.float32 ? "Float32Array" : TS_TYPE_NAME[p.type]}`).join(", ");
  return [
    `/** hessian(${fn.sourceName}, { wrt: [${wrt.join(", ")}] }): row i is ∂/∂xᵢ of the gradient, over the wrt parameters flattened in order */`,
    `function ${name}(${params}): number[][] {`,
    `  return ${SUPPORT_NAME}.hessian(${hvpName}, [${fn.params.map((p) => p.name).join(", ")}], [${wrt.join(", ")}]);`,
    `}`,
  ].join("\n");
}

/** `grad(grad(f, { wrt: i }))`: hvp along the i-th parameter's direction (a number parameter). */
export function printGradOfGradWrapper(name: string, fn: FnIR, i: number, wrt: number[], single: boolean, hvpName: string): string {
  const params = fn.params.map((p) => `${p.name}: ${p.float32 ? "Float32Array" : TS_TYPE_NAME[p.type]}`).join(", ");
  // The direction eᵢ: 1 for parameter i, zeros for the other numbers and arrays (others have no tangent).
  const direction = fn.params.map((p, k) => (k === i ? "1" : p.type === "arr" && isDifferentiableParam(p) ? `new Float64Array(${p.name}.length)` : "0"));
  const entryType = (p: Param) => (!isDifferentiableParam(p) ? "number" : p.type === "arr" ? (p.float32 ? "Float32Array" : "Float64Array") : "number");
  const resultType = single ? entryType(fn.params[wrt[0]]) : `[${wrt.map((k) => entryType(fn.params[k])).join(", ")}]`;
  return [
    `/** grad(grad(${fn.sourceName}, { wrt: ${i} }), { wrt: ${single ? wrt[0] : `[${wrt.join(", ")}]`} }): ∂/∂x of ∂${fn.sourceName}/∂${fn.params[i].name}, row ${i} of the Hessian */`,
    `function ${name}(${params}): ${resultType} {`,
    `  return ${hvpName}([${fn.params.map((p) => p.name).join(", ")}], [${direction.join(", ")}]);`,
    `}`,
  ].join("\n");
}

/**
 * `jacobian(f)`: jvp per column or vjp per row (the vjp's wrt is the jacobian's, as a list). An
 * object result's rows are its entries in field order — a number one row, an array one per
 * element — read out of the packed result by its layout (the packing's length slots are not rows).
 */
export function printJacobianWrapper(name: string, fn: FnIR, wrt: number[], mode: JacobianMode, jvpName: string, vjpName: string): string {
  const params = fn.params.map((p) => `${p.name}: ${p.float32 ? "Float32Array" : TS_TYPE_NAME[p.type]}`).join(", ");
  return [
    `/** jacobian(${fn.sourceName}, { wrt: [${wrt.join(", ")}], mode: "${mode}" }): rows the result's components, columns the wrt parameters flattened in order */`,
    `function ${name}(${params}): number[][] {`,
    `  return ${SUPPORT_NAME}.jacobian(${jvpName}, ${vjpName}, [${fn.params.map((p) => p.name).join(", ")}], [${wrt.join(", ")}], "${mode}", ${writtenParams(fn).length > 0}${fn.resultLayout ? `, ${JSON.stringify(fn.resultLayout)}` : ""});`,
    `}`,
  ].join("\n");
}

/** The support object's loops over basis directions (emit/support.ts includes them when a module asks for a matrix). */
export const MATRIX_HELPERS = `  /** A copy of each array argument (f may write into its arrays; every direction starts from the point as given). */
  fresh(primals: unknown[]): unknown[] {
    return primals.map((p) => (this.isArray(p) ? p.slice() : p));
  },
  /** A typed array or a \`number[]\` argument. */
  isArray(p: unknown): p is Float64Array | number[] {
    return ArrayBuffer.isView(p) || Array.isArray(p);
  },
  /** Zero tangents shaped as the arguments (numbers 0, arrays zeros; other arguments as they are, unused). */
  zeroTangents(primals: unknown[]): unknown[] {
    return primals.map((p) => (typeof p === "number" ? 0 : this.isArray(p) ? new Float64Array(p.length) : p));
  },
  /** Sets entry \\\`j\\\` of tangent \\\`i\\\` (a number or an array) to \\\`value\\\`. */
  seed(tangents: unknown[], i: number, j: number, value: number): void {
    if (typeof tangents[i] === "number") tangents[i] = value;
    else (tangents[i] as Float64Array)[j] = value;
  },
  /** How many entries argument \\\`i\\\` flattens to. */
  entries(primals: unknown[], i: number): number {
    return typeof primals[i] === "number" ? 1 : (primals[i] as Float64Array).length;
  },
  /** Gradients (numbers and arrays) as one row. */
  flatten(values: unknown): number[] {
    // Plain loops: flatMap and Array.from over typed arrays cost more than the hvp itself at n = 400.
    const row: number[] = [];
    for (const v of values as (number | ArrayLike<number>)[]) {
      if (typeof v === "number") row.push(v);
      else for (let k = 0; k < v.length; k++) row.push(v[k]);
    }
    return row;
  },
  /** The Hessian over the wrt parameters flattened in order: one hvp per basis direction. */
  hessian(hvp: (primals: unknown[], tangents: unknown[]) => unknown, primals: unknown[], wrt: number[]): number[][] {
    const tangents = this.zeroTangents(primals);
    const rows: number[][] = [];
    for (const i of wrt) {
      for (let j = 0; j < this.entries(primals, i); j++) {
        this.seed(tangents, i, j, 1);
        rows.push(this.flatten(hvp(primals, tangents)));
        this.seed(tangents, i, j, 0);
      }
    }
    return rows;
  },
  /**
   * The Jacobian: one jvp per input entry (forward), or one vjp per result entry (reverse); "auto"
   * makes the fewer calls. \`writes\`: f writes into its array arguments; \`layout\`: an object
   * result's, packed as one array.
   */
  jacobian(
    jvp: (primals: unknown[], tangents: unknown[]) => [number | ArrayLike<number>, number | ArrayLike<number>],
    vjp: (...args: any[]) => [number | ArrayLike<number>, (cotangent: any) => unknown],
    primals: unknown[],
    wrt: number[],
    mode: "forward" | "reverse" | "auto",
    writes: boolean,
    layout?: unknown,
  ): number[][] {
    // f writes into its arrays: each call starts from copies of the point as given.
    const point = (): unknown[] => (writes ? this.fresh(primals) : primals);
    const inputs = wrt.reduce((n, i) => n + this.entries(primals, i), 0);
    if (mode !== "forward") {
      const [value, pullback] = vjp(...point());
      const slots = this.resultSlots(value, layout);
      if (mode === "reverse" || slots.length < inputs) {
        return slots.map((slot) => {
          if (typeof value === "number") return this.flatten(pullback(1));
          const cotangent = new Float64Array(value.length);
          cotangent[slot] = 1;
          return this.flatten(pullback(cotangent));
        });
      }
    }
    const tangents = this.zeroTangents(primals);
    let rows: number[][] | undefined;
    let slots: number[] = [];
    for (const i of wrt) {
      for (let j = 0; j < this.entries(primals, i); j++) {
        this.seed(tangents, i, j, 1);
        const [value, tangent] = jvp(point(), tangents);
        if (rows === undefined) {
          slots = this.resultSlots(value, layout);
          rows = slots.map(() => []);
        }
        rows.forEach((row, r) => row.push(typeof tangent === "number" ? tangent : tangent[slots[r]]));
        this.seed(tangents, i, j, 0);
      }
    }
    // No input entries (empty arrays): as many empty rows as the result has entries.
    return rows ?? this.resultSlots(jvp(point(), tangents)[0], layout).map(() => []);
  },
  /** Where a result's entries are: a number's one; an array's every element; a packed object's numbers and elements, not its length slots. */
  resultSlots(value: number | ArrayLike<number>, layout: unknown): number[] {
    if (typeof value === "number") return [0];
    if (layout === undefined) return Array.from({ length: value.length }, (_, k) => k);
    const slots: number[] = [];
    let at = 0;
    const walk = (l: any): void => {
      if (l === "num") slots.push(at++);
      else if (l === "arr") {
        const n = value[at++];
        for (let k = 0; k < n; k++) slots.push(at++);
      } else for (const [, inner] of l.fields) walk(inner);
    };
    walk(layout);
    return slots;
  },
`;
