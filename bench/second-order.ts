/**
 * Second derivatives: what a Hessian-vector product and a full Hessian of Rosenbrock cost with
 * gradc's generated code, against its own gradient (the ratio users reason with: an hvp should be
 * a small multiple of a gradient) and against jax-js 0.1.25 `jit(hessian(f))` on its wasm backend
 * in float64 (jacfwd of grad, traced once). Every result is checked against the hand-derived
 * tridiagonal Hessian before it is timed. One process, interleaved rounds, medians (harness.ts).
 *
 *   npm run bench:second-order [-- --quick]
 */
import { grad, hessian, hvp } from "gradc";
import { rosenbrock } from "../dsl-examples/rosenbrock.js";
import { type Candidate, measure } from "./harness.js";
import { loadJax } from "./peers/jax.js";

const quick = process.argv.includes("--quick");
const options = { warmupMs: quick ? 50 : 300, heapRepeats: 1, roundMs: quick ? 10 : 40, budgetMs: quick ? 400 : 3000, minRounds: quick ? 5 : 15, maxRounds: 400 };

const rosenbrockGrad = grad(rosenbrock);
const rosenbrockHvp = hvp(rosenbrock);
const rosenbrockHessian = hessian(rosenbrock);

/** The tridiagonal Hessian of Rosenbrock, by hand. */
function handHessian(x: Float64Array): number[][] {
  const n = x.length;
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      if (i === j) return (i + 1 < n ? 1200 * x[i] * x[i] - 400 * x[i + 1] + 2 : 0) + (i > 0 ? 200 : 0);
      if (j === i + 1) return -400 * x[i];
      if (i === j + 1) return -400 * x[j];
      return 0;
    }),
  );
}

function worstError(H: ArrayLike<ArrayLike<number>>, reference: number[][]): number {
  let worst = 0;
  reference.forEach((row, i) => row.forEach((r, j) => (worst = Math.max(worst, Math.abs(H[i][j] - r) / Math.max(1, Math.abs(r))))));
  return worst;
}

const jax = await loadJax();
const { numpy: np } = jax;
/** Rosenbrock in jax-js (as bench/peers/jax.ts writes it); jax-js arrays are consumed by use, hence the `.ref`s. */
const jaxRosenbrock = (x: ReturnType<typeof np.array>) => {
  const len = x.shape[0];
  const head = x.ref.slice([0, len - 1]);
  const tail = x.slice([1, len]);
  const a = tail.sub(np.square(head.ref));
  const b = head.neg().add(1);
  return np.square(a).mul(100).add(np.square(b)).sum();
};
const jaxHessian = jax.jit(jax.hessian(jaxRosenbrock));

console.log("Rosenbrock: gradc hvp and hessian against gradc's gradient and jax-js jit(hessian) (float64, wasm)\n");
console.log("| n | gradc grad | gradc hvp | hvp / grad | gradc hessian | jax-js jit(hessian) f64 | gradc / jax-js |");
console.log("| --- | --- | --- | --- | --- | --- | --- |");
for (const n of [10, 100, 400]) {
  const x = Float64Array.from({ length: n }, (_, i) => Math.sin(1.7 * i) * 0.9);
  const v = Float64Array.from({ length: n }, (_, i) => Math.cos(0.3 * i));
  const reference = handHessian(x);
  const gradcError = worstError(rosenbrockHessian(x), reference);
  const Hv = rosenbrockHvp([x], [v])[0];
  const hvpError = reference.reduce((worst, row, i) => Math.max(worst, Math.abs(row.reduce((s, h, j) => s + h * v[j], 0) - Hv[i]) / Math.max(1, Math.abs(Hv[i]))), 0);
  const xJax = np.array(x, { dtype: jax.DType.Float64 });
  const jaxResult = jaxHessian(xJax.ref);
  const jaxFlat = jaxResult.dataSync() as Float64Array;
  const jaxError = worstError(Array.from({ length: n }, (_, i) => jaxFlat.subarray(i * n, i * n + n)), reference);
  if (gradcError > 1e-12 || hvpError > 1e-12 || jaxError > 1e-9) throw new Error(`n = ${n}: worst relative errors gradc ${gradcError}, hvp ${hvpError}, jax-js ${jaxError}`);
  const candidates: Candidate[] = [
    { key: "grad", run: () => rosenbrockGrad(x) },
    { key: "hvp", run: () => rosenbrockHvp([x], [v]) },
    { key: "hessian", run: () => rosenbrockHessian(x) },
    { key: "jax", run: () => jaxHessian(xJax.ref).dataSync() },
  ];
  const timings = measure(candidates, options);
  const ms = (key: string) => {
    const t = timings.get(key)!;
    if (!t.ok) throw new Error(`${key}: ${t.error}`);
    return t.timing.median;
  };
  const format = (t: number) => (t >= 1 ? `${t.toFixed(2)} ms` : `${(t * 1000).toFixed(1)} µs`);
  console.log(`| ${n} | ${format(ms("grad"))} | ${format(ms("hvp"))} | ${(ms("hvp") / ms("grad")).toFixed(1)}× | ${format(ms("hessian"))} | ${format(ms("jax"))} | ${(ms("hessian") / ms("jax")).toFixed(2)}× |`);
  xJax.dispose();
}
