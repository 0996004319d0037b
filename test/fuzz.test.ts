/**
 * The differential fuzzer in `npm test`: a fixed-seed sample of generated programs, each
 * compiled by gradc and checked at random smooth points — compiled reverse (`grad`, `vjp`,
 * `grad` with `wrt`), compiled forward (`jvp` along every coordinate and a random direction), the
 * tape engine and the wasm engine (`grad`, `jvp`, `vjp` with `engine: "wasm"`) against one
 * another and against Richardson central differences, and `hvp` against central differences of
 * the gradient along a direction (and its symmetry) — plus a sample
 * of programs with a construct from outside the subset, which must get diagnostics and never an
 * exception. `npm run fuzz -- --n N --seed S` runs the same thing as a long soak.
 *
 * A failure writes a minimised reproducer to fuzz/failures/ and the assertion message shows it.
 */
import ts from "typescript";
import { beforeAll, describe, expect, it } from "vitest";
import { type Diagnostic, loadWasmBackend } from "../compiler/index.js";
import { MUTATIONS, generateBadInput, generateProgram } from "../fuzz/generate.js";
import { type Expr, type Program, printProgram, validate } from "../fuzz/ast.js";
import { minimize } from "../fuzz/minimize.js";
import { type Engines, type FuzzSummary, checkBadInput, checkProgram, compileProgram, moduleSource, readRefusal, runFuzz } from "../fuzz/run.js";

const SEED = 20_251_122;
/** Of the sample's 248 number-valued programs, those built with hvp (the others refused: recursion, object parameters). */
const HVP_PROGRAMS_AT_LEAST = 150;

function report(summary: FuzzSummary): string {
  return summary.failures
    .map((f) => `${f.kind} in program ${f.seed}/${f.index} [${f.signature}]${f.file ? ` — reproducer ${f.file}` : ""}\n${f.message}\n\n${f.source}`)
    .join("\n\n――――――――\n\n");
}

// Every program is also built for the wasm engine, whose binaryen loads asynchronously.
beforeAll(() => loadWasmBackend());

