/**
 * Diagnostics for everything outside the differentiable subset (README.md, "The differentiable
 * subset": "Everything else is reported with file:line:col, a code frame and a hint" — never as
 * silently wrong code).
 *
 * Every case feeds a small module to `transformModule` as a string and checks that
 *   (a) the compiler does not throw,
 *   (b) it reports at least one diagnostic,
 *   (c) one diagnostic points exactly at the offending construct — the expected line/col is
 *       computed from the test's own source text by searching for a marker substring,
 *   (d) the formatted diagnostic holds `file:line:col`, the offending source line marked with `>`,
 *       a caret line whose carets start under the reported column, and a hint where one makes sense,
 *   (e) no code is emitted.
 */
import { describe, expect, it } from "vitest";
import ts from "typescript";
import { type Diagnostic, formatDiagnostic, transformModule } from "../compiler/index.js";

const FILE = "/virtual/bad.ts";

// ---------------------------------------------------------------------------------------------
// Helpers

/** Strips the leading newline and the common indentation of a template literal. */
function dedent(text: string): string {
  const lines = text.replace(/^\n/, "").replace(/\n\s*$/, "\n").split("\n");
  const indents = lines.filter((l) => l.trim() !== "").map((l) => /^ */.exec(l)![0].length);
  const min = Math.min(...indents);
  return lines.map((l) => l.slice(min)).join("\n");
}

/**
 * Where the construct is: `marker` is a substring that occurs exactly once in the source, and
 * `focus` (default: the whole marker) a substring of the marker that the diagnostic must start at.
 */
interface Where {
  marker: string;
  focus?: string;
  /** The file the construct is in (default: the module under test). */
  file?: string;
}

interface Loc {
  file: string;
  line: number;
  col: number;
}

function locate(source: string, where: Where, defaultFile: string): Loc {
  const first = source.indexOf(where.marker);
  if (first < 0) throw new Error(`test bug: marker ${JSON.stringify(where.marker)} not found in source`);
  if (source.indexOf(where.marker, first + 1) >= 0) throw new Error(`test bug: marker ${JSON.stringify(where.marker)} is not unique`);
  let offset = first;
  if (where.focus !== undefined) {
    const inner = where.marker.indexOf(where.focus);
    if (inner < 0) throw new Error(`test bug: focus ${JSON.stringify(where.focus)} is not inside marker ${JSON.stringify(where.marker)}`);
    offset += inner;
  }
  const before = source.slice(0, offset).split("\n");
  return { file: where.file ?? defaultFile, line: before.length, col: before[before.length - 1].length + 1 };
}

interface Case {
  name: string;
  source: string;
  /** Acceptable locations for the diagnostic (any one of them). */
  at: Where | Where[];
  /** Whether a hint is expected (default true). */
  hint?: boolean;
  /** Other modules, by absolute path, served through a fake readFile. */
  modules?: Record<string, string>;
  /** Extra check on the matching diagnostic's message + hint. */
  text?: RegExp;
  file?: string;
}

function run(source: string, file = FILE, modules: Record<string, string> = {}) {
  const read: string[] = [];
  const readFile = (f: string) => {
    read.push(f);
    return modules[f];
  };
  let result: ReturnType<typeof transformModule> | undefined;
  let error: unknown;
  try {
    result = transformModule(source, file, { readFile });
  } catch (e) {
    error = e;
  }
  // (a) never throws
  expect(error, `transformModule threw: ${error instanceof Error ? error.stack : String(error)}`).toBeUndefined();
  return { result: result!, read };
}

function describeDiagnostics(ds: Diagnostic[]): string {
  if (ds.length === 0) return "(no diagnostics)";
  return ds.map((d) => `  ${d.file}:${d.line}:${d.col} ${d.message}${d.hint ? ` [hint: ${d.hint}]` : ""}`).join("\n");
}

/** Checks the formatted text of `d` against the source it came from. */
function checkFormatted(d: Diagnostic, sourceOfFile: string, wantHint: boolean): void {
  const text = formatDiagnostic(d);
  expect(text).toContain(`${d.file}:${d.line}:${d.col}`);
  const lines = text.split("\n");
  const srcLine = sourceOfFile.split("\n")[d.line - 1];
  const markerIdx = lines.findIndex((l) => l.startsWith(">"));
  expect(markerIdx, `no '>' line in the code frame:\n${text}`).toBeGreaterThan(0);
  const marked = lines[markerIdx];
  expect(marked.endsWith(srcLine), `the '>' line does not show source line ${d.line} (${JSON.stringify(srcLine)}):\n${text}`).toBe(true);
  expect(marked, `the '>' line is not numbered ${d.line}:\n${text}`).toMatch(new RegExp(`^>\\s+${d.line}\\s*\\|`));
  const caret = lines[markerIdx + 1] ?? "";
  expect(caret, `no caret line under the '>' line:\n${text}`).toMatch(/^\s+\|\s*\^+\s*$/);
  // The carets start under column `col` of the source line.
  const gutter = marked.length - srcLine.length;
  expect(caret.indexOf("^"), `carets are not under column ${d.col}:\n${text}`).toBe(gutter + d.col - 1);
  if (wantHint) {
    expect(d.hint, `expected a hint for: ${d.message}`).toBeTruthy();
    expect(text).toMatch(/\n\s*hint: \S/);
  }
}

/** Sanity checks that every diagnostic must pass, wherever it points. */
function checkWellFormed(ds: Diagnostic[], sources: Record<string, string>): void {
  for (const d of ds) {
    expect(typeof d.message).toBe("string");
    expect(d.message.length).toBeGreaterThan(0);
    expect(d.message).not.toMatch(/\n\s+at .*:\d+:\d+/); // no stack traces
    const src = sources[d.file];
    expect(src, `diagnostic names a file the test did not provide: ${d.file}`).toBeDefined();
    expect(d.source).toBe(src);
    const lines = src.split("\n");
    expect(d.line).toBeGreaterThanOrEqual(1);
    expect(d.line).toBeLessThanOrEqual(lines.length);
    expect(d.col).toBeGreaterThanOrEqual(1);
    expect(d.col).toBeLessThanOrEqual(lines[d.line - 1].length + 1);
    expect(d.length).toBeGreaterThanOrEqual(1);
    expect(() => formatDiagnostic(d)).not.toThrow();
  }
}

