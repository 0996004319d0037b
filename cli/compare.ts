/**
 * `gradc compare [FILE] --function NAME --at x1,x2,… [--out DIR]`: the lecture's comparison of
 * symbolic, numerical and automatic differentiation, on one function of numbers (by default the
 * lecture example, f at (1.5, 0.5)):
 *
 *   - symbolic: the closed-form derivative as a computer-algebra system prints it (cli/symbolic.ts),
 *     its size, and its value against gradc's gradient;
 *   - expression swell: the function grown into a chain of n steps (x1 ← f(x1, x2, …), n times,
 *     generated as source text), the symbolic derivative's size against the size of the reverse
 *     function `gradc emit` prints for the same chain;
 *   - numerical: central differences' error against the step h (truncation against rounding), and
 *     their cost against the number of inputs (2n evaluations against one reverse pass);
 *   - automatic: gradc's reverse and forward modes, exact to rounding, their cost measured.
 *
 * It prints tables; `--out DIR` writes compare.json, derivative-size.svg and finite-difference-error.svg.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { type Diagnostic, formatDiagnostic, syntaxDiagnostics } from "../compiler/diagnostics.js";
import { ModuleGraph, type ResolvedFunction } from "../compiler/front/modules.js";
import { transformModule } from "../compiler/index.js";
import type { FnIR } from "../compiler/ir.js";
import { createLowerContext, lowerFunction } from "../compiler/lower/lower.js";
import { DriverDiagnostics, freshName, loadDriver, withGradcImport } from "./driver.js";
import { type Timing, formatError, formatRatio, formatSeconds, markdownTable, measureInterleaved } from "./measure.js";
import { Algebra, type Sym, SymbolicUnsupported, symbolicResult } from "./symbolic.js";

export interface CompareOptions {
  file?: string;
  functionName: string;
  at?: string;
  out?: string;
  rounds: number;
}

/** The lecture example (dsl-examples/lecture.ts), for an installed package that lacks the folder. */
const LECTURE_SOURCE = `/** The lecture example: f(x1, x2) = (sin(x1/x2) + x1/x2 − exp(x2)) · (x1/x2 − exp(x2)). */
export function f(x1: number, x2: number): number {
  const a = x1 / x2;
  const b = Math.sin(a);
  const c = Math.exp(x2);
  return (b + a - c) * (a - c);
}
`;

export const GROWTH_STEPS = [1, 2, 4, 8, 16];
const STEPS_H = Array.from({ length: 12 }, (_, i) => i + 1);
const SCALING_PAIRS = [1, 4, 16, 64];

interface Size {
  characters: number;
  operations: number;
}

interface CodeSize {
  lines: number;
  bytes: number;
}

interface CostRow {
  method: string;
  gradient: number[];
  /** Relative error against the reference (the symbolic derivative, or gradc's reverse mode without one). */
  error: number | null;
  work: string;
  median: number;
  min: number;
  max: number;
  perForward: number;
}

export interface CompareReport {
  file: string;
  function: string;
  parameters: string[];
  at: number[];
  value: number;
  /** gradc's reverse-mode gradient. */
  gradient: number[];
  symbolic:
    | {
        supported: true;
        function: Size & { expression?: string };
        derivatives: (Size & { parameter: string; expression?: string; value: number })[];
        characters: number;
        operations: number;
        gradient: number[];
        /** max |symbolic − gradc| / max(1, |gradc|). */
        errorVsGradc: number;
        gradcReverse: CodeSize;
      }
    | { supported: false; reason: string };
  growth:
    | {
        supported: true;
        description: string;
        steps: { n: number; symbolic: Size; gradc: CodeSize; ratio: number; errorVsGradc: number | null }[];
      }
    | { supported: false; reason: string };
  finiteDifferences: { errors: { h: number; error: number }[]; best: { h: number; error: number } };
  reference: "symbolic" | "gradc reverse";
  cost: CostRow[];
  scaling: { inputs: number; finiteDifferenceEvaluations: number; finiteDifferencesPerForward: number; reversePerForward: number }[];
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));
const worstRelative = (as: number[], bs: number[]) => as.reduce((w, a, i) => (Number.isNaN(a) ? NaN : Math.max(w, relative(a, bs[i]!))), 0);