describe("differential fuzzing of the compiler", () => {
  it("300 generated programs: reverse, forward, tape, wasm, hvp and finite differences agree; no crash", async () => {
    // In batches, yielding between them: a worker busy for minutes without a break misses
    // vitest's RPC deadlines on a loaded machine (one module of 20 programs per batch: with the
    // wasm engine's build, a module takes seconds). Batches give the same programs as one run.
    const batches: FuzzSummary[] = [];
    for (let from = 0; from < 300; from += 20) {
      batches.push(
        runFuzz({
          n: 20,
          from,
          seed: SEED,
          bad: 0,
          points: 2,
          attempts: 8,
          // Keep a failing run short: minimise a few failures, list the rest.
          minimizeTotal: Math.max(0, 3 - batches.reduce((t, b) => t + b.failures.filter((f) => f.file).length, 0)),
          minimizePerClass: 1,
          minimizeBudget: 300,
          maxFailures: 12,
          // binaryen -O1 rather than builds' -O3: the same wasm code generation in a third of
          // the build time (the soaks, `npm run fuzz`, build at -O3).
          wasmOptimizeLevel: 1,
        }),
      );
      await new Promise((resolve) => setImmediate(resolve));
    }
    const summary = mergeSummaries(batches);
    expect(summary.failures, report(summary)).toEqual([]);
    expect(summary.programs).toBe(300);
    // Most programs are smooth at most points; a collapse here means the generator went wild.
    expect(summary.checkedPrograms).toBeGreaterThan(270);
    expect(summary.checkedPoints).toBeGreaterThan(500);
    // The wasm engine takes every program of the sample (a refusal is a diagnostic naming the
    // construct, counted as coverage `wasm refused: …`), and vectorizes loops of many.
    expect(summary.wasmPrograms + summary.wasmRefused).toBe(300);
    expect(summary.wasmRefused, Object.keys(summary.coverage).filter((k) => k.startsWith("wasm refused")).join("; ")).toBeLessThan(15);
    expect(summary.wasmChecked).toBeGreaterThan(250);
    // hvp on every number-valued program it does not refuse (a helper that may recurse, an object
    // parameter: coverage `hvp refused: …`), checked at most of them.
    const numberValued = Array.from({ length: 300 }, (_, i) => generateProgram(SEED, i)).filter((p) => p.f.ret === undefined).length;
    expect(summary.hvpPrograms + summary.hvpRefused).toBe(numberValued);
    expect(summary.hvpPrograms, Object.keys(summary.coverage).filter((k) => k.startsWith("hvp refused")).join("; ")).toBeGreaterThan(HVP_PROGRAMS_AT_LEAST);
    expect(summary.hvpChecked).toBeGreaterThan(0.9 * summary.hvpPrograms);
    // Every Math primitive of the subset and every kind of control flow was exercised.
    for (const feature of [
      "Math.sin", "Math.cos", "Math.tan", "Math.asin", "Math.acos", "Math.atan", "Math.atan2", "Math.sinh", "Math.cosh", "Math.tanh",
      "Math.asinh", "Math.acosh", "Math.atanh", "Math.exp", "Math.expm1", "Math.log", "Math.log1p", "Math.log2", "Math.log10",
      "Math.sqrt", "Math.cbrt", "Math.pow", "Math.abs", "Math.sign", "Math.min", "Math.max", "Math.hypot", "Math.floor", "Math.ceil",
      "Math.round", "Math.trunc", "op %", "op **", "?:", "for loop", "while loop", "do loop", "nested loop", "break", "continue",
      "return in loop", "element write", "helper call in loop", "helper call statement", "boolean parameter", "new Float64Array",
      "derivative-free overwrite in loop", "object literal", "object field write", "object spread update", "destructuring", "default parameter left out", "recursion", "string parameter compared",
      // f's object, Float32Array and integer-array parameters, and array results.
      "object parameter", "nested object parameter", "object parameter array write", "Float32Array parameter", "Float32Array element write", "Math.fround",
      "integer array parameter", "index from an Int32Array", "Uint8Array mask read", "array result", "number[] result",
      // Helpers returning arrays and objects, f's object result, recursion over arrays, integer typed array locals.
      "array-returning helper", "number[]-returning helper", "helper array result as argument", "array-returning helper in loop",
      "helper array result written", "object-returning helper", "object result destructured", "object result as a field", "object result",
      "nested object result", "recursion over an array", "divide-and-conquer recursion", "linear recursion over an array",
      "Int32Array local", "Uint8Array local", "index from an Int32Array local", "Uint8Array local mask read",
      // Loops the wasm engine runs on f64x2 lanes.
      "wasm vectorized loop", "vectorizable loop",
    ]) {
      expect(summary.coverage[feature] ?? 0, feature).toBeGreaterThan(3);
    }
  });

  it("200 programs outside the subset get diagnostics located in the source, never an exception", () => {
    const summary = runFuzz({ n: 0, seed: SEED, bad: 200, minimizeTotal: 3, minimizeBudget: 200, maxFailures: 12 });
    expect(summary.failures, report(summary)).toEqual([]);
    expect(summary.badInputs).toBe(200);
  });

  it("every bad-input mutation is rejected with a diagnostic", () => {
    // One program per mutation, so that a mutation the random sample above missed is covered.
    const problems: string[] = [];
    for (const [k, m] of MUTATIONS.entries()) {
      const bad = generateBadInput(SEED, k, m.name);
      const r = checkBadInput(bad.program);
      if (r.failure) problems.push(`${m.name}: ${r.failure.message}`);
    }
    expect(problems).toEqual([]);
  });

  it("generated programs are deterministic, well-formed and valid TypeScript", () => {
    // The first 40 programs, 40 more that use an object, Float32Array or integer-array parameter
    // or return an array, and 40 more with helpers returning arrays or objects, recursion over
    // arrays, f's object result or integer typed array locals.
    const newer = (p: Program) => p.f.params.some((q) => ["obj", "f32", "i32", "u8"].includes(q.ty)) || p.f.ret !== undefined;
    const newest = (p: Program) => p.helpers.some((h) => h.ret !== undefined || (h.recursive && h.params.some((q) => q.ty === "arr"))) || p.f.ret === "obj" || /new (Int32|Uint8)Array/.test(printProgram(p));
    const programs = Array.from({ length: 40 }, (_, i) => generateProgram(SEED, i));
    for (const [kind, more] of [[newer, 40], [newest, 40]] as const) {
      const want = programs.filter(kind).length + more;
      for (let i = 40; programs.filter(kind).length < want; i++) {
        const p = generateProgram(SEED, i);
        if (kind(p) && !programs.some((q) => q.index === p.index)) programs.push(p);
      }
    }
    expect(printProgram(generateProgram(SEED, 7))).toBe(printProgram(programs[7]));
    for (const p of programs) expect(validate(p)).toBeUndefined();
    // Type-check them with TypeScript itself (each as its own module).
    const files = new Map(programs.map((p, i) => [`/fuzz/p${i}.ts`, printProgram(p)]));
    const options: ts.CompilerOptions = { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, lib: ["lib.es2022.d.ts"], types: [] };
    const host = ts.createCompilerHost(options);
    const readFile = host.readFile.bind(host);
    const getSourceFile = host.getSourceFile.bind(host);
    host.fileExists = (f) => files.has(f) || ts.sys.fileExists(f);
    host.readFile = (f) => files.get(f) ?? readFile(f);
    host.getSourceFile = (f, lang, ...rest) => (files.has(f) ? ts.createSourceFile(f, files.get(f)!, lang, true) : getSourceFile(f, lang, ...rest));
    const program = ts.createProgram([...files.keys()], options, host);
    const errors = ts.getPreEmitDiagnostics(program).map((d) => {
      const where = d.file ? `${d.file.fileName}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}` : "";
      return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
    });
    expect(errors).toEqual([]);
  });
});

