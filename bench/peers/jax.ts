/**
 * jax-js peers: `jit(valueAndGrad(f))` on jax-js's WebAssembly backend, in float32 and in
 * float64 ("jax-js jit (f32)", "jax-js jit (f64)").
 *
 * Each `prepare` uploads the fixed data once and traces/compiles two jitted functions with a
 * warm-up call: the loss, and a step that returns `[value, gradient…]` as ONE flat array in the
 * workload's input order (the gradient is concatenated inside the jitted function), so a
 * gradient costs one dispatch and one readback.
 *
 * jax-js notes (0.1.25, Node 20):
 * - Arrays are reference-counted and every call consumes its array arguments, so the fixed
 *   inputs are passed as `x.ref` and every array in a traced function is used exactly once
 *   (or `.ref`'d for each further use). `dataSync()` consumes the array it reads.
 * - It mentions `Float16Array` (an `instanceof` test while creating arrays), which Node 20 lacks;
 *   an unconstructible stand-in class is installed if the global is missing — no float16 array
 *   is ever created here.
 * - In Node 20 there is no global `Worker`, so the wasm backend runs single-threaded, and on that
 *   synchronous path it instantiates a `WebAssembly.Instance` for every kernel it dispatches
 *   (~30 kernels per DQN gradient, 5 per forward pass): a fixed per-call cost that dominates
 *   small problems.
 * - float64 matmul-heavy kernels run much slower than float32 ones (the DQN gradient ~10× here).
 * - Inside `jit`, a JavaScript number operand (`x.add(0.1)`) becomes a float32 literal even when
 *   `x` is float64; `mean()` scales by such a literal (1/n), and so does the jitted gradient of
 *   `div(n)` — which also changes the value it returns (`valueAndGrad` of `sum().div(20)` off by
 *   1.5e-8, the rounding of 0.05 to float32; eager calls are exact). So the jitted functions use
 *   JS numbers only where they, and their reciprocals for a division, are exact in float32 (0.5,
 *   1, 100, 2^k, integer factors) and take any other constant, and any other divisor, as a 0-d
 *   array of the engine's dtype. With that, GMM and LSTM agree with gradc to 2e-15 in float64 on
 *   jax-js's plain-JS "cpu" backend (checked by hand; it is not one of the engines here).
 * - Precision caveat: on the wasm backend, float64 sin/cos/exp/log are evaluated by demoting to
 *   float32, calling float32 polynomial approximations and promoting back, so they carry
 *   relative errors ~1e-7 (and exp overflows where float32 does, above ~88). The lecture example
 *   (sin, exp), the GMM (exp, log in logsumexp) and the LSTM (sigmoid, tanh) therefore match
 *   gradc only to ~1e-7 in "float64" and are reported as mismatches at its 1e-9 tolerance;
 *   Rosenbrock and the DQN loss use only + − × ÷, matmul, abs, max, where and sums, and are
 *   float64-accurate.
 *
 * Families: lecture, rosenbrock, dqn, gmm, lstm. The scalar loop is not implemented
 * (`supports()` is false): jax-js 0.1.25 has no loop primitive (no fori_loop, scan or
 * while_loop), so `jit` would trace its 10⁵ dependent scalar iterations into a ~4·10⁵-operation
 * program and its transpose (bench/peers/common.ts).
 */
import type * as JaxModule from "@jax-js/jax";
import type { DqnWorkload, Engine, GmmWorkload, LstmWorkload, Prepared, Workload } from "../engines/types.js";
import { actionMask, checkDqn, checkGmm, checkLstm, dqnLayers, gmmConstant, gmmSelectors, lstmLayout, peerSupports, splitValueAndGradient } from "./common.js";

type Jax = typeof JaxModule;
type JArray = JaxModule.Array;
type JDType = "float32" | "float64";

let loading: Promise<Jax> | undefined;

/** Loads jax-js and starts its wasm backend (once per process). */
export function loadJax(): Promise<Jax> {
  loading ??= (async () => {
    const g = globalThis as { Float16Array?: unknown };
    if (g.Float16Array === undefined) {
      // Only referenced by jax-js (`data instanceof Float16Array`); never constructed here.
      g.Float16Array = class Float16ArrayUnavailable {
        constructor() {
          throw new Error("Float16Array is not available in this Node version (stand-in installed for jax-js)");
        }
      };
    }
    const jax = await import("@jax-js/jax");
    const devices = await jax.init("wasm");
    if (!devices.includes("wasm")) throw new Error(`jax-js: the wasm backend did not start (devices: ${devices.join(", ")})`);
    jax.defaultDevice("wasm");
    return jax;
  })();
  return loading;
}

