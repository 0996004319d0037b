/**
 * Benchmark: checkpointing (`// @checkpoint`) of a long loop, time against memory. The pendulum of
 * bench/checkpoint-loop.ts over 10⁵ and 10⁶ Euler steps, its gradient with respect to all five
 * parameters: without the comment, with √n segments and with segments of 1,000 — time per
 * gradient on the compiled and the wasm engines (medians over interleaved rounds, one process,
 * bench/harness.ts), and what the reverse sweep saves at its peak (the save stacks' depth, on a
 * probe build whose support object is exposed, bench/memory.ts), and the value stack's buffer
 * that module keeps afterwards (it doubles as it fills).
 * Run: `npm run bench:checkpoint [-- --quick]` (--quick: 10⁵ steps only).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { valueAndGradInto } from "gradc";
import { pendulum, pendulum1000, pendulumSqrt } from "./checkpoint-loop.js";
import { type Candidate, measure } from "./harness.js";
import { type StackSupport, loadWithSupport, watchStackPeaks } from "./memory.js";

const variants = {
  plain: { compiled: valueAndGradInto(pendulum, { wrt: [0, 1, 2, 3, 4] }), wasm: valueAndGradInto(pendulum, { wrt: [0, 1, 2, 3, 4], engine: "wasm" }) },
  "√n": { compiled: valueAndGradInto(pendulumSqrt, { wrt: [0, 1, 2, 3, 4] }), wasm: valueAndGradInto(pendulumSqrt, { wrt: [0, 1, 2, 3, 4], engine: "wasm" }) },
  "k = 1000": { compiled: valueAndGradInto(pendulum1000, { wrt: [0, 1, 2, 3, 4] }), wasm: valueAndGradInto(pendulum1000, { wrt: [0, 1, 2, 3, 4], engine: "wasm" }) },
};
type Variant = keyof typeof variants;
const NAMES: Record<Variant, string> = { plain: "pendulum", "√n": "pendulumSqrt", "k = 1000": "pendulum1000" };

const quick = process.argv.includes("--quick");
const point = (steps: number) => [0.3, -0.2, 2, 0.1, 1e-4, steps] as const;
const grads = () => Array.from({ length: 5 }, () => new Float64Array(1));

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const probeSource = `import { valueAndGradInto } from "gradc";
import { pendulum, pendulumSqrt, pendulum1000 } from "./checkpoint-loop.js";
${Object.values(NAMES)
  .map((n) => `export const ${n}Rev = valueAndGradInto(${n}, { wrt: [0, 1, 2, 3, 4] });`)
  .join("\n")}
`;

interface Support extends StackSupport {
  stack: Float64Array;
}

/**
 * Peak depth of the value and inactive stacks during one gradient (wrapping the support object's
 * push methods), and the bytes of the value stack a fresh, unwrapped copy of the module keeps
 * after one gradient (a Float64Array that doubles as it fills, kept for the next call).
 */
async function peaks(variant: Variant, steps: number): Promise<{ values: number; inactive: number; stackBytes: number }> {
  const probe = async (tag: string) => {
    const mod = await loadWithSupport(probeSource, path.join(BENCH_DIR, `checkpoint-probe-${tag}-${NAMES[variant]}-${steps}.ts`));
    return { support: mod.__support as Support, run: mod[`${NAMES[variant]}Rev`] as (g: Float64Array[], ...args: number[]) => number };
  };
  const kept = await probe("kept");
  kept.run(grads(), ...point(steps));
  const stackBytes = kept.support.stack.byteLength;

  const { support: s, run } = await probe("depth");
  const depth = watchStackPeaks(s);
  run(grads(), ...point(steps));
  return { values: depth.values(), inactive: depth.inactive(), stackBytes };
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(bytes < 2 ** 20 ? 3 : 1)} MB`;
const rows: string[] = [];
for (const steps of quick ? [100_000] : [100_000, 1_000_000]) {
  // Same numbers first: every variant and engine against the plain compiled gradient.
  const reference = grads();
  const value = variants.plain.compiled(reference, ...point(steps));
  for (const [name, v] of Object.entries(variants)) {
    for (const [engine, f] of Object.entries(v)) {
      const g = grads();
      const got = f(g, ...point(steps));
      const worst = Math.max(Math.abs(got - value) / Math.abs(value), ...g.map((x, i) => Math.abs(x[0] - reference[i][0]) / Math.max(1e-300, Math.abs(reference[i][0]))));
      if (!(worst <= 1e-12)) throw new Error(`${name} on ${engine} at ${steps} steps differs from the plain gradient by ${worst}`);
    }
  }
  const candidates: Candidate[] = [];
  for (const [name, v] of Object.entries(variants)) {
    for (const [engine, f] of Object.entries(v)) {
      const g = grads();
      candidates.push({ key: `${name}/${engine}`, run: () => f(g, ...point(steps)) });
    }
  }
  const timing = measure(candidates, { warmupMs: 300, heapRepeats: 1, roundMs: 40, budgetMs: quick ? 2_000 : 6_000, minRounds: 7, maxRounds: 40 });
  const ms = (key: string) => {
    const m = timing.get(key)!;
    return m.ok ? m.timing.median : NaN;
  };
  for (const variant of Object.keys(variants) as Variant[]) {
    const p = await peaks(variant, steps);
    const saved = 8 * (p.values + p.inactive);
    rows.push(
      `| ${steps.toLocaleString("en")} | ${variant === "plain" ? "none" : variant === "√n" ? "`// @checkpoint`" : "`// @checkpoint 1000`"} | ` +
        `${ms(`${variant}/compiled`).toFixed(2)} | ${(ms(`${variant}/compiled`) / ms("plain/compiled")).toFixed(2)}× | ` +
        `${ms(`${variant}/wasm`).toFixed(2)} | ${(ms(`${variant}/wasm`) / ms("plain/wasm")).toFixed(2)}× | ` +
        `${p.values.toLocaleString("en")} + ${p.inactive.toLocaleString("en")} | ${mb(saved)} | ${mb(p.stackBytes)} |`,
    );
  }
}
console.log("| steps | checkpointing | compiled ms / gradient | vs plain | wasm ms / gradient | vs plain | peak stack (values + inactive) | saved (8 B a slot) | value stack kept |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) console.log(r);