function check(c: Case): Diagnostic {
  const file = c.file ?? FILE;
  const modules = c.modules ?? {};
  const { result } = run(c.source, file, modules);
  const ds = result.diagnostics;
  // (b) at least one diagnostic
  expect(ds.length, `expected diagnostics, the compiler accepted:\n${c.source}`).toBeGreaterThan(0);
  const sources = { ...modules, [file]: c.source };
  checkWellFormed(ds, sources);
  // (c) one of them points exactly at the construct
  const wanted = (Array.isArray(c.at) ? c.at : [c.at]).map((w) => locate(sources[w.file ?? file], w, file));
  const match = ds.find((d) => wanted.some((w) => w.file === d.file && w.line === d.line && w.col === d.col));
  expect(
    match,
    `expected a diagnostic at ${wanted.map((w) => `${w.file}:${w.line}:${w.col}`).join(" or ")}, got:\n${describeDiagnostics(ds)}`,
  ).toBeDefined();
  // (d) formatted text
  checkFormatted(match!, sources[match!.file], c.hint ?? true);
  if (c.text) expect(`${match!.message} ${match!.hint ?? ""}`).toMatch(c.text);
  // (e) nothing emitted
  expect(result.code).toBeUndefined();
  expect(result.map).toBeUndefined();
  return match!;
}

/** A module that differentiates `f`, whose body is `body`. */
function withBody(body: string, params = "x: number"): string {
  const indented = dedent(body)
    .split("\n")
    .map((l) => (l ? `  ${l}` : l))
    .join("\n");
  return `import { grad } from "gradc";\n\nfunction f(${params}): number {\n${indented.replace(/\n$/, "")}\n}\n\nexport const g = grad(f);\n`;
}

function cases(list: Case[]): void {
  for (const c of list) it(c.name, () => check(c));
}

// ---------------------------------------------------------------------------------------------

describe("recursion", () => {
  // Recursion over numbers and read-only arrays is in the subset (test/recursion.test.ts); these are not.
  cases([
    {
      name: "a recursive function writing into its array parameter",
      source: dedent(`
        import { grad } from "gradc";

        function f(a: Float64Array, n: number): number {
          if (n > 0) {
            a[n] = a[n] * 0.5;
            return a[n] * f(a, n - 1);
          }
          return a[0];
        }

        export const g = grad(f, { wrt: 0 });
      `),
      at: { marker: "function f(a", focus: "function" },
      text: /recursive function 'f' writes into an array parameter/,
    },
    {
      name: "writing an array after passing it to a recursive function",
      source: dedent(`
        import { grad } from "gradc";

        function total(a: Float64Array, n: number): number {
          return n < 0 ? 0 : a[n] * a[n] + total(a, n - 1);
        }

        function f(x: Float64Array): number {
          const b = new Float64Array(x.length);
          let s = 0;
          for (let i = 0; i < x.length; i++) {
            b[i] = x[i];
            s += total(b, i);
          }
          return s;
        }

        export const g = grad(f);
      `),
      at: { marker: "s += total(b, i);" },
      text: /writes 'b' after passing it to the recursive 'total'/,
    },
    {
      name: "mutual recursion without a declared return type",
      source: dedent(`
        import { grad } from "gradc";

        function even(x: number) {
          if (x > 1) {
            return odd(x - 1) * x;
          }
          return x;
        }

        function odd(x: number): number {
          if (x > 1) {
            return even(x - 1) + x;
          }
          return 1;
        }

        export const g = grad(even);
      `),
      at: [{ marker: "even(x - 1)" }, { marker: "odd(x - 1)" }],
      text: /declared return type/,
    },
  ]);
});

describe("closures over outer variables", () => {
  cases([
    {
      name: "reading a module-level let",
      source: dedent(`
        import { grad } from "gradc";

        let scale = 2;

        function f(x: number): number {
          return x * scale;
        }

        export const g = grad(f);
      `),
      at: { marker: "x * scale", focus: "scale" },
    },
    {
      name: "writing a module-level let",
      source: dedent(`
        import { grad } from "gradc";

        let calls = 0;

        function f(x: number): number {
          calls += 1;
          return x * x;
        }

        export const g = grad(f);
      `),
      at: { marker: "calls += 1" , focus: "calls" },
    },
    {
      name: "an inline arrow capturing a mutable local of its enclosing function",
      source: dedent(`
        import { grad } from "gradc";

        export function outer(): number {
          let k = 2;
          const g = grad((x: number) => x * k);
          k = 3;
          return g(1)[0];
        }
      `),
      at: { marker: "x * k", focus: "k" },
    },
  ]);
});

describe("callbacks", () => {
  cases([
    {
      name: "v.reduce((a, b) => a * b, 1)",
      source: withBody(`return v.reduce((a, b) => a * b, 1);`, "v: Float64Array"),
      at: [{ marker: "v.reduce" }, { marker: "(a, b) =>" }],
      text: /callback/i,
    },
    {
      name: "v.map(...)",
      source: withBody(
        `
        const w = v.map((a) => a * 2);
        return w[0];
        `,
        "v: Float64Array",
      ),
      at: [{ marker: "v.map" }, { marker: "(a) =>" }],
      text: /callback/i,
    },
    {
      name: "v.forEach(...)",
      source: withBody(
        `
        let s = 0;
        v.forEach((a) => {
          s += a;
        });
        return s;
        `,
        "v: Float64Array",
      ),
      at: [{ marker: "v.forEach" }, { marker: "(a) =>" }],
      text: /callback/i,
    },
  ]);
});