export async function compare(options: CompareOptions): Promise<number> {
  // ---- The source and the function.
  let file: string;
  let text: string;
  let at = options.at;
  let builtIn = false;
  if (options.file === undefined) {
    file = fileURLToPath(new URL("../../dsl-examples/lecture.ts", import.meta.url));
    builtIn = !fs.existsSync(file);
    text = builtIn ? LECTURE_SOURCE : fs.readFileSync(file, "utf8");
    if (at === undefined && options.functionName === "f") at = "1.5,0.5";
  } else {
    file = path.resolve(options.file);
    try {
      text = fs.readFileSync(file, "utf8");
    } catch {
      process.stderr.write(`gradc compare: no such file: ${options.file}\n`);
      return 1;
    }
  }
  const shownFile = builtIn ? "the lecture example (built in)" : path.relative(process.cwd(), file) || file;
  const graph = new ModuleGraph();
  const sf = graph.add(file, text);
  const diagnostics: Diagnostic[] = syntaxDiagnostics(sf);
  if (diagnostics.length > 0) return fail(diagnostics);
  const resolution = graph.resolveLocal(sf, options.functionName);
  if (!resolution.ok) {
    process.stderr.write(`gradc compare: cannot differentiate '${options.functionName}': ${resolution.reason}\n`);
    return 1;
  }
  const lowerCtx = createLowerContext(graph, diagnostics);
  const fn = lowerFunction(resolution.fn, lowerCtx);
  if (!fn) return fail(diagnostics);
  if (fn.params.length === 0 || fn.params.some((p) => p.type !== "num") || fn.resultType !== "num" || !fn.returnsValue) {
    process.stderr.write(`gradc compare: '${options.functionName}' must take numbers and return a number (its parameters: ${fn.params.map((p) => `${p.name}: ${p.type}`).join(", ")})\n`);
    return 1;
  }
  const params = fn.params.map((p) => p.name);
  if (at === undefined) {
    process.stderr.write(`gradc compare: give the point with --at ${params.map((p) => `${p}`).join(",")} (numbers)\n`);
    return 1;
  }
  const x = at.split(",").map((s) => Number(s.trim()));
  if (x.length !== params.length || x.some((v, i) => !Number.isFinite(v) || at!.split(",")[i]!.trim() === "")) {
    process.stderr.write(`gradc compare: --at must list ${params.length} number(s), one per parameter (${params.join(", ")}); got '${at}'\n`);
    return 1;
  }
  const env = Object.fromEntries(params.map((p, i) => [p, x[i]!]));

  // ---- Symbolic differentiation of f itself.
  const algebra = new Algebra();
  const inputs = params.map((p) => algebra.variable(p));
  const functionsByName = (ctx: { functions: Map<unknown, FnIR> }) => new Map([...ctx.functions.values()].map((f) => [f.name, f]));
  let symbolicExpr: { f: Sym; derivatives: Sym[] } | { reason: string };
  try {
    const f = symbolicResult(fn, functionsByName(lowerCtx), algebra, inputs);
    symbolicExpr = { f, derivatives: params.map((p) => algebra.derivative(f, p)) };
  } catch (error) {
    if (!(error instanceof SymbolicUnsupported)) throw error;
    symbolicExpr = { reason: `${error.message}${error.loc ? ` (${path.relative(process.cwd(), error.loc.file)}:${error.loc.line}: ${error.loc.text})` : ""}` };
  }

  // ---- The driver: the module, chains of f, a sum of f over many inputs, and marker calls.
  const taken = new Set<string>();
  const local = { valueAndGrad: freshName(text, "gradcCompare_valueAndGrad", taken), jvp: freshName(text, "gradcCompare_jvp", taken) };
  const exportName = freshName(text, "gradcCompareDriver", taken);
  const chains = chainSources(sf, resolution.fn, fn, text, taken);
  const sumName = freshName(text, `${options.functionName}_sum`, taken);
  const sumSource = [
    `function ${sumName}(xs: Float64Array): number {`,
    `  let s = 0;`,
    `  for (let i = 0; i + ${params.length} <= xs.length; i += ${params.length}) s += ${options.functionName}(${params.map((_, k) => `xs[i + ${k}]`).join(", ")});`,
    `  return s;`,
    `}`,
  ].join("\n");
  const driver = [
    withGradcImport(sf.text, { [local.valueAndGrad]: "valueAndGrad", [local.jvp]: "jvp" }),
    "",
    "// ---- gradc compare: the function grown into chains, summed over many inputs, and its derivatives ----",
    ...(typeof chains === "string" ? [] : chains.map((c) => c.source)),
    sumSource,
    `export const ${exportName} = {`,
    `  f: ${options.functionName},`,
    `  valueAndGrad: ${local.valueAndGrad}(${options.functionName}),`,
    `  jvp: ${local.jvp}(${options.functionName}),`,
    `  chains: [${typeof chains === "string" ? "" : chains.map((c) => `${local.valueAndGrad}(${c.name})`).join(", ")}],`,
    `  sum: ${sumName},`,
    `  sumGrad: ${local.valueAndGrad}(${sumName}),`,
    "};",
    "",
  ].join("\n");

  // gradc's code for the chains: `gradc emit` of the driver, the reverse function of each chain.
  const emitted = transformModule(driver, file, { graph: new ModuleGraph() });
  if (emitted.diagnostics.length > 0) return fail(emitted.diagnostics);
  const code = emitted.code ?? "";
  const chainIR = typeof chains === "string" ? undefined : lowerChains(file, driver, chains.map((c) => c.name));

  interface Loaded {
    f: (...args: number[]) => number;
    valueAndGrad: (...args: number[]) => [number, number[]];
    jvp: (primals: number[], tangents: number[]) => [number, number];
    chains: ((...args: number[]) => [number, number[]])[];
    sum: (xs: Float64Array) => number;
    sumGrad: (xs: Float64Array) => [number, [Float64Array]];
  }
  let d: Loaded;
  try {
    d = (await loadDriver(file, driver, exportName, "gradc-compare")) as Loaded;
  } catch (error) {
    if (error instanceof DriverDiagnostics) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }

  const [value, gradient] = d.valueAndGrad(...x);
  const report: Partial<CompareReport> & Pick<CompareReport, "file" | "function" | "parameters" | "at" | "value" | "gradient"> = {
    file: shownFile,
    function: options.functionName,
    parameters: params,
    at: x,
    value,
    gradient: [...gradient],
  };

  // ---- Symbolic: sizes, values.
  const reverseName = `${fn.name}_rev`;
  let compiledSymbolic: ((...args: number[]) => number[]) | undefined;
  if ("reason" in symbolicExpr) {
    report.symbolic = { supported: false, reason: symbolicExpr.reason };
  } else {
    const fSize = algebra.size(symbolicExpr.f);
    const derivatives = symbolicExpr.derivatives.map((e, i) => {
      const size = algebra.size(e);
      return { parameter: params[i]!, ...size, ...(size.characters <= 100_000 ? { expression: algebra.print(e) } : {}), value: algebra.evaluate(e, env) };
    });
    const symbolicGradient = derivatives.map((g) => g.value);
    const standalone = transformModule(`${withGradcImport(sf.text, { [local.valueAndGrad]: "valueAndGrad" })}\n${local.valueAndGrad}(${options.functionName});\n`, file, {
      graph: new ModuleGraph(),
    });
    report.symbolic = {
      supported: true,
      function: { ...fSize, ...(fSize.characters <= 100_000 ? { expression: algebra.print(symbolicExpr.f) } : {}) },
      derivatives,
      characters: derivatives.reduce((s, g) => s + g.characters, 0),
      operations: derivatives.reduce((s, g) => s + g.operations, 0),
      gradient: symbolicGradient,
      errorVsGradc: worstRelative(symbolicGradient, report.gradient),
      gradcReverse: functionSize(standalone.code ?? "", reverseName) ?? { lines: NaN, bytes: NaN },
    };
    if (report.symbolic.characters <= 200_000) compiledSymbolic = algebra.compileExpressions(params, symbolicExpr.derivatives);
  }

  // ---- Growth.
  if (typeof chains === "string") {
    report.growth = { supported: false, reason: chains };
  } else if (!chainIR || "reason" in chainIR) {
    report.growth = { supported: false, reason: chainIR?.reason ?? "the chains could not be lowered" };
  } else {
    try {
      const steps = chains.map((c, k) => {
        const chainFn = chainIR.fns[k]!;
        const result = symbolicResult(chainFn, chainIR.functions, algebra, inputs);
        const ds = params.map((p) => algebra.derivative(result, p));
        const sizes = ds.map((e) => algebra.size(e));
        const symbolic = { characters: sizes.reduce((s, z) => s + z.characters, 0), operations: sizes.reduce((s, z) => s + z.operations, 0) };
        const gradc = functionSize(code, `${c.name}_rev`);
        if (!gradc) throw new SymbolicUnsupported(`gradc's reverse function of ${c.name} was not found in the emitted code`);
        const symbolicGrad = ds.map((e) => algebra.evaluate(e, env));
        const gradcGrad = d.chains[k]!(...x)[1];
        const finite = [...symbolicGrad, ...gradcGrad].every(Number.isFinite);
        return { n: c.n, symbolic, gradc, ratio: symbolic.characters / gradc.bytes, errorVsGradc: finite ? worstRelative(symbolicGrad, gradcGrad) : null };
      });
      report.growth = { supported: true, description: `${params[0]} ← ${options.functionName}(${params.join(", ")}), n times`, steps };
    } catch (error) {
      if (!(error instanceof SymbolicUnsupported)) throw error;
      report.growth = { supported: false, reason: error.message };
    }
  }

  // ---- Numerical: central differences against h.
  const central = (h: number) => {
    const work = [...x];
    return x.map((xi, i) => {
      work[i] = xi + h;
      const up = d.f(...work);
      work[i] = xi - h;
      const down = d.f(...work);
      work[i] = xi;
      return (up - down) / (2 * h);
    });
  };
  const errors = STEPS_H.map((e) => {
    const h = 10 ** -e;
    return { h, error: worstRelative(central(h), report.gradient) };
  });
  const best = errors.reduce((b, e) => (e.error < b.error ? e : b), errors[0]!);
  report.finiteDifferences = { errors, best };

  // ---- Cost, measured.
  const k = params.length;
  const tangents = new Array<number>(k).fill(0);
  const forwardGradient = () => {
    const g = new Array<number>(k);
    for (let i = 0; i < k; i++) {
      tangents[i] = 1;
      g[i] = d.jvp(x, tangents)[1];
      tangents[i] = 0;
    }
    return g;
  };
  const candidates: Record<string, () => unknown> = {
    "f (plain call)": () => d.f(...x),
    ...(compiledSymbolic ? { "symbolic (closed form as code)": () => compiledSymbolic!(...x) } : {}),
    [`central differences, h = ${best.h.toExponential(0)}`]: () => central(best.h),
    "gradc reverse mode (AD)": () => d.valueAndGrad(...x),
    "gradc forward mode (AD)": forwardGradient,
  };
  const timings = measureInterleaved(candidates, { rounds: options.rounds, batchSeconds: 0.002 });
  const reference = report.symbolic.supported ? report.symbolic.gradient : report.gradient;
  report.reference = report.symbolic.supported ? "symbolic" : "gradc reverse";
  const gradients: Record<string, number[]> = {
    "f (plain call)": [],
    "symbolic (closed form as code)": compiledSymbolic ? compiledSymbolic(...x) : [],
    [`central differences, h = ${best.h.toExponential(0)}`]: central(best.h),
    "gradc reverse mode (AD)": report.gradient,
    "gradc forward mode (AD)": forwardGradient(),
  };
  const work: Record<string, string> = {
    "f (plain call)": "1 evaluation",
    "symbolic (closed form as code)": `${report.symbolic.supported ? report.symbolic.operations : 0} operations`,
    [`central differences, h = ${best.h.toExponential(0)}`]: `${2 * k} evaluations of f`,
    "gradc reverse mode (AD)": "1 reverse pass",
    "gradc forward mode (AD)": `${k} jvp passes`,
  };
  const forwardTime = timings["f (plain call)"]!.median;
  report.cost = Object.entries(timings).map(([method, t]: [string, Timing]) => ({
    method,
    gradient: gradients[method]!,
    error: method === "f (plain call)" ? null : worstRelative(gradients[method]!, reference),
    work: work[method]!,
    median: t.median,
    min: t.min,
    max: t.max,
    perForward: t.median / forwardTime,
  }));

  // ---- Cost against the number of inputs: Σ f over groups of inputs.
  report.scaling = SCALING_PAIRS.map((m) => {
    const xs = Float64Array.from({ length: m * k }, (_, i) => x[i % k]!);
    const work = Float64Array.from(xs);
    const centralSum = () => {
      const g = new Float64Array(work.length);
      for (let i = 0; i < work.length; i++) {
        const xi = work[i]!;
        work[i] = xi + best.h;
        const up = d.sum(work);
        work[i] = xi - best.h;
        const down = d.sum(work);
        work[i] = xi;
        g[i] = (up - down) / (2 * best.h);
      }
      return g;
    };
    const t = measureInterleaved(
      {
        f: () => d.sum(xs),
        fd: centralSum,
        reverse: () => d.sumGrad(xs),
      },
      { rounds: options.rounds, batchSeconds: 0.002 },
    );
    return {
      inputs: m * k,
      finiteDifferenceEvaluations: 2 * m * k,
      finiteDifferencesPerForward: t.fd!.median / t.f!.median,
      reversePerForward: t.reverse!.median / t.f!.median,
    };
  });

  const full = report as CompareReport;
  process.stdout.write(render(full, options.rounds));
  if (options.out) {
    fs.mkdirSync(options.out, { recursive: true });
    fs.writeFileSync(path.join(options.out, "compare.json"), JSON.stringify(full, null, 2) + "\n");
    const { sizeSvg, errorSvg } = await plots(full);
    if (sizeSvg) fs.writeFileSync(path.join(options.out, "derivative-size.svg"), sizeSvg);
    fs.writeFileSync(path.join(options.out, "finite-difference-error.svg"), errorSvg);
    process.stderr.write(`gradc compare: wrote ${path.join(options.out, "compare.json")}${sizeSvg ? ", derivative-size.svg" : ""} and finite-difference-error.svg\n`);
  }
  const symbolicOk = !full.symbolic.supported || full.symbolic.errorVsGradc <= 1e-10;
  if (!symbolicOk) process.stderr.write("gradc compare: the symbolic derivative DISAGREES with gradc's gradient\n");
  return symbolicOk ? 0 : 1;
}