describe("the fuzzer's own checks", () => {
  const program = (body: Program["f"]["body"], params: Program["f"]["params"] = [{ name: "x", ty: "num" }]): Program => ({
    seed: 1, index: 0, arrLen: 3, consts: [], helpers: [], f: { name: "f", params, body },
  });
  const x: Expr = { k: "ref", name: "x", ty: "num" };
  const engines = (p: Program): Engines => {
    const compiled = compileProgram(p);
    if (!compiled.ok) throw new Error(compiled.failure.message);
    return compiled.engines;
  };

  it("skips programs that jump or kink everywhere as non-smooth", () => {
    // f(x) = floor(1000 x): a jump every 0.001, within reach of every stencil.
    const p = program([{ k: "return", value: { k: "math", fn: "floor", args: [{ k: "bin", op: "*", a: { k: "lit", v: 1000 }, b: x }] } }]);
    expect(checkProgram(p, engines(p), { points: 2, attempts: 5 }).status).toBe("nonsmooth");
  });

  it("catches an engine that is wrong, and an engine that throws", () => {
    const p = program([{ k: "return", value: { k: "math", fn: "sin", args: [x] } }]);
    const good = engines(p);
    expect(checkProgram(p, good, { points: 2, attempts: 5 }).status).toBe("ok");
    const wrong: Engines = { ...good, tape: (x0) => [1.01 * Math.cos(x0 as number)] };
    const r = checkProgram(p, wrong, { points: 2, attempts: 5 });
    expect(r.status).toBe("failed");
    expect(r.failure?.kind).toBe("mismatch");
    expect(r.failure?.signature).toBe("tape");
    const throwing: Engines = { ...good, fwd: () => { throw new RangeError("boom"); } };
    expect(checkProgram(p, throwing, { points: 2, attempts: 5 }).failure?.kind).toBe("runtime");
  });

  it("counts a wasm refusal that names a construct inside the program, fails one that does not", () => {
    // gradc's front end refuses everything the wasm engine does not compile today, so a refusal is synthetic here.
    const p = program([{ k: "return", value: { k: "math", fn: "sin", args: [x] } }]);
    const source = moduleSource([p]);
    const lines = source.split("\n");
    const at = (line: number, message: string): Diagnostic => ({ file: "/virtual/r.ts", line, col: 3, length: 1, message, source });
    const inside = lines.findIndex((l) => l.includes("Math.sin")) + 1;
    const marker = lines.findIndex((l) => l.startsWith("export const P0")) + 1;
    expect(readRefusal(at(inside, 'engine "wasm": the wasm engine does not order strings (\'<\')'), source, "/virtual/r.ts")).toEqual({ ok: true, program: 0, engine: "wasm", label: "the wasm engine does not order strings ('…')" });
    const outside = readRefusal(at(marker, 'engine "wasm": the wasm engine does not order strings'), source, "/virtual/r.ts");
    expect(outside.ok ? "" : outside.failure.signature).toBe("wasm refusal: location");
    const vague = readRefusal(at(inside, 'engine "wasm": no'), source, "/virtual/r.ts");
    expect(vague.ok ? "" : vague.failure.signature).toBe("wasm refusal: construct");
  });

  it("builds a program hvp refuses without hvp, counting the refusal; a refusal outside the program fails", () => {
    // A generated number-valued program calling a recursive helper: second order inlines every helper.
    const p = Array.from({ length: 60 }, (_, i) => generateProgram(SEED, i)).find((q) => q.f.ret === undefined && q.helpers.some((h) => h.recursive) && !q.f.params.some((r) => r.ty === "obj"))!;
    const compiled = compileProgram(p);
    if (!compiled.ok) throw new Error(compiled.failure.message);
    expect(compiled.refused.hvp).toBe("second derivatives of '…' need every helper inlined, and '…' may recurse");
    expect(compiled.engines.hvp).toBeUndefined();
    expect(compiled.engines.rev && compiled.engines.wrev, "the other engines are still built").toBeTruthy();
    expect(checkProgram(p, compiled.engines, { points: 1, attempts: 10 }).failure).toBeUndefined();
    // The same diagnostic on the module's import line belongs to no program.
    const source = moduleSource([p]);
    const misplaced = readRefusal({ file: "/virtual/r.ts", line: 1, col: 1, length: 1, message: "second derivatives of 'f' need every helper inlined, and 'h0' may recurse", source }, source, "/virtual/r.ts");
    expect(misplaced.ok ? "" : misplaced.failure.signature).toBe("hvp refusal: location");
  });

  it("checks the wasm engine against the compiled engine and finite differences", () => {
    const p = program([{ k: "return", value: { k: "math", fn: "sin", args: [x] } }]);
    const good = engines(p);
    expect(good.wrev && good.wfwd && good.wvjp, "every program is built for the wasm engine").toBeTruthy();
    // Off by one part in 10¹⁰: finite differences cannot tell, the compiled engine can.
    const slightly: Engines = { ...good, wrev: (x0) => [(1 + 1e-8) * Math.cos(x0 as number)] };
    const r = checkProgram(p, slightly, { points: 2, attempts: 5 });
    expect(r.failure?.kind).toBe("mismatch");
    expect(r.failure?.signature).toBe("wasm grad(f)/grad(f)");
    // A pullback that gives another answer when called again.
    let calls = 0;
    const drifting: Engines = { ...good, wvjp: (...args) => { const [v, pb] = good.wvjp!(...args); return [v, (c: number) => pb(c + 1e-3 * calls++)]; } };
    expect(checkProgram(p, drifting, { points: 2, attempts: 5 }).failure?.signature).toContain("wasm vjp(f) pullback twice");
  });

  // f(x, p: Params, w32: Float32Array, labels: Int32Array) = p.w[labels[0] % p.w.length] · p.b
  // + w32[0] · p.inner.c + fround(x · w32[1]), after w32[0] = w32[0] · x (a rounded store).
  const ref = (name: string): Expr => ({ k: "ref", name, ty: "num" });
  const load = (arr: string, index: Expr): Expr => ({ k: "load", arr, index });
  const mul = (a: Expr, b: Expr): Expr => ({ k: "bin", op: "*", a, b });
  const add = (a: Expr, b: Expr): Expr => ({ k: "bin", op: "+", a, b });
  const zero: Expr = { k: "lit", v: 0 };
  const one: Expr = { k: "lit", v: 1 };
  const objectProgram = program(
    [
      { k: "assign", target: { k: "elem", arr: "w32", index: zero }, op: "=", value: mul(load("w32", zero), x) },
      {
        k: "return",
        value: add(
          add(mul(load("p.w", { k: "bin", op: "%", a: load("labels", zero), b: { k: "len", arr: "p.w" } }), ref("p.b")), mul(load("w32", zero), ref("p.inner.c"))),
          { k: "math", fn: "fround", args: [mul(x, load("w32", one))] },
        ),
      },
    ],
    [
      { name: "x", ty: "num" },
      { name: "p", ty: "obj", shape: { iface: "Params", fields: [{ key: "w", ty: "arr" }, { key: "b", ty: "num" }, { key: "inner", ty: "obj", fields: [{ key: "c", ty: "num" }] }] } },
      { name: "w32", ty: "f32" },
      { name: "labels", ty: "i32" },
    ],
  );

  it("checks object, Float32Array and integer-array parameters leaf by leaf", () => {
    expect(validate(objectProgram)).toBeUndefined();
    const good = engines(objectProgram);
    expect(good.f64, "f rounds to float32: a float64 shadow for finite differences").toBeDefined();
    expect(checkProgram(objectProgram, good, { points: 2, attempts: 5 }).status).toBe("ok");
    // The tape gets ∂f/∂p.b wrong by 1%.
    const wrong: Engines = {
      ...good,
      tape: (...args) => {
        const g = good.tape!(...args) as any[];
        g[1].b *= 1.01;
        return g;
      },
    };
    const r = checkProgram(objectProgram, wrong, { points: 2, attempts: 5 });
    expect(r.failure?.kind).toBe("mismatch");
    expect(r.failure?.signature).toBe("tape");
    // A gradient for the labels, and a Float64Array where the Float32Array's gradient should be.
    const shapes: Engines = {
      ...good,
      rev: (...args) => {
        const g = good.rev!(...args) as any[];
        g[2] = Float64Array.from(g[2]);
        g[3] = new Float64Array(3);
        return g;
      },
    };
    const s = checkProgram(objectProgram, shapes, { points: 2, attempts: 5 });
    expect(s.failure?.signature).toBe("reverse-integer,reverse-shape");
  });

  it("checks array-valued functions through jvp and vjp on both engines", () => {
    // f(x, a) = sin(x · a) element by element, in a new Float64Array.
    const p: Program = {
      ...program([], [{ name: "x", ty: "num" }, { name: "a", ty: "arr" }]),
      f: {
        name: "f",
        ret: "f64",
        params: [{ name: "x", ty: "num" }, { name: "a", ty: "arr" }],
        body: [
          { k: "decl", kw: "const", name: "v0", ty: "arr", init: { k: "newarr", size: { k: "len", arr: "a" } } },
          { k: "for", v: "i", init: zero, cmp: "<", limit: { k: "len", arr: "v0" }, update: "++", body: [{ k: "assign", target: { k: "elem", arr: "v0", index: ref("i") }, op: "=", value: { k: "math", fn: "sin", args: [mul(x, load("a", ref("i")))] } }] },
          { k: "return", value: { k: "ref", name: "v0", ty: "arr" } },
        ],
      },
    };
    expect(validate(p)).toBeUndefined();
    const good = engines(p);
    expect(good.rev, "grad of an array-valued f is a diagnostic: not asked for").toBeUndefined();
    expect(checkProgram(p, good, { points: 2, attempts: 5 }).status).toBe("ok");
    const wrong: Engines = {
      ...good,
      tvjp: (...args) => {
        const [value, pullback] = good.tvjp!(...args);
        return [value, (c: ArrayLike<number>) => pullback(Array.from(c, (v, i) => (i === 0 ? 1.01 * v : v)))];
      },
    };
    const r = checkProgram(p, wrong, { points: 2, attempts: 5 });
    expect(r.failure?.kind).toBe("mismatch");
    expect(r.failure?.signature).toBe("tape-vjp");
  });

  it("checks object-valued functions leaf by leaf, with cotangents of the result's shape", () => {
    // f(x, a) = { s: x·x, v: sin(x · a) element by element, inner: { c: a[0] · x } }.
    const p: Program = {
      ...program([], [{ name: "x", ty: "num" }, { name: "a", ty: "arr" }]),
      f: {
        name: "f",
        ret: "obj",
        retShape: { iface: "Result", fields: [{ key: "s", ty: "num" }, { key: "v", ty: "arr" }, { key: "inner", ty: "obj", fields: [{ key: "c", ty: "num" }] }] },
        params: [{ name: "x", ty: "num" }, { name: "a", ty: "arr" }],
        body: [
          { k: "decl", kw: "const", name: "v0", ty: "arr", init: { k: "newarr", size: { k: "len", arr: "a" } } },
          { k: "for", v: "i", init: zero, cmp: "<", limit: { k: "len", arr: "v0" }, update: "++", body: [{ k: "assign", target: { k: "elem", arr: "v0", index: ref("i") }, op: "=", value: { k: "math", fn: "sin", args: [mul(x, load("a", ref("i")))] } }] },
          {
            k: "return",
            value: { k: "objlit", fields: [{ key: "s", value: mul(x, x) }, { key: "v", value: { k: "ref", name: "v0", ty: "arr" } }, { key: "inner", value: { k: "objlit", fields: [{ key: "c", value: mul(load("a", zero), x) }] } }] },
          },
        ],
      },
    };
    expect(validate(p)).toBeUndefined();
    expect(printProgram(p)).toContain("interface Result {");
    const good = engines(p);
    expect(checkProgram(p, good, { points: 2, attempts: 5 }).status).toBe("ok");
    // The tape's pullback reads the cotangent's `inner.c` 1% too large.
    const wrong: Engines = {
      ...good,
      tvjp: (...args) => {
        const [value, pullback] = good.tvjp!(...args);
        return [value, (c: any) => pullback({ ...c, inner: { c: 1.01 * c.inner.c } })];
      },
    };
    const r = checkProgram(p, wrong, { points: 2, attempts: 5 });
    expect(r.failure?.kind).toBe("mismatch");
    expect(r.failure?.signature).toBe("tape-vjp");
  });

  it("validates gradc's rules for array results and recursion over arrays", () => {
    const arr = (name: string): Expr => ({ k: "ref", name, ty: "arr" });
    const helper = (body: Program["f"]["body"], extra: Partial<Program["f"]> = {}): Program["f"] => ({ name: "h0", params: [{ name: "q", ty: "arr" }, { name: "p0", ty: "num" }], body, ...extra });
    const withHelper = (h: Program["f"], body: Program["f"]["body"]): Program => ({ ...program(body, [{ name: "x", ty: "num" }, { name: "a", ty: "arr" }]), helpers: [h] });
    const call = (ty?: "arr"): Expr => ({ k: "call", fn: "h0", args: [arr("a"), x], ...(ty ? { ty } : {}) });
    // A helper returning its array parameter, its result used: a diagnostic in gradc.
    const same = withHelper(helper([{ k: "return", value: arr("q") }], { ret: "f64" }), [{ k: "decl", kw: "const", name: "r0", ty: "arr", init: call("arr") }, { k: "return", value: load("r0", zero) }]);
    expect(validate(same)).toMatch(/returns its array parameter/);
    // A number[] result passed on as a Float64Array: a TypeScript error.
    const list = withHelper(helper([{ k: "return", value: { k: "arrlit", items: [ref("p0"), one, one] } }], { ret: "list", params: [{ name: "p0", ty: "num" }] }), []);
    list.helpers.push({ name: "h1", params: [{ name: "q", ty: "arr" }], body: [{ k: "return", value: load("q", zero) }] });
    list.f.body = [{ k: "return", value: { k: "call", fn: "h1", args: [{ k: "call", fn: "h0", args: [x], ty: "arr" }] } }];
    expect(validate(list)).toMatch(/number\[\] passed/);
    // Writing an array after passing it to a recursive helper (also in a loop, before the call).
    const recursive = helper([{ k: "return", value: load("q", zero) }], { recursive: true });
    const write: Program["f"]["body"][number] = { k: "assign", target: { k: "elem", arr: "a", index: zero }, op: "=", value: x };
    expect(validate(withHelper(recursive, [{ k: "decl", kw: "const", name: "t0", ty: "num", init: call() }, write, { k: "return", value: ref("t0") }]))).toMatch(/after passing it to a recursive helper/);
    expect(validate(withHelper(recursive, [{ k: "for", v: "i", init: zero, cmp: "<", limit: one, update: "++", body: [write, { k: "expr", e: call() }] }, { k: "return", value: x }]))).toMatch(/after passing it to a recursive helper/);
    expect(validate(withHelper(recursive, [write, { k: "decl", kw: "const", name: "t0", ty: "num", init: call() }, { k: "return", value: ref("t0") }]))).toBeUndefined();
    // A recursive helper writing its array parameter.
    const writer = helper([{ k: "assign", target: { k: "elem", arr: "q", index: zero }, op: "=", value: ref("p0") }, { k: "return", value: ref("p0") }], { recursive: true });
    expect(validate(withHelper(writer, [{ k: "return", value: call() }]))).toMatch(/recursive helper writes its array parameter/);
  });

  it("checks hvp against differences of the gradient, its symmetry, and the caller's arrays", () => {
    // f(x, a) = sin(x · a[0]) + a[1]² · x.
    const a0 = load("a", zero);
    const a1 = load("a", one);
    const p = program([{ k: "return", value: add({ k: "math", fn: "sin", args: [mul(x, a0)] }, mul(mul(a1, a1), x)) }], [{ name: "x", ty: "num" }, { name: "a", ty: "arr" }]);
    const good = engines(p);
    const ok = checkProgram(p, good, { points: 2, attempts: 5 });
    expect(ok.status).toBe("ok");
    expect(ok.hvpPoints).toBe(2);
    const hvp = good.hvp!;
    // (H·v) off by 1% at x (and with it, H's symmetry).
    const wrong: Engines = { ...good, hvp: (primals, tangents) => { const r = hvp(primals, tangents); r[0] = 1.01 * (r[0] as number); return r; } };
    expect(checkProgram(p, wrong, { points: 2, attempts: 5 }).failure?.signature).toBe("hvp,hvp-symmetry");
    // H[x][a0] off by 1e-7, which finite differences cannot tell: H is no longer symmetric.
    const lopsided: Engines = { ...good, hvp: (primals, tangents) => { const r = hvp(primals, tangents); r[0] = (r[0] as number) + 1e-7 * (tangents[1] as Float64Array)[0]; return r; } };
    expect(checkProgram(p, lopsided, { points: 2, attempts: 5 }).failure?.signature).toBe("hvp-symmetry");
    // A caller's array written.
    const writing: Engines = { ...good, hvp: (primals, tangents) => { const r = hvp(primals, tangents); (primals[1] as Float64Array)[0] += 1; return r; } };
    expect(checkProgram(p, writing, { points: 2, attempts: 5 }).failure?.signature).toBe("hvp(f)-writes");
  });

  it("minimises a failing program while the failure persists", () => {
    // A fake oracle: the program fails while it still contains Math.cbrt anywhere.
    const p = generateProgram(SEED, 3);
    const hasCbrt = (q: Program) => printProgram(q).includes("Math.cbrt");
    p.f.body.splice(p.f.body.length - 1, 0, { k: "decl", kw: "const", name: "zz", ty: "num", init: { k: "math", fn: "cbrt", args: [{ k: "lit", v: 2 }] } });
    expect(hasCbrt(p)).toBe(true);
    const small = minimize(p, hasCbrt, { budget: 400 });
    expect(hasCbrt(small)).toBe(true);
    expect(validate(small)).toBeUndefined();
    expect(printProgram(small).trimEnd().split("\n").length).toBeLessThanOrEqual(4);
  });
});