describe("strings", () => {
  cases([
    {
      name: "string concatenation",
      source: withBody(`
        const label = "loss" + x;
        return x * 2;
      `),
      at: { marker: `"loss"` },
    },
    {
      name: "a string as a condition",
      source: withBody(`
        const label = "loss";
        if (label) return x;
        return x * 2;
      `),
      at: { marker: "label) return", focus: "label" },
    },
    {
      name: "a template literal",
      source: withBody(`
        const msg = \`x is \${x}\`;
        return x * 2;
      `),
      at: { marker: "`x is" },
    },
    {
      name: "strings ordered with <",
      source: withBody(`
        if (x > 0 && "fast" < "slow") {
          return x;
        }
        return 2 * x;
      `),
      at: { marker: `"fast" <` },
    },
    {
      name: "a string compared with a number",
      source: withBody(`
        const mode = "fast";
        return mode === x ? x : 2 * x;
      `, "x: number"),
      at: { marker: "mode === x" },
    },
    {
      name: "console.log with a string",
      source: withBody(`
        console.log("x =", x);
        return x * 2;
      `),
      at: [{ marker: "console.log" }, { marker: `"x ="` }],
    },
  ]);
});

describe("exceptions", () => {
  cases([
    {
      name: "try/catch",
      source: withBody(`
        try {
          return Math.log(x);
        } catch (e) {
          return 0;
        }
      `),
      at: { marker: "try" },
    },
    {
      name: "throw",
      source: withBody(`
        if (x < 0) {
          throw new Error("negative");
        }
        return Math.sqrt(x);
      `),
      at: { marker: "throw" },
    },
    {
      name: "switch on an array",
      source: withBody(
        `
        let y = 0;
        switch (a) {
          default:
            y = 2 * x;
        }
        return y;
        `,
        "x: number, a: Float64Array",
      ),
      at: { marker: "switch (a)", focus: "a" },
    },
    {
      name: "a case of another type than the switch",
      source: withBody(`
        let y = 0;
        switch (x) {
          case x > 1:
            y = x;
        }
        return y;
      `),
      at: { marker: "x > 1" },
    },
  ]);
});

describe("calls gradc cannot differentiate", () => {
  cases([
    {
      name: "Math.random on the differentiated path",
      source: withBody(`return x * Math.random();`),
      at: { marker: "Math.random()" },
    },
    {
      name: "a function imported from an npm package",
      source: dedent(`
        import { grad } from "gradc";
        import { softplus } from "some-lib";

        function f(x: number): number {
          return softplus(x) * 2;
        }

        export const g = grad(f);
      `),
      at: { marker: "softplus(x)" },
    },
    {
      name: "a global function (parseFloat)",
      source: withBody(`return parseFloat("1.5") * x;`),
      at: { marker: "parseFloat" },
    },
    {
      name: "an ambient `declare function` without a body",
      source: dedent(`
        import { grad } from "gradc";

        declare function ext(x: number): number;

        function f(x: number): number {
          return ext(x) + 1;
        }

        export const g = grad(f);
      `),
      at: { marker: "ext(x) + 1", focus: "ext" },
    },
    {
      name: "an undeclared identifier",
      source: withBody(`return x * mystery(x);`),
      at: { marker: "mystery" },
    },
    {
      name: "a method call on a number",
      source: withBody(`return x.valueOf() * 2;`),
      at: { marker: "x.valueOf()" },
    },
  ]);
});

describe("declarations", () => {
  cases([
    {
      name: "var",
      source: withBody(`
        var y = x * 2;
        return y;
      `),
      at: { marker: "var" },
    },
    {
      name: "a rest element in destructuring",
      source: withBody(`
        const { a, ...others } = { a: x, b: 2 * x };
        return a;
      `),
      at: { marker: "...others" },
    },
    {
      name: "a default in destructuring",
      source: withBody(`
        const { a = 1 } = { a: x };
        return a;
      `),
      at: { marker: "1 }" , focus: "1" },
    },
    {
      name: "a field that the object does not have",
      source: withBody(`
        const o = { a: x };
        return o.b;
      `),
      at: { marker: "o.b" },
    },
  ]);
});