/** Both jax-js engines (float32 and float64); the backend starts when this is awaited. */
export async function jaxEngines(): Promise<Engine[]> {
  const jax = await loadJax();
  return [jaxEngine(jax, "float32"), jaxEngine(jax, "float64")];
}

/** The jax-js engine of one dtype (jax from `loadJax()`). */
export function jaxEngine(jax: Jax, dtype: JDType): Engine {
  return {
    name: `jax-js jit (${dtype === "float32" ? "f32" : "f64"})`,
    precision: dtype,
    supports: peerSupports,
    prepare: async (w) => prepareJax(jax, dtype, w),
  };
}

/** A function of the differentiated arrays (first argument) and the fixed data arrays. */
type Loss = (wrt: JArray[], data: JArray[]) => JArray;

interface Problem {
  /** The differentiated inputs, in the order their gradients are flattened. */
  wrt: JArray[];
  /** Fixed data (not differentiated). */
  data: JArray[];
  loss: Loss;
  /** Total length of the flattened gradient. */
  n: number;
}

function prepareJax(jax: Jax, dtype: JDType, w: Workload): Prepared {
  const { numpy: np } = jax;
  const upload = (values: ArrayLike<number>, shape: number[]): JArray =>
    np.array(dtype === "float64" ? Float64Array.from(values) : Float32Array.from(values)).reshape(shape);
  const problem = buildProblem(jax, w, upload);
  const { wrt, data, loss, n } = problem;

  const forwardFn = jit1(jax, (p: JArray[], d: JArray[]) => loss(p, d));
  const stepFn = jit1(jax, (p: JArray[], d: JArray[]) => {
    const [value, grads] = jax.valueAndGrad(loss)(p, d) as [JArray, JArray[]];
    return np.concatenate([value.reshape([1]), ...grads.map((g) => g.reshape([-1]))]);
  });
  const refs = (xs: JArray[]) => xs.map((x) => x.ref);

  const prepared: Prepared = {
    forward() {
      return forwardFn(refs(wrt), refs(data)).dataSync()[0]!;
    },
    gradient() {
      const out = stepFn(refs(wrt), refs(data)).dataSync();
      if (!(out instanceof Float64Array || out instanceof Float32Array)) throw new Error(`jax-js returned ${out.constructor.name}`);
      return splitValueAndGradient(out, n);
    },
    dispose() {
      forwardFn.dispose();
      stepFn.dispose();
      for (const x of [...wrt, ...data]) x.dispose();
    },
  };
  // Warm-up: traces and compiles both functions now, not in the first timed call.
  prepared.forward();
  prepared.gradient();
  return prepared;
}

/** `jit` with the two-argument shape used here (keeps jax-js's generic types out of the way). */
function jit1(jax: Jax, f: Loss): ((wrt: JArray[], data: JArray[]) => JArray) & { dispose(): void } {
  return jax.jit(f) as unknown as ((wrt: JArray[], data: JArray[]) => JArray) & { dispose(): void };
}

function buildProblem(jax: Jax, w: Workload, upload: (values: ArrayLike<number>, shape: number[]) => JArray): Problem {
  const { numpy: np, nn } = jax;
  switch (w.family) {
    case "lecture": {
      // f(x1, x2) = (sin(a) + a − c)·(a − c), a = x1/x2, c = exp(x2)
      const loss: Loss = ([x], []) => {
        const x1 = x!.ref.slice(0);
        const x2 = x!.slice(1);
        const a = x1.div(x2.ref);
        const c = np.exp(x2);
        const aMinusC = a.ref.sub(c.ref);
        return np.sin(a.ref).add(a).sub(c).mul(aMinusC);
      };
      return { wrt: [upload(w.x, [2])], data: [], loss, n: 2 };
    }
    case "rosenbrock": {
      // Σ_i 100·(x_{i+1} − x_i²)² + (1 − x_i)², i = 0 … n−2
      const len = w.x.length;
      const loss: Loss = ([x], []) => {
        const head = x!.ref.slice([0, len - 1]);
        const tail = x!.slice([1, len]);
        const a = tail.sub(np.square(head.ref));
        const b = head.neg().add(1);
        return np.square(a).mul(100).add(np.square(b)).sum();
      };
      return { wrt: [upload(w.x, [len])], data: [], loss, n: len };
    }
    case "dqn":
      return dqnProblem(np, nn, w, upload);
    case "gmm":
      return gmmProblem(np, nn, w, upload);
    case "lstm":
      return lstmProblem(np, nn, w, upload);
    default:
      throw new Error(`jax-js peer: family "${w.family}" is not implemented`);
  }
}