function fail(diagnostics: Diagnostic[]): number {
  for (const d of diagnostics) process.stderr.write(formatDiagnostic(d) + "\n\n");
  return 1;
}

/** Lines and bytes of `function NAME(` … its closing brace, in gradc's emitted code. */
export function functionSize(code: string, name: string): CodeSize | undefined {
  const match = new RegExp(`^function ${name.replace(/\$/g, "\\$")}\\d*\\(`, "m").exec(code);
  if (!match) return undefined;
  const end = code.indexOf("\n}\n", match.index);
  const body = code.slice(match.index, end < 0 ? code.length : end + 2);
  return { lines: body.split("\n").length, bytes: Buffer.byteLength(body) };
}

/**
 * The function grown into chains of n steps, as source text in FILE's scope: each step is a
 * block that runs f's body with the first parameter bound to the previous step's result. The
 * chains need f declared in FILE with a body whose only `return` is its last statement.
 */
function chainSources(sf: ts.SourceFile, resolved: ResolvedFunction, fn: FnIR, text: string, taken: Set<string>): { n: number; name: string; source: string }[] | string {
  const node = resolved.node;
  if (resolved.sourceFile !== sf) return `'${fn.sourceName}' is imported; the chains are generated from a function declared in FILE`;
  let statements: readonly ts.Statement[];
  let result: ts.Expression;
  if (ts.isBlock(node.body!)) {
    const body = node.body;
    const last = body.statements[body.statements.length - 1];
    if (!last || !ts.isReturnStatement(last) || !last.expression) return `the chains need '${fn.sourceName}' to end in a \`return\` of its value`;
    let returns = 0;
    const count = (n: ts.Node): void => {
      if (ts.isFunctionLike(n)) return;
      if (ts.isReturnStatement(n)) returns++;
      ts.forEachChild(n, count);
    };
    body.statements.forEach(count);
    if (returns !== 1) return `the chains need a single \`return\`, as the last statement of '${fn.sourceName}'`;
    statements = body.statements.slice(0, -1);
    result = last.expression;
  } else {
    statements = [];
    result = node.body as ts.Expression;
  }
  const names = node.parameters.map((p) => (ts.isIdentifier(p.name) ? p.name.text : undefined));
  if (names.some((n) => n === undefined)) return "the chains need plain parameter names";
  const assigned = new Set<string>();
  const findAssignments = (n: ts.Node): void => {
    if (ts.isBinaryExpression(n) && n.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && n.operatorToken.kind <= ts.SyntaxKind.LastAssignment && ts.isIdentifier(n.left)) assigned.add(n.left.text);
    if ((ts.isPrefixUnaryExpression(n) || ts.isPostfixUnaryExpression(n)) && ts.isIdentifier(n.operand)) assigned.add(n.operand.text);
    ts.forEachChild(n, findAssignments);
  };
  statements.forEach(findAssignments);
  const types = node.parameters.map((p) => (p.type ? p.type.getText(sf) : "number"));
  const acc = freshName(text, "acc", taken);
  // The first parameter is rebound in every step; another keeps its own name unless f assigns it.
  const signature = names.map((n, i) => (i === 0 || assigned.has(n!) ? freshName(text, `${n}_in`, taken) : n!));
  const bodyText = statements.map((s) => s.getText(sf)).join("\n    ");
  const step = [
    "  {",
    `    let ${names[0]}: ${types[0]} = ${acc};`,
    ...names.slice(1).flatMap((n, i) => (assigned.has(n!) ? [`    let ${n}: ${types[i + 1]} = ${signature[i + 1]};`] : [])),
    ...(bodyText ? [`    ${bodyText}`] : []),
    `    ${acc} = ${result.getText(sf)};`,
    "  }",
  ].join("\n");
  return GROWTH_STEPS.map((n) => {
    const name = freshName(text, `${fn.sourceName}_chain${n}`, taken);
    const source = [
      `function ${name}(${signature.map((s, i) => `${s}: ${types[i]}`).join(", ")}): number {`,
      `  let ${acc} = ${signature[0]};`,
      ...Array.from({ length: n }, () => step),
      `  return ${acc};`,
      "}",
    ].join("\n");
    return { n, name, source };
  });
}