describe("objects", () => {
  /** A module that differentiates `f(p: P)` with `P` declared as `declaration`. */
  const withType = (declaration: string, body: string) =>
    `import { grad } from "gradc";\n\n${dedent(declaration)}\nfunction f(p: P): number {\n${dedent(body).replace(/\n$/, "")}\n}\n\nexport const g = grad(f);\n`;
  cases([
    {
      name: "assigning a number field of a parameter object",
      source: withType(`interface P { w: Float64Array; b: number }`, `p.b = 2 * p.b;\nreturn p.b;`),
      at: { marker: "p.b = 2 * p.b" },
      text: /caller.*copy the object/,
    },
    {
      name: "a method in an object type",
      source: withType(`interface P { b: number; scale(k: number): number }`, `return p.b;`),
      at: { marker: "scale(k: number): number" },
    },
    {
      name: "an optional field",
      source: withType(`type P = { b: number; w?: Float64Array };`, `return p.b;`),
      at: { marker: "w?: Float64Array" },
    },
    {
      name: "an index signature",
      source: withType(`interface P { [name: string]: number }`, `return 1;`),
      at: { marker: "[name: string]: number" },
    },
    {
      name: "a type that contains itself",
      source: withType(`interface P { b: number; next: P }`, `return p.b;`),
      at: { marker: "next: P", focus: "P" },
    },
    {
      name: "a symbol field",
      source: withType(`interface P { b: number; key: symbol }`, `return p.b;`),
      at: { marker: "symbol }", focus: "symbol" },
    },
    {
      name: "grad of a function that returns an object",
      source: `import { grad } from "gradc";\n\ninterface P { b: number }\nfunction f(p: P): P {\n  return { b: 2 * p.b };\n}\n\nexport const g = grad(f);\n`,
      at: { marker: "grad(f)" },
      // An object result has no single gradient either: the diagnostic points to vjp and jvp.
      text: /returns an object.*vjp/,
    },
    {
      name: "an object result with a boolean field",
      source: `import { vjp } from "gradc";\n\nfunction f(x: number) {\n  return { y: 2 * x, positive: x > 0 };\n}\n\nexport const g = vjp(f);\n`,
      at: { marker: "{ y: 2 * x, positive: x > 0 }" },
      text: /field 'positive' is a boolean/,
    },
    {
      name: "returns of different fields",
      source: `import { vjp } from "gradc";\n\nfunction f(x: number) {\n  if (x > 0) return { y: x };\n  return { z: x };\n}\n\nexport const g = vjp(f);\n`,
      at: { marker: "{ z: x }" },
      text: /same fields/,
    },
    {
      name: "an object result beside a number result",
      source: `import { vjp } from "gradc";\n\nfunction f(x: number): any {\n  if (x > 0) return { y: x };\n  return x;\n}\n\nexport const g = vjp(f);\n`,
      at: { marker: "return x;", focus: "x;" },
      text: /earlier one returns an object/,
    },
    {
      name: "recursion through a function that returns an object",
      source: `import { vjp } from "gradc";\n\ninterface R { y: number }\nfunction f(x: number): R {\n  if (x < 1) return { y: x };\n  const r = f(x - 1);\n  return { y: r.y * x };\n}\n\nexport const g = vjp(f);\n`,
      at: { marker: "f(x - 1)" },
      text: /returns an object, is not supported yet/,
    },
    {
      name: "an object where a number is expected",
      source: withType(`interface P { b: number }`, `return p * 2;`),
      at: { marker: "p * 2", focus: "p" },
    },
    {
      name: "assigning a new object to a variable another name shares",
      source: withType(`interface P { b: number }`, `let q = { b: p.b };\nconst r = q;\nq = { b: 1 };\nreturn r.b + q.b;`),
      at: { marker: "q = { b: 1 }" },
    },
    {
      name: "assigning an object whose inner object already exists",
      source: withType(`interface P { b: number }`, `let q = { inner: { a: p.b } };\nconst r = { a: 2 * p.b };\nq = { inner: r };\nr.a = 3;\nreturn q.inner.a;`),
      at: { marker: "{ inner: r }" },
    },
    {
      name: "an integer array passed where a float array is expected",
      source: `import { grad } from "gradc";\n\nfunction total(v: Float64Array): number {\n  return v[0] + v[1];\n}\n\nfunction f(x: number, labels: Int32Array): number {\n  return x * total(labels);\n}\n\nexport const d = grad(f, { wrt: 0 });\n`,
      at: { marker: "labels);", focus: "labels" },
    },
    {
      name: "copying an optional parameter",
      source: `import { grad } from "gradc";\n\nfunction f(x: number, flip?: boolean): number {\n  const g = flip;\n  return g === false ? -x : x;\n}\n\nexport const d = grad(f, { wrt: 0 });\n`,
      at: { marker: "flip;", focus: "flip" },
      text: /\?\?/,
    },
    {
      name: "replacing an array field",
      source: withType(`interface P { w: Float64Array }`, `let q = { w: p.w };\nq = { w: new Float64Array(2) };\nreturn q.w[0];`),
      at: { marker: "{ w: new Float64Array(2) }" },
    },
    {
      name: "a method in an object literal",
      source: withType(`interface P { b: number }`, `const q = { b: p.b, twice() { return 2; } };\nreturn q.b;`),
      at: { marker: "twice() { return 2; }" },
    },
    {
      name: "a nested function declaration",
      source: withBody(`
        function inner(y: number): number {
          return y * y;
        }
        return inner(x);
      `),
      at: { marker: "function inner" },
    },
    {
      name: "a parameter without a type annotation",
      source: dedent(`
        import { grad } from "gradc";

        function f(x, y: number): number {
          return x * y;
        }

        export const g = grad(f);
      `),
      at: { marker: "x, y", focus: "x" },
    },
    {
      name: "a parameter of type symbol",
      source: withBody(`return x;`, "x: number, unit: symbol"),
      at: [{ marker: "unit: symbol" }, { marker: "unit: symbol", focus: "symbol" }],
    },
  ]);
});

describe("loops and control flow", () => {
  cases([
    {
      name: "for…in",
      source: withBody(
        `
        let s = 0;
        for (const a in v) {
          s += x;
        }
        return s;
        `,
        "x: number, v: Float64Array",
      ),
      at: { marker: "for (const a in v)" },
    },
    {
      name: "labelled break",
      source: withBody(`
        let s = 0;
        outer: for (let i = 0; i < 3; i++) {
          for (let j = 0; j < 3; j++) {
            if (j > i) break outer;
            s += x;
          }
        }
        return s;
      `),
      at: [{ marker: "outer:" }, { marker: "break outer" }],
    },
  ]);
});

describe("expressions", () => {
  cases([
    {
      name: "a number whose value is used as an operand of && (JavaScript's value would be the number)",
      source: withBody(`
        const b = x && x > 1;
        return b ? 1 : x;
      `),
      at: { marker: "x && x > 1", focus: "x" },
    },
    {
      name: "an array as a condition (always true)",
      source: withBody(
        `
        if (a) {
          return x;
        }
        return 1;
        `,
        "x: number, a: Float64Array",
      ),
      at: { marker: "if (a)", focus: "a" },
    },
    ...(["|", "&", "^", "<<", ">>", ">>>"] as const).map(
      (op): Case => ({
        name: `bitwise operator ${op}`,
        source: withBody(`return (x ${op} 1) + x;`),
        at: { marker: `x ${op} 1` },
        text: /bitwise|integer/i,
      }),
    ),
    {
      name: "bitwise operator ~",
      source: withBody(`return ~x + x;`),
      at: { marker: "~x" },
      text: /bitwise|integer/i,
    },
    {
      name: "bitwise compound assignment |=",
      source: withBody(`
        let y = x;
        y |= 1;
        return y;
      `),
      at: [{ marker: "y |= 1" }, { marker: "y |= 1", focus: "|=" }],
      text: /bitwise|integer|\|=/i,
    },
    {
      name: "??",
      source: withBody(`return x ?? 0;`),
      at: [{ marker: "x ?? 0" }, { marker: "x ?? 0", focus: "??" }],
    },
  ]);
});

