/**
 * The support object every transformed module declares once: output slots through which
 * generated functions return tangents and adjoints without allocating, and the stack on which
 * reverse mode saves overwritten values. It is emitted into the module rather than imported, so
 * transformed code runs wherever the module runs.
 */
import { RUNTIME_HELPERS } from "../primitives.js";
import { SUPPORT_NAME } from "./print.js";
import { MATRIX_HELPERS } from "./matrices.js";

/**
 * `objectResults`: the module has wrappers of functions with object results, which need pack and
 * unpack; `matrices`: it asks for a hessian or a jacobian, which loop over basis directions.
 */
export function supportDeclaration(adjointSlots: number, objectResults: boolean, matrices = false): string {
  return `const ${SUPPORT_NAME} = {
  /** The tangent a forward-mode function computed. */
  tangent: 0,
  /** The tangent of an array result (the forward function's own array). */
  tangents: new Float64Array(0),
  /** The adjoints of the scalar parameters a reverse-mode function computed, by parameter index. */
  adjoint: new Float64Array(${Math.max(1, adjointSlots)}),
  /** Values the forward sweep saves for the reverse sweep (grows on demand). */
  stack: new Float64Array(1024),
  top: 0,
  push(value: number): void {
    if (this.top === this.stack.length) {
      const grown = new Float64Array(this.stack.length * 2);
      grown.set(this.stack);
      this.stack = grown;
    }
    this.stack[this.top++] = value;
  },
  pop(): number {
    return this.stack[--this.top];
  },
  /**
   * Inactive values saved for the reverse sweep (indices, sizes, flags, trip counts): a plain
   * array, so small integers come back as small integers and index arithmetic stays integral.
   */
  inactive: [] as (number | string)[],
  pushInactive(value: number | string): void {
    // An integral double (an index read from a Float64Array) is stored as a small integer; -0
    // stays a double so its sign survives.
    this.inactive.push(typeof value === "number" && (value | 0) === value && (value !== 0 || 1 / value > 0) ? value | 0 : value);
  },
  popInactive(): number {
    return this.inactive.pop() as number;
  },
  /** Arrays allocated anew on each loop iteration, kept for the reverse sweep. */
  arrays: [] as Float64Array[],
  pushArray(array: Float64Array): void {
    this.arrays.push(array);
  },
  popArray(): Float64Array {
    return this.arrays.pop()!;
  },
  /** A stack overflow in the derivative of a recursive function, explained; any other error as it is. */
  tooDeep(error: unknown, name: string): unknown {
    if (!(error instanceof RangeError) || !/call stack/i.test(error.message)) return error;
    const message =
      \`gradc: the derivative of '\${name}' recursed deeper than the JavaScript stack allows \` +
      "(each level of recursion is a frame of generated code). Raise the stack with node --stack-size=3900 " +
      "(about 20,000 levels of a small function, within the 8 MB thread stack of Linux and macOS), or write the recursion as a loop.";
    return new RangeError(message, { cause: error });
  },
${objectResults ? OBJECT_RESULT_HELPERS : ""}${matrices ? MATRIX_HELPERS : ""}  /** Arrays reused by allocation site across calls, so steady-state calls allocate nothing. */
  buffers: [] as Float64Array[],
  /** A zeroed array of \`length\` for allocation site \`site\` (what \`new Float64Array(length)\` gives). */
  buffer(site: number, length: number): Float64Array {
    let b = this.buffers[site];
    if (b === undefined || b.length !== length) {
      b = new Float64Array(length);
      this.buffers[site] = b;
    } else {
      b.fill(0);
    }
    return b;
  },
${RUNTIME_HELPERS.map((h) => `  /** ${h.doc} */\n  ${h.name}(${h.parameters}): number {\n    ${h.body}\n  },`).join("\n")}
};`;
}

/** Unpacking an object result and packing its cotangent (compiler/lower/object-results.ts). */
const OBJECT_RESULT_HELPERS = `  /**
   * An object result from the array it is packed in (compiler/lower/object-results.ts). A tangent
   * array is unpacked with the primal's \`lengths\` (its own length slots hold zeros).
   */
  unpack(layout: unknown, packed: Float64Array, lengths: Float64Array = packed): any {
    let at = 0;
    const read = (l: any): any => {
      if (l === "num") return packed[at++];
      if (l === "arr") {
        const n = lengths[at++];
        const a = packed.slice(at, at + n);
        at += n;
        return a;
      }
      const object: any = {};
      for (const [name, inner] of l) object[name] = read(inner);
      return object;
    };
    return read(layout);
  },
  /** A cotangent shaped as the result, packed as the result \`like\` is (lengths checked against it). */
  pack(layout: unknown, value: any, like: Float64Array, name: string): Float64Array {
    const packed = new Float64Array(like.length);
    let at = 0;
    const write = (l: any, v: any, path: string): void => {
      if (l === "num") {
        if (typeof v !== "number") throw new TypeError(\`vjp(\${name}): the cotangent's \${path} must be a number\`);
        packed[at++] = v;
      } else if (l === "arr") {
        const n = like[at++];
        if (v == null || typeof v === "string" || v.length !== n) throw new RangeError(\`vjp(\${name}): the cotangent's \${path} must have length \${n}, as the result's does\`);
        for (let i = 0; i < n; i++) packed[at + i] = v[i];
        at += n;
      } else {
        if (v === null || typeof v !== "object") throw new TypeError(\`vjp(\${name}): the cotangent must be shaped as the result\${path === "cotangent" ? "" : \` (at \${path})\`}\`);
        const extra = Object.keys(v).filter((field) => !l.some(([known]: [string]) => known === field));
        if (extra.length > 0) throw new TypeError(\`vjp(\${name}): the cotangent has fields the result does not: \${extra.join(", ")}\`);
        for (const [field, inner] of l) write(inner, v[field], path === "cotangent" ? field : \`\${path}.\${field}\`);
      }
    };
    write(layout, value, "cotangent");
    return packed;
  },
`;