function lowerChains(file: string, driver: string, names: string[]): { fns: FnIR[]; functions: Map<string, FnIR> } | { reason: string } {
  const graph = new ModuleGraph();
  const sf = graph.add(file, driver);
  const diagnostics: Diagnostic[] = [];
  const ctx = createLowerContext(graph, diagnostics);
  const fns: FnIR[] = [];
  for (const name of names) {
    const r = graph.resolveLocal(sf, name);
    if (!r.ok) return { reason: r.reason };
    const fn = lowerFunction(r.fn, ctx);
    if (!fn) return { reason: diagnostics.map((d) => d.message).join("; ") || `${name} could not be lowered` };
    fns.push(fn);
  }
  return { fns, functions: new Map([...ctx.functions.values()].map((f) => [f.name, f])) };
}

/** Thousands separated: 1 234 567. */
function count(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return n >= 1e15 ? n.toExponential(2) : Math.round(n).toLocaleString("en-US").replace(/,/g, " ");
}

function vector(v: number[]): string {
  return `[${v.map((g) => (Number.isFinite(g) ? Number(g.toPrecision(12)).toString() : String(g))).join(", ")}]`;
}

function render(r: CompareReport, rounds: number): string {
  const out: string[] = [];
  const params = r.parameters;
  out.push(`gradc compare: ${r.function}(${params.join(", ")}) from ${r.file}, at (${r.at.join(", ")}): value ${r.value}, gradc's gradient ${vector(r.gradient)}`);
  out.push("");
  out.push("## Symbolic differentiation: the closed form, as a computer-algebra system prints it (no shared subexpressions)");
  out.push("");
  if (!r.symbolic.supported) {
    out.push(`not available: ${r.symbolic.reason}`);
  } else {
    const s = r.symbolic;
    const show = (label: string, size: Size & { expression?: string }) =>
      `${label} = ${size.expression !== undefined && size.expression.length <= 1500 ? size.expression : `(${count(size.characters)} characters, not printed)`}`;
    out.push(show(r.function, s.function));
    for (const d of s.derivatives) out.push(show(`∂${r.function}/∂${d.parameter}`, d));
    out.push("");
    out.push(
      markdownTable(
        ["expression", "characters", "operations", "value at the point"],
        [
          [r.function, count(s.function.characters), count(s.function.operations), String(r.value)],
          ...s.derivatives.map((d) => [`∂${r.function}/∂${d.parameter}`, count(d.characters), count(d.operations), String(d.value)]),
          ["the gradient (all partials)", count(s.characters), count(s.operations), vector(s.gradient)],
          [`gradc's reverse function ${r.function}_rev (gradc emit)`, `${count(s.gradcReverse.bytes)} bytes, ${s.gradcReverse.lines} lines`, "—", vector(r.gradient)],
        ],
        ["l", "r", "r", "l"],
      ),
    );
    out.push("");
    out.push(`The symbolic gradient equals gradc's to ${formatError(s.errorVsGradc)} (relative).`);
  }
  out.push("");
  if (r.growth.supported) {
    out.push(`## Expression swell: ${r.function} grown into a chain of n steps (${r.growth.description})`);
    out.push("");
    out.push(
      markdownTable(
        ["n", "symbolic gradient: characters", "operations", "gradc reverse function: bytes", "lines", "symbolic ÷ gradc (characters ÷ bytes)", "symbolic vs gradc at the point"],
        r.growth.steps.map((g) => [
          String(g.n),
          count(g.symbolic.characters),
          count(g.symbolic.operations),
          count(g.gradc.bytes),
          String(g.gradc.lines),
          formatRatio(g.ratio),
          g.errorVsGradc === null ? "overflow" : formatError(g.errorVsGradc),
        ]),
        ["r", "r", "r", "r", "r", "r", "r"],
      ),
    );
    out.push("");
    out.push("The symbolic derivative grows exponentially with n (every use of an intermediate repeats its whole expression); gradc's code grows linearly (one line per operation).");
  } else {
    out.push("## Expression swell");
    out.push("");
    out.push(`not available: ${r.growth.reason}`);
  }
  out.push("");
  out.push("## Numerical differentiation: central differences (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h against the step h");
  out.push("");
  out.push(
    markdownTable(
      ["h", "relative error (max over inputs)", ""],
      r.finiteDifferences.errors.map((e) => [e.h.toExponential(0), formatError(e.error), e === r.finiteDifferences.best ? "← best" : ""]),
      ["r", "r", "l"],
    ),
  );
  out.push("");
  out.push(`Best step h = ${r.finiteDifferences.best.h.toExponential(0)} (error ${formatError(r.finiteDifferences.best.error)}): larger steps suffer truncation error (∝ h²), smaller ones rounding error (∝ ε/h).`);
  out.push("");
  out.push(`## Cost: time per gradient (median of ${rounds} interleaved rounds)`);
  out.push("");
  out.push(
    markdownTable(
      ["method", "gradient", `error vs ${r.reference}`, "work", "time", "÷ f"],
      r.cost.map((c) => [c.method, c.gradient.length ? vector(c.gradient) : "—", c.error === null ? "—" : formatError(c.error), c.work, formatSeconds(c.median), formatRatio(c.perForward)]),
      ["l", "l", "r", "l", "r", "r"],
    ),
  );
  out.push("");
  out.push(`## Cost against the number of inputs: Σ ${r.function} over n/${params.length} groups of inputs`);
  out.push("");
  out.push(
    markdownTable(
      ["inputs n", "central differences: evaluations", "central differences ÷ f", "gradc reverse ÷ f"],
      r.scaling.map((s) => [String(s.inputs), String(s.finiteDifferenceEvaluations), formatRatio(s.finiteDifferencesPerForward), formatRatio(s.reversePerForward)]),
      ["r", "r", "r", "r"],
    ),
  );
  out.push("");
  out.push("Central differences cost 2n evaluations of f; reverse mode one pass, a small constant times f whatever n.");
  out.push("");
  return out.join("\n");
}