/**
 * The DQN batch loss over the whole batch: H_0 = obs (batch × n_0), H_l = relu(H_{l−1}·W_lᵀ + b_l)
 * (no ReLU on the last layer), Q(s, a) = Σ_j Q ⊙ onehot(a), d = Q(s, a) − y,
 * loss = Σ_b w_b·huber(d_b) / batch with huber(d) = ½d² for |d| ≤ 1, |d| − ½ otherwise.
 * Differentiated with respect to per-layer W_l (n_out × n_in) and b_l, which flattened and
 * concatenated in order are exactly theta's layout.
 */
function dqnProblem(np: Jax["numpy"], nn: Jax["nn"], w: DqnWorkload, upload: (values: ArrayLike<number>, shape: number[]) => JArray): Problem {
  checkDqn(w);
  const layers = dqnLayers(w.sizes);
  const nA = w.sizes[w.sizes.length - 1]!;
  const B = w.batch;
  const wrt: JArray[] = [];
  for (const l of layers) {
    wrt.push(upload(w.theta.subarray(l.wOffset, l.wOffset + l.nOut * l.nIn), [l.nOut, l.nIn]));
    wrt.push(upload(w.theta.subarray(l.bOffset, l.bOffset + l.nOut), [l.nOut]));
  }
  const data = [upload(w.obs, [B, w.sizes[0]!]), upload(actionMask(w), [B, nA]), upload(w.targets, [B]), upload(w.weights, [B])];
  const loss: Loss = (params, [obs, mask, targets, weights]) => {
    let h = obs!;
    layers.forEach((l, i) => {
      const z = np.matmul(h, params[2 * i]!.transpose()).add(params[2 * i + 1]!);
      h = l.hidden ? nn.relu(z) : z;
    });
    const d = h.mul(mask!).sum(1).sub(targets!);
    const a = np.absolute(d.ref);
    const huber = np.where(a.ref.lessEqual(1), d.ref.mul(d).mul(0.5), a.sub(0.5));
    return huber.mul(weights!).sum().div(B);
  };
  return { wrt, data, loss, n: w.theta.length };
}

/**
 * ADBench's GMM objective (dsl-examples/gmm.ts) for all n points and k components at once:
 * Qᵀ_k assembled from icf by two products with constant selectors (k × d × d; see
 * `gmmSelectors`), the centred points x_i − μ_k as one k × n × d array, Q_k(x_i − μ_k) as one
 * batched matmul, then main[k][i] = α_k + Σ log diag Q_k − ½‖Q_k(x_i − μ_k)‖²,
 * Σ_i logsumexp_k main − n·logsumexp(α) + the Wishart prior ½γ²‖Q_k‖²_F − m·Σ log diag Q_k,
 * plus the parameter-free terms (`gmmConstant`, added as one 0-d array).
 * Differentiated with respect to alphas (k), means (k × d) and icf (k × d(d+1)/2), whose
 * flattened gradients in that order are the workload's input order.
 */
function gmmProblem(np: Jax["numpy"], nn: Jax["nn"], w: GmmWorkload, upload: (values: ArrayLike<number>, shape: number[]) => JArray): Problem {
  checkGmm(w);
  const { d, k, n } = w;
  const { diagonal, upper, lowerCount } = gmmSelectors(d);
  const wrt = [upload(w.alphas, [k]), upload(w.means, [k, d]), upload(w.icf, [k, d + lowerCount])];
  // The parameter-free terms and the prior's coefficients as 0-d arrays: a JS number would be a float32 literal under jit.
  const scalars = [gmmConstant(w), 0.5 * w.gamma * w.gamma, w.m].map((v) => upload([v], []));
  const data = [upload(w.x, [n, d]), upload(diagonal, [d, d * d]), upload(upper, [lowerCount, d * d]), ...scalars];
  const loss: Loss = ([alphas, means, icf], [x, diagonalSelector, upperSelector, constant, priorScale, m]) => {
    // Uses: logDiag 3×, diag 2×, lower 2×, alphas 2× (one .ref for each use beyond the first).
    const logDiag = icf!.ref.slice([], [0, d]);
    const lower = icf!.slice([], [d]);
    const diag = np.exp(logDiag.ref);
    const qT = np.matmul(diag.ref, diagonalSelector!).add(np.matmul(lower.ref, upperSelector!)).reshape([k, d, d]);
    const centred = x!.slice(null).sub(means!.slice([], null)); // k × n × d
    const sq = np.square(np.matmul(centred, qT)).sum(2); // k × n: ‖Q_k(x_i − μ_k)‖²
    const main = alphas!.ref.reshape([k, 1]).add(logDiag.ref.sum(1, { keepdims: true })).sub(sq.mul(0.5));
    const slse = nn.logsumexp(main, 0).sum();
    const frobenius = np.square(diag).sum().add(np.square(lower).sum());
    const prior = frobenius.mul(priorScale!).sub(logDiag.sum().mul(m!));
    return slse.sub(nn.logsumexp(alphas!).mul(n)).add(prior).add(constant!);
  };
  return { wrt, data, loss, n: k * (1 + d + d + lowerCount) };
}

