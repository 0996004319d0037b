/**
 * Code size: for each workload function, the reverse-mode code gradc generates (what
 * `gradc emit` prints) against the source it was generated from. Both are counted in code lines
 * (blank lines and comment-only lines left out: generated code carries a `// line N:` comment per
 * source statement) and in bytes of those lines.
 *
 * Source: the function and every function it calls, transitively (followed through relative
 * imports), since gradc differentiates them all (inlining some). Generated: the function's own
 * reverse function (`f_rev…`), and all generated derivative code — every reverse function and
 * primal clone of a helper — excluding the support object and the thin `valueAndGradInto`
 * wrapper.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { transformModule } from "./compiler.js";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);

export interface CodeSize {
  function: string;
  file: string;
  wrt: number[];
  source: { functions: string[]; lines: number; bytes: number };
  /** The function's own reverse function. */
  reverse: { name: string; lines: number; bytes: number };
  /** Every generated reverse function and primal clone. */
  generated: { functions: string[]; lines: number; bytes: number };
}

const TARGETS: { fn: string; file: string; wrt: number[] }[] = [
  { fn: "f", file: "dsl-examples/lecture.ts", wrt: [0, 1] },
  { fn: "rosenbrock", file: "dsl-examples/rosenbrock.ts", wrt: [0] },
  { fn: "weightedTdLoss", file: "runtime/rl/networks/mlp.ts", wrt: [0] },
  { fn: "gmmObjective", file: "dsl-examples/gmm.ts", wrt: [0, 1, 2] },
  { fn: "lstmLoss", file: "dsl-examples/lstm.ts", wrt: [0] },
  { fn: "scalarLoop", file: "bench/scalar-loop.ts", wrt: [0, 1] },
];

function countCode(text: string): { lines: number; bytes: number } {
  let lines = 0;
  let bytes = 0;
  let inBlockComment = false;
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (inBlockComment) {
      if (line.includes("*/")) inBlockComment = false;
      continue;
    }
    if (line === "" || line.startsWith("//")) continue;
    if (line.startsWith("/*")) {
      if (!line.includes("*/")) inBlockComment = true;
      continue;
    }
    lines++;
    bytes += Buffer.byteLength(raw) + 1;
  }
  return { lines, bytes };
}

/** Top-level functions of a file and its relative named imports. */
function scan(file: string): { functions: Map<string, ts.FunctionDeclaration>; imports: Map<string, { file: string; name: string }>; sf: ts.SourceFile } {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const functions = new Map<string, ts.FunctionDeclaration>();
  const imports = new Map<string, { file: string; name: string }>();
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) && st.name) functions.set(st.name.text, st);
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier) && st.moduleSpecifier.text.startsWith(".")) {
      const target = path.resolve(path.dirname(file), st.moduleSpecifier.text.replace(/\.js$/, ".ts"));
      const bindings = st.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) {
        for (const el of bindings.elements) imports.set(el.name.text, { file: target, name: (el.propertyName ?? el.name).text });
      }
    }
  }
  return { functions, imports, sf };
}

/** The source text of `fn` in `file` and of every function it calls, transitively. */
function sourceClosure(file: string, fn: string): { functions: string[]; text: string } {
  const cache = new Map<string, ReturnType<typeof scan>>();
  const get = (f: string) => {
    let s = cache.get(f);
    if (!s) cache.set(f, (s = scan(f)));
    return s;
  };
  const seen = new Set<string>();
  const texts: string[] = [];
  const names: string[] = [];
  const visit = (f: string, name: string) => {
    const key = `${f}#${name}`;
    if (seen.has(key)) return;
    seen.add(key);
    const s = get(f);
    const decl = s.functions.get(name);
    if (!decl) {
      const imported = s.imports.get(name);
      if (imported) visit(imported.file, imported.name);
      return;
    }
    names.push(name);
    texts.push(decl.getText(s.sf));
    const walk = (node: ts.Node) => {
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression)) visit(f, node.expression.text);
      ts.forEachChild(node, walk);
    };
    if (decl.body) walk(decl.body);
  };
  visit(file, fn);
  return { functions: names, text: texts.join("\n") };
}

/** Top-level generated functions of a transformed module, by name. */
function generatedFunctions(code: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = code.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const m = /^function (\w+)\(/.exec(lines[i]);
    if (!m) continue;
    let j = i;
    while (j < lines.length && lines[j] !== "}") j++;
    out.set(m[1], lines.slice(i, j + 1).join("\n"));
    i = j;
  }
  return out;
}

export function measureCodeSize(): CodeSize[] {
  return TARGETS.map(({ fn, file, wrt }) => {
    const abs = path.join(ROOT, file);
    const probe = path.join(BENCH_DIR, "code-size-probe.ts");
    let rel = path.relative(BENCH_DIR, abs).replace(/\.ts$/, ".js").split(path.sep).join("/");
    if (!rel.startsWith(".")) rel = `./${rel}`;
    const source = `import { valueAndGradInto } from "gradc";\nimport { ${fn} } from "${rel}";\nexport const g = valueAndGradInto(${fn}, { wrt: [${wrt.join(", ")}] });\n`;
    const result = transformModule(source, probe);
    if (result.code === undefined || result.diagnostics.length > 0) {
      throw new Error(`code size: ${fn} did not compile: ${result.diagnostics.map((d) => d.message).join("; ")}`);
    }
    const generated = [...generatedFunctions(result.code)].filter(([name]) => !/_valueAndGradInto/.test(name));
    const own = generated.find(([name]) => name.startsWith(`${fn}_rev`));
    if (!own) throw new Error(`code size: no reverse function of ${fn} in the generated code`);
    const closure = sourceClosure(abs, fn);
    return {
      function: fn,
      file,
      wrt,
      source: { functions: closure.functions, ...countCode(closure.text) },
      reverse: { name: own[0], ...countCode(own[1]) },
      generated: { functions: generated.map(([name]) => name), ...countCode(generated.map(([, text]) => text).join("\n")) },
    };
  });
}