/** One summary of consecutive batches of the same seed (the figures this file reads). */
function mergeSummaries(batches: FuzzSummary[]): FuzzSummary {
  const coverage: Record<string, number> = {};
  for (const b of batches) for (const [k, v] of Object.entries(b.coverage)) coverage[k] = (coverage[k] ?? 0) + v;
  return {
    ...batches[0]!,
    programs: batches.reduce((t, b) => t + b.programs, 0),
    checkedPrograms: batches.reduce((t, b) => t + b.checkedPrograms, 0),
    checkedPoints: batches.reduce((t, b) => t + b.checkedPoints, 0),
    wasmPrograms: batches.reduce((t, b) => t + b.wasmPrograms, 0),
    wasmChecked: batches.reduce((t, b) => t + b.wasmChecked, 0),
    wasmRefused: batches.reduce((t, b) => t + b.wasmRefused, 0),
    wasmVectorized: batches.reduce((t, b) => t + b.wasmVectorized, 0),
    hvpPrograms: batches.reduce((t, b) => t + b.hvpPrograms, 0),
    hvpChecked: batches.reduce((t, b) => t + b.hvpChecked, 0),
    hvpRefused: batches.reduce((t, b) => t + b.hvpRefused, 0),
    failures: batches.flatMap((b) => b.failures),
    coverage,
  };
}