/**
 * The LSTM of dsl-examples/lstm.ts, its time loop unrolled as a Keras/Flax LSTM cell is written:
 * the input and bias terms of all steps as one product (steps × 4H), then per step one 1 × H by
 * H × 4H matmul for the recurrent term, one split into the four gates, their sigmoids and tanh,
 * and the state update; the readout of every step's h as one product at the end;
 * loss = mean((y − targets)²). h₀ = c₀ = 0, so the first step has no recurrent term and no
 * forget term. Differentiated with respect to the flat `w` (the gate blocks are cut out of it
 * inside the loss), so the gradient is in `w`'s layout.
 *
 * `jit` traces the unrolled loop into one program, so its trace and compile grow with `steps`:
 * ~2 s for the loss and the gradient together at hidden 8 × 20 steps, 3–6 s at 32 × 50 on this
 * (shared) machine — jax-js hashes every fused kernel expression with BigInt arithmetic — paid
 * once in `prepare`, outside the timed calls.
 */
function lstmProblem(np: Jax["numpy"], nn: Jax["nn"], w: LstmWorkload, upload: (values: ArrayLike<number>, shape: number[]) => JArray): Problem {
  checkLstm(w);
  const H = w.hidden;
  const T = w.steps;
  const layout = lstmLayout(H);
  // steps as a 0-d array: the jitted gradient of div(T) would scale by a float32 1/T (see above).
  const data = [upload(w.xs, [T, 1]), upload(w.targets, [T, 1]), upload([T], [])];
  const loss: Loss = ([params], [xs, targets, steps]) => {
    const gates = params!.ref.slice([0, layout.gates]).reshape([4, H + 2, H]);
    const wx = gates.ref.slice([], [0, 1], []).reshape([1, 4 * H]);
    // W_h as 4H × H (row g·H + j: gate g, unit j), transposed once so each step is a plain matmul.
    const whT = gates.ref.slice([], [1, H + 1], []).reshape([4 * H, H]).transpose();
    const b = gates.slice([], [H + 1, H + 2], []).reshape([1, 4 * H]);
    // x_t·W_x + b for every step at once (steps × 4H), split into the steps' rows.
    const inputRows = np.split(np.matmul(xs!, wx).add(b), T, 0);
    let h: JArray | undefined;
    let c: JArray | undefined;
    const hs: JArray[] = [];
    for (const row of inputRows) {
      const z = h === undefined ? row : row.add(np.matmul(h, whT.ref));
      const [zi, zf, zo, zc] = np.split(z, 4, 1);
      const fresh = nn.sigmoid(zi!).mul(np.tanh(zc!));
      if (c === undefined) {
        zf!.dispose(); // no forget term at the first step
        c = fresh;
      } else {
        c = nn.sigmoid(zf!).mul(c).add(fresh);
      }
      h = nn.sigmoid(zo!).mul(np.tanh(c.ref)); // c: once here, once in the next step
      hs.push(h.ref); // h: once in the readout, once in the next step
    }
    // The last step's h and c, and W_hᵀ (one reference per step but the first), have one reference left.
    for (const x of [h, c, whT]) x?.dispose();
    const readoutW = params!.ref.slice([layout.readout, layout.bias]).reshape([H, 1]);
    const y = np.matmul(np.concatenate(hs, 0), readoutW).add(params!.slice([layout.bias, layout.total])); // steps × 1
    return np.square(y.sub(targets!)).sum().div(steps!); // not mean(): its 1/T is a float32 literal
  };
  return { wrt: [upload(w.w, [layout.total])], data, loss, n: layout.total };
}