describe("functions that return nothing", () => {
  cases([
    {
      name: "a void function without return",
      source: dedent(`
        import { grad } from "gradc";

        function f(x: number): void {
          const y = x * 2;
        }

        export const g = grad(f);
      `),
      at: [{ marker: "function f" }, { marker: "f(x: number): void", focus: "f" }, { marker: "): void", focus: "void" }],
    },
    {
      name: "a bare return;",
      source: withBody(`
        if (x > 0) {
          return;
        }
        return x;
      `),
      at: { marker: "return;" },
    },
    {
      name: "an inline arrow with a block body and no return",
      source: dedent(`
        import { grad } from "gradc";

        export const g = grad((x: number) => {
          const y = x * 2;
        });
      `),
      at: [{ marker: "(x: number) =>" }, { marker: "grad(", focus: "grad" }],
    },
    {
      name: "grad of a function that returns a Float64Array",
      source: withBody(`
        const arr = new Float64Array(2);
        arr[0] = x;
        return arr;
      `),
      at: { marker: "grad(f)" },
      // An array result has no single gradient: the diagnostic says so and points to vjp and jvp.
      text: /returns an array.*vjp/,
    },
    {
      name: "a helper that returns its array parameter, used as a value",
      source: withBody(`
        const a = new Float64Array(2);
        const c = same(a);
        c[0] = x;
        return a[0];
      }

      function same(v: Float64Array): Float64Array {
        return v;
      `),
      at: { marker: "same(a)" },
      // JavaScript hands back the same array; gradc would hand back a copy: refused, not wrong.
      text: /returns its array parameter 'v'/,
    },
    {
      name: "a helper that returns a Float32Array, used as a value",
      source: withBody(`
        const r = narrow(1);
        r[0] = x / 3;
        return r[0];
      }

      function narrow(n: number): Float32Array {
        return new Float32Array(n);
      `),
      at: { marker: "narrow(1)" },
      text: /returns a Float32Array/,
    },
    {
      name: "a helper's object result chosen by a conditional",
      source: withBody(`
        const r = x > 0 ? pair(x) : pair(-x);
        return r.a;
      }

      function pair(t: number): { a: number; b: number } {
        return { a: t, b: 2 * t };
      `),
      at: { marker: "pair(x)" },
      text: /returns an object, which cannot be used here/,
    },
    {
      name: "indexing a helper's array result directly",
      source: withBody(`
        return twice(x)[0];
      }

      function twice(t: number): Float64Array {
        const out = new Float64Array(2);
        out[0] = 2 * t;
        return out;
      `),
      at: { marker: "twice(x)" },
      text: /must be named before it is indexed/,
    },
    {
      name: "a helper's array result used as an object",
      source: withBody(`
        const { a } = twice(x);
        return a;
      }

      function twice(x: number): Float64Array {
        const out = new Float64Array(2);
        out[0] = 2 * x;
        return out;
      `),
      at: { marker: "twice(x);", focus: "twice(x)" },
      text: /returns an array/,
    },
  ]);
});