async function plots(r: CompareReport): Promise<{ sizeSvg?: string; errorSvg: string }> {
  const vega = await import("vega");
  const { compile } = await import("vega-lite");
  type Spec = Parameters<typeof compile>[0];
  const svg = async (spec: Spec) => new vega.View(vega.parse(compile(spec).spec), { renderer: "none" }).toSVG();
  let sizeSvg: string | undefined;
  if (r.growth.supported) {
    const values = r.growth.steps.flatMap((g) => [
      { n: g.n, size: g.symbolic.characters, series: "symbolic derivative (characters)" },
      { n: g.n, size: g.gradc.bytes, series: "gradc reverse code (bytes)" },
    ]);
    sizeSvg = await svg({
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: `Derivative size: ${r.function} grown into a chain of n steps`,
      width: 560,
      height: 320,
      data: { values },
      mark: { type: "line", point: true },
      encoding: {
        x: { field: "n", type: "quantitative", title: "chain length n" },
        y: { field: "size", type: "quantitative", scale: { type: "log" }, axis: { format: ".0e" }, title: "size (log scale)" },
        color: {
          field: "series",
          type: "nominal",
          title: null,
          scale: { domain: ["symbolic derivative (characters)", "gradc reverse code (bytes)"], range: ["#d1495b", "#1f5fa8"] },
          legend: { orient: "top-left", labelLimit: 400 },
        },
      },
    });
  }
  const errorSvg = await svg({
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `Central differences of ${r.function}: error against the step h`,
    width: 560,
    height: 320,
    data: { values: r.finiteDifferences.errors.filter((e) => e.error > 0) },
    mark: { type: "line", point: true, color: "#1f5fa8" },
    encoding: {
      x: { field: "h", type: "quantitative", scale: { type: "log" }, axis: { format: ".0e" }, title: "step h (log scale)" },
      y: { field: "error", type: "quantitative", scale: { type: "log" }, axis: { format: ".0e" }, title: "relative error of the gradient (log scale)" },
    },
  });
  return { sizeSvg, errorSvg };
}