describe("one error, one diagnostic", () => {
  // A single mistake must not drag in follow-up diagnostics that are false
  // (e.g. "the function never returns a value" for a function that plainly returns).
  const single: [string, string, Where][] = [
    ["an error inside a return expression", `return x ?? 0;`, { marker: "x ?? 0" }],
    ["an error inside a declaration that is used later", `const y = x ?? 0;\nreturn y * 2;`, { marker: "x ?? 0" }],
    ["an unseen call inside a return expression", `return mystery(x) * 2;`, { marker: "mystery" }],
  ];
  for (const [name, body, where] of single) {
    it(name, () => {
      const source = withBody(body);
      const { result } = run(source);
      const want = locate(source, where, FILE);
      expect(result.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`), describeDiagnostics(result.diagnostics)).toEqual([
        expect.stringMatching(new RegExp(`^${want.line}:${want.col} `)),
      ]);
      expect(result.code).toBeUndefined();
    });
  }
});

describe("grad options", () => {
  const f = `function f(x: number, y: number): number {\n  return x * y;\n}\n`;
  const fb = `function f(x: number, flag: boolean): number {\n  return flag ? x * x : x;\n}\n`;
  const mod = (fn: string, call: string) => `import { grad } from "gradc";\n\n${fn}\nexport const opts = { wrt: [0] };\nexport const idx = 0;\nexport const g = ${call};\n`;
  cases([
    {
      name: "options that are not a literal: grad(f, opts)",
      source: mod(f, "grad(f, opts)"),
      at: { marker: "grad(f, opts)", focus: "opts" },
    },
    {
      name: "wrt that is not a literal: grad(f, { wrt: idx })",
      source: mod(f, "grad(f, { wrt: idx })"),
      at: [{ marker: "wrt: idx" }, { marker: "wrt: idx", focus: "idx" }],
    },
    {
      name: "spread options: grad(f, { ...opts })",
      source: mod(f, "grad(f, { ...opts })"),
      at: { marker: "...opts" },
    },
    {
      name: "wrt out of range: grad(f, { wrt: [2] })",
      source: mod(f, "grad(f, { wrt: [2] })"),
      at: [{ marker: "wrt: [2]" }, { marker: "wrt: [2]", focus: "[2]" }, { marker: "wrt: [2]", focus: "2" }],
      hint: false,
      text: /range|2/,
    },
    {
      name: "wrt out of range, single index: grad(f, { wrt: 5 })",
      source: mod(f, "grad(f, { wrt: 5 })"),
      at: [{ marker: "wrt: 5" }, { marker: "wrt: 5", focus: "5" }],
      hint: false,
      text: /range|5/,
    },
    {
      name: "wrt out of range in the middle of a list: grad(f, { wrt: [0, 7, 1] })",
      source: mod(f, "grad(f, { wrt: [0, 7, 1] })"),
      at: [{ marker: "wrt: [0, 7, 1]" }, { marker: "wrt: [0, 7, 1]", focus: "7" }],
      hint: false,
    },
    {
      name: "negative wrt: grad(f, { wrt: [-1] })",
      source: mod(f, "grad(f, { wrt: [-1] })"),
      at: [{ marker: "wrt: [-1]" }, { marker: "wrt: [-1]", focus: "[-1]" }, { marker: "wrt: [-1]", focus: "-1" }],
      hint: false,
      // -1 is written as a literal: the message must say what is wrong with it.
      text: /range|negative/i,
    },
    {
      name: "empty wrt: grad(f, { wrt: [] })",
      source: mod(f, "grad(f, { wrt: [] })"),
      at: [{ marker: "wrt: []" }, { marker: "wrt: []", focus: "[]" }],
      hint: false,
    },
    {
      name: "wrt pointing at a boolean parameter: grad(f, { wrt: [1] })",
      source: mod(fb, "grad(f, { wrt: [1] })"),
      at: [{ marker: "wrt: [1]" }, { marker: "wrt: [1]", focus: "[1]" }, { marker: "wrt: [1]", focus: "1" }],
    },
    {
      name: "wrt pointing at a boolean parameter, single index: grad(f, { wrt: 1 })",
      source: mod(fb, "grad(f, { wrt: 1 })"),
      at: [{ marker: "wrt: 1" }, { marker: "wrt: 1", focus: "1" }],
    },
    {
      name: "an unknown option key",
      source: mod(f, "grad(f, { wrt: [0], argnums: [1] })"),
      at: { marker: "argnums" },
    },
    {
      name: "grad(someObject.method)",
      source: dedent(`
        import { grad } from "gradc";

        const someObject = {
          method(x: number): number {
            return x * x;
          },
        };

        export const g = grad(someObject.method);
      `),
      at: { marker: "someObject.method)", focus: "someObject.method" },
    },
  ]);
});

describe("every entry point reports the same diagnostic", () => {
  const body = `function f(x: number, y: number): number {\n  const label = \`loss \${x}\`;\n  return x * y;\n}\n`;
  const entries: [string, string][] = [
    ["grad", `import { grad } from "gradc";\n\n${body}\nexport const d = grad(f);\n`],
    ["valueAndGrad", `import { valueAndGrad } from "gradc";\n\n${body}\nexport const d = valueAndGrad(f);\n`],
    ["jvp", `import { jvp } from "gradc";\n\n${body}\nexport const d = jvp(f);\n`],
    ["vjp", `import { vjp } from "gradc";\n\n${body}\nexport const d = vjp(f);\n`],
    ["namespace import G.grad", `import * as G from "gradc";\n\n${body}\nexport const d = G.grad(f);\n`],
    ["@differentiable", `/** @differentiable */\nexport ${body}`],
  ];
  cases(entries.map(([name, source]) => ({ name, source, at: { marker: "`loss" } })));
});

describe("several errors", () => {
  it("reports two independent errors in one function", () => {
    const source = withBody(`
      const label = "loss" + x;
      let y = x * 2;
      try {
        y = y + 1;
      } catch {
        y = 0;
      }
      return y;
    `);
    const { result } = run(source);
    const ds = result.diagnostics;
    const at = (d: Diagnostic, w: Loc) => d.file === w.file && d.line === w.line && d.col === w.col;
    const first = locate(source, { marker: `"loss"` }, FILE);
    const second = locate(source, { marker: "try" }, FILE);
    expect(ds.some((d) => at(d, first)), `string not reported:\n${describeDiagnostics(ds)}`).toBe(true);
    expect(ds.some((d) => at(d, second)), `try not reported:\n${describeDiagnostics(ds)}`).toBe(true);
    checkWellFormed(ds, { [FILE]: source });
    expect(result.code).toBeUndefined();
  });

  it("reports errors in two differentiated functions", () => {
    const source = dedent(`
      import { grad, jvp } from "gradc";

      function f(x: number): number {
        try {
          return x;
        } catch {
          return 0;
        }
      }

      function h(x: number): number {
        var y = x;
        return y;
      }

      export const gf = grad(f);
      export const gh = jvp(h);
    `);
    const { result } = run(source);
    const ds = result.diagnostics;
    const at = (d: Diagnostic, w: Loc) => d.file === w.file && d.line === w.line && d.col === w.col;
    const first = locate(source, { marker: "try" }, FILE);
    const second = locate(source, { marker: "var" }, FILE);
    expect(ds.some((d) => at(d, first)), `try not reported:\n${describeDiagnostics(ds)}`).toBe(true);
    expect(ds.some((d) => at(d, second)), `var not reported:\n${describeDiagnostics(ds)}`).toBe(true);
    checkWellFormed(ds, { [FILE]: source });
    expect(result.code).toBeUndefined();
  });

  it("reports a bad option and a bad body in the same module", () => {
    const source = dedent(`
      import { grad } from "gradc";

      function f(x: number, y: number): number {
        return x ?? y;
      }

      function h(x: number): number {
        return x * x;
      }

      export const gf = grad(f);
      export const gh = grad(h, { wrt: [0], foo: 1 });
    `);
    const { result } = run(source);
    const ds = result.diagnostics;
    const at = (d: Diagnostic, w: Loc) => d.file === w.file && d.line === w.line && d.col === w.col;
    const first = locate(source, { marker: "x ?? y" }, FILE);
    const second = locate(source, { marker: "foo" }, FILE);
    expect(ds.some((d) => at(d, first)), `?? not reported:\n${describeDiagnostics(ds)}`).toBe(true);
    expect(ds.some((d) => at(d, second)), `unknown option not reported:\n${describeDiagnostics(ds)}`).toBe(true);
    expect(result.code).toBeUndefined();
  });
});

describe("errors inside imported modules", () => {
  const MAIN = "/virtual/main.ts";
  const HELPER = "/virtual/helper.ts";
  const helper = dedent(`
    // A helper in its own module.
    export function helper(x: number): number {
      let s = 0;
      try {
        s = 2 * x;
      } catch {
        s = 0;
      }
      return s;
    }
  `);

  it("names the helper's file and line when the helper is called from the differentiated function", () => {
    const main = dedent(`
      import { grad } from "gradc";
      import { helper } from "./helper.js";

      function f(x: number): number {
        return helper(x) * 2;
      }

      export const g = grad(f);
    `);
    const d = check({ name: "helper", source: main, file: MAIN, modules: { [HELPER]: helper }, at: { marker: "try {", file: HELPER } });
    expect(d.file).toBe(HELPER);
    expect(formatDiagnostic(d)).toContain("try {");
  });

  it("names the imported file when the differentiated function itself is imported", () => {
    const LOSS = "/virtual/lib/loss.ts";
    const loss = dedent(`
      export function loss(p: number, q: number): number {
        const tag = \`loss(\${p})\`;
        return (p - q) * (p - q);
      }
    `);
    const main = dedent(`
      import { grad } from "gradc";
      import { loss } from "./lib/loss";

      export const g = grad(loss, { wrt: [0] });
    `);
    const d = check({ name: "loss", source: main, file: MAIN, modules: { [LOSS]: loss }, at: { marker: "`loss(", file: LOSS } });
    expect(d.file).toBe(LOSS);
  });

  it("follows a chain of imports and re-exports to the bad line", () => {
    const MID = "/virtual/mid.ts";
    const DEEP = "/virtual/deep/impl.ts";
    const mid = dedent(`
      export { inner as helper } from "./deep/impl.js";
    `);
    const deep = dedent(`
      export function inner(x: number): number {
        let y = x;
        if (y > 0) {
          y = y | 2;
        }
        return y;
      }
    `);
    const main = dedent(`
      import { grad } from "gradc";
      import { helper } from "./mid.js";

      function f(x: number): number {
        return helper(x) + x;
      }

      export const g = grad(f);
    `);
    check({ name: "chain", source: main, file: MAIN, modules: { [MID]: mid, [DEEP]: deep }, at: { marker: "y | 2", file: DEEP } });
  });

  it("reports a helper that reads a mutable variable of its own module", () => {
    const STATE = "/virtual/state.ts";
    const state = dedent(`
      export let temperature = 1;

      export function soft(x: number): number {
        return Math.exp(x / temperature);
      }
    `);
    const main = dedent(`
      import { grad } from "gradc";
      import { soft } from "./state";

      function f(x: number): number {
        return soft(x) * x;
      }

      export const g = grad(f);
    `);
    check({ name: "state", source: main, file: MAIN, modules: { [STATE]: state }, at: { marker: "x / temperature", focus: "temperature", file: STATE } });
  });

  it("reports an error in a helper module even when the main module is fine", () => {
    const main = dedent(`
      import { grad } from "gradc";
      import { helper } from "./helper";

      export function f(x: number): number {
        const a = Math.sin(x);
        return helper(a) + a;
      }

      export const g = grad(f);
    `);
    const { result, read } = run(main, MAIN, { [HELPER]: helper });
    expect(read).toContain(HELPER);
    const helperDiags = result.diagnostics.filter((d) => d.file === HELPER);
    expect(helperDiags.length, describeDiagnostics(result.diagnostics)).toBeGreaterThan(0);
    const want = locate(helper, { marker: "try {" }, HELPER);
    expect(helperDiags.some((d) => d.line === want.line && d.col === want.col), describeDiagnostics(result.diagnostics)).toBe(true);
    expect(result.code).toBeUndefined();
  });
});

describe("silent acceptance", () => {
  // Constructs that look like the subset but are not: gradc must not emit code for them. With a
  // module-level `Math` or `Number`, `Math.sin` / `Number.EPSILON` are the user's own values, not
  // the built-ins, so treating them as the built-ins gives a wrong derivative.
  cases([
    {
      name: "a module-level `Math` that shadows the global",
      source: dedent(`
        import { grad } from "gradc";

        const Math = { sin: (x: number): number => 2 * x };

        function f(x: number): number {
          return Math.sin(x);
        }

        export const g = grad(f);
      `),
      at: [{ marker: "Math.sin(x)" }, { marker: "const Math", focus: "Math" }],
      hint: false,
    },
    {
      name: "a module-level `Number` that shadows the global",
      source: dedent(`
        import { grad } from "gradc";

        const Number = { EPSILON: 0.5 };

        function f(x: number): number {
          return x * x * Number.EPSILON;
        }

        export const g = grad(f);
      `),
      at: [{ marker: "Number.EPSILON;" , focus: "Number.EPSILON" }, { marker: "const Number", focus: "Number" }],
      hint: false,
    },
  ]);
});

describe("bad input never crashes", () => {
  /** Bodies of `function f(x: number): number { … }`, passed to grad. */
  const bodies: string[] = [
    `class C { v = 1; }\nreturn x;`,
    `const y = identity<number>(x);\nreturn y;`,
    `const p = async () => x;\nreturn x;`,
    `const o = { get v() { return x; } };\nreturn o.v;`,
    `const o = { v: x };\nreturn o?.v ?? 0;`,
    `return x?.valueOf() ?? 0;`,
    `const a = [...[x, x]];\nreturn a[0];`,
    `enum E { A, B }\nreturn x * E.B;`,
    `return typeof x === "number" ? x : 0;`,
    `return x instanceof Number ? 1 : x;`,
    `const d = new Date();\nreturn x;`,
    `return void 0;`,
    `const z = x && 1;\nreturn z;`,
    `const gen = function* () { yield x; };\nreturn x;`,
    `const r = /ab+c/;\nreturn x;`,
    `const big = 10n;\nreturn x;`,
    `const s = Symbol("s");\nreturn x;`,
    `block: {\n  break block;\n}\nreturn x;`,
    `debugger;\nreturn x;`,
    `return arguments.length * x;`,
    `const m = new Map<string, number>();\nreturn x;`,
    `const { a = 1 } = { a: x };\nreturn a;`,
    `return (() => x)();`,
    `return eval("x");`,
    `return [x][0];`,
    `return ({ v: x }).v;`,
    `let y: number | undefined;\ny = x;\nreturn y;`,
    `return <number>x;`,
    `return Number(x);`,
    `const t = [x, ...[x]];\nreturn t[0];`,
    `for (const k in { a: 1 }) {\n  x += 1;\n}\nreturn x;`,
    `return x > 0 ? "a".length : x;`,
    `return delete (globalThis as any).x ? x : 0;`,
    `interface P { v: number }\nconst p: P = { v: x };\nreturn p.v;`,
    `type T = number;\nconst y: T = x;\nreturn y + undefinedThing;`,
    `return import.meta.url.length * x;`,
    `return new.target ? 1 : x;`,
    `const arr = new Float64Array([x, x]);\nreturn arr[0];`,
    `const arr = new Float64Array(2);\nreturn arr;`,
    `const arr = new Float64Array(2);\nconst b = arr;\nreturn b[0];`,
    `return x.toFixed(2).length;`,
    `return super.x;`,
    `return this.x * x;`,
  ];

  /** Whole modules (the function handed to grad is odd in itself). */
  const modules: string[] = [
    `import { grad } from "gradc";\nasync function f(x: number): Promise<number> { return x; }\nexport const g = grad(f);\n`,
    `import { grad } from "gradc";\nfunction* f(x: number) { yield x; }\nexport const g = grad(f);\n`,
    `import { grad } from "gradc";\nfunction f<T>(x: number): number { return x; }\nexport const g = grad(f);\n`,
    `import { grad } from "gradc";\nfunction f(x: number): number;\nfunction f(x: any): any { return x; }\nexport const g = grad(f);\n`,
    `import { grad } from "gradc";\nclass C { get v(): number { return 1; } m(x: number): number { return x * x; } }\nexport const g = grad(new C().m);\n`,
    `import { grad } from "gradc";\nclass C { static m(x: number): number { return x * x; } }\nexport const g = grad(C.m);\n`,
    `import { grad } from "gradc";\nclass C {}\nexport const g = grad(C);\n`,
    `import { grad } from "gradc";\nenum E { A }\nexport const g = grad(E);\n`,
    `import { grad } from "gradc";\nconst f = 3;\nexport const g = grad(f);\n`,
    `import { grad } from "gradc";\nlet f = (x: number) => x * x;\nexport const g = grad(f);\n`,
    `import { grad } from "gradc";\nexport const g = grad();\n`,
    `import { grad } from "gradc";\nfunction f(x: number): number { return x; }\nexport const g = grad(f, { wrt: [0] }, 3);\n`,
    `import { grad } from "gradc";\nexport const g = grad(() => 1);\n`,
    `import { grad } from "gradc";\nexport const g = grad((x) => x);\n`,
    `import { grad } from "gradc";\nexport const g = grad((...xs: number[]) => xs[0]);\n`,
    `import { grad } from "gradc";\nexport const g = grad((x: Float64Array = new Float64Array(1)) => x[0]);\n`,
    `import { grad } from "gradc";\nexport const g = grad((x?: Float64Array) => x![0]);\n`,
    `import { grad } from "gradc";\nfunction f(this: any, x: number): number { return x; }\nexport const g = grad(f);\n`,
    `import { grad } from "gradc";\nfunction f(x: number): boolean { return x > 0; }\nexport const g = grad(f);\n`,
    `import { grad } from "gradc";\nfunction f(x: Float64Array): Float64Array { return x; }\nexport const g = grad(f);\n`,
    `import { grad } from "gradc";\nfunction f(x: number): number { return x; }\nexport const g = grad(f, { engine: "gpu" });\n`,
    `import { grad } from "gradc";\nfunction f(x: number): number { return x; }\nexport const g = grad(f, { wrt: [0.5] });\n`,
    `import { grad } from "gradc";\nfunction f(x: number): number { return x; }\nexport const g = grad(f, { "wrt": [0] , ["engine"]: "tape" });\n`,
    `import { grad } from "gradc";\nfunction f(x: number): number { return x; }\nexport const g = grad(grad(f));\n`,
    `import { grad } from "gradc";\nexport default function (x: number): number { return x; }\nexport const g = grad(undefined as any);\n`,
    `import { grad, stopGradient } from "gradc";\nfunction f(x: number): number { return stopGradient("x") ? x : 0; }\nexport const g = grad(f);\n`,
    `import { grad, stopGradient } from "gradc";\nfunction f(x: number): number { return stopGradient(); }\nexport const g = grad(f);\n`,
    `import { grad } from "gradc";\nfunction f(x: number): number { return f; }\nexport const g = grad(f);\n`,
    `import { grad } from "gradc";\nfunction f(x: number, y: number): number { return h(x); }\nfunction h(x: number, y: number): number { return x * y; }\nexport const g = grad(f);\n`,
    `import { grad } from "gradc";\nfunction f(x: number): number { return h(x); }\nfunction h(x: boolean): number { return x ? 1 : 0; }\nexport const g = grad(f);\n`,
    `import { grad } from "gradc";\nimport helper from "./missing";\nfunction f(x: number): number { return helper(x); }\nexport const g = grad(f);\n`,
    `import { grad } from "gradc";\nimport * as lib from "./lib";\nfunction f(x: number): number { return lib.h(x); }\nexport const g = grad(f);\n`,
    `/** @differentiable */\nexport function f(x: number, s: symbol): number { return x; }\n`,
    `/** @differentiable */\nexport function f(flag: boolean): number { return flag ? 1 : 0; }\n`,
    `/** @differentiable */\nexport function f(x: number): number { return x; }\nexport const f_grad = 1;\n`,
  ];

  const all: [string, string][] = [
    ...bodies.map((b): [string, string] => [`body: ${b.replace(/\n/g, " ")}`, withBody(b)]),
    ...modules.map((m): [string, string] => [`module: ${m.split("\n").slice(1, -2).join(" ") || m.replace(/\n/g, " ")}`, m]),
  ];

  it("has about 30 or more snippets, all syntactically valid TypeScript", () => {
    expect(all.length).toBeGreaterThanOrEqual(30);
    for (const [name, source] of all) {
      const sf = ts.createSourceFile(FILE, source, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
      const parseErrors = (sf as unknown as { parseDiagnostics: ts.Diagnostic[] }).parseDiagnostics;
      expect(parseErrors.map((e) => ts.flattenDiagnosticMessageText(e.messageText, "\n")), name).toEqual([]);
    }
  });

  for (const [name, source] of all) {
    it(name, () => {
      const { result } = run(source, FILE, {});
      expect(result.diagnostics.length, `accepted without a diagnostic:\n${source}`).toBeGreaterThan(0);
      checkWellFormed(result.diagnostics, { [FILE]: source });
      for (const d of result.diagnostics) {
        const text = formatDiagnostic(d);
        expect(text).toContain(`${d.file}:${d.line}:${d.col}`);
        expect(text).toMatch(/\n\s+\|\s*\^+/);
      }
      expect(result.code).toBeUndefined();
    });
  }
});
