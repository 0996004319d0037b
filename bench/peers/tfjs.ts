/**
 * TensorFlow.js peers: `tf.valueAndGrads` on the pure-JavaScript "cpu" backend and on the
 * WebAssembly "wasm" backend (XNNPACK) — "tfjs-cpu (f32)", "tfjs-wasm (f32)". Both compute in
 * float32 only: TensorFlow.js has no float64 dtype, so the workload's data are rounded to float32
 * on upload and results are widened back to float64.
 *
 * Each `prepare` uploads the fixed data once (in the engine's backend) and makes one warm-up
 * call. A gradient is one `tf.tidy` around `tf.valueAndGrads(f)` whose result, `[value,
 * gradient…]` flattened in the workload's input order, is read back with one `dataSync()`.
 *
 * TensorFlow.js notes (4.22, Node 20):
 * - The backend is process-global. Both engines share one tf instance, so every call first
 *   makes its own backend current (see `use`); a tensor used under another backend would
 *   otherwise be moved between them.
 * - The wasm backend loads its .wasm binaries from node_modules/@tensorflow/tfjs-backend-wasm/dist/
 *   via `setWasmPaths` (a local file path; nothing is downloaded). In Node it runs the SIMD
 *   binary single-threaded (tfjs disables its threaded build under Node).
 * - `tf.enableProdMode()` is set: it only silences tfjs's console advice (e.g. "install
 *   tfjs-node") and debug checks; no numerics change.
 *
 * Families: lecture, rosenbrock, dqn, gmm, lstm. The scalar loop is not implemented
 * (`supports()` is false): its 10⁵ dependent scalar iterations would be ~4·10⁵ kernel dispatches
 * on 0-d tensors per pass, each taped for the gradient (bench/peers/common.ts).
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as TfModule from "@tensorflow/tfjs";
import type { DqnWorkload, Engine, GmmWorkload, LstmWorkload, Prepared, Workload } from "../engines/types.js";
import { actionMask, checkDqn, checkGmm, checkLstm, dqnLayers, gmmConstant, gmmSelectors, lstmLayout, peerSupports, splitValueAndGradient } from "./common.js";

type Tf = typeof TfModule;
type Tensor = TfModule.Tensor;
type Backend = "cpu" | "wasm";

let loading: Promise<Tf> | undefined;

/** Loads TensorFlow.js and initialises its cpu and wasm backends (once per process). */
export function loadTf(): Promise<Tf> {
  loading ??= (async () => {
    const tf = await import("@tensorflow/tfjs");
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    tf.enableProdMode();
    const require = createRequire(import.meta.url);
    const dist = join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + "/";
    wasm.setWasmPaths(dist);
    // The wasm backend's Emscripten glue adds process-wide 'uncaughtException' and
    // 'unhandledRejection' handlers that rethrow (printing its minified source on any later
    // crash); they are removed again, Node's own behaviour being the same without the noise.
    const before = { uncaughtException: process.listeners("uncaughtException"), unhandledRejection: process.listeners("unhandledRejection") };
    try {
      for (const name of ["wasm", "cpu"] as const) {
        if (!(await tf.setBackend(name))) throw new Error(`tfjs: the ${name} backend did not initialise`);
      }
    } finally {
      for (const l of process.listeners("uncaughtException")) if (!before.uncaughtException.includes(l)) process.removeListener("uncaughtException", l);
      for (const l of process.listeners("unhandledRejection")) if (!before.unhandledRejection.includes(l)) process.removeListener("unhandledRejection", l);
    }
    return tf;
  })();
  return loading;
}

/** Both TensorFlow.js engines (cpu, wasm); the backends start when this is awaited. */
export async function tfjsEngines(): Promise<Engine[]> {
  const tf = await loadTf();
  return [tfjsEngine(tf, "cpu"), tfjsEngine(tf, "wasm")];
}

/** The TensorFlow.js engine on one backend (tf from `loadTf()`). */
export function tfjsEngine(tf: Tf, backend: Backend): Engine {
  return {
    name: `tfjs-${backend} (f32)`,
    precision: "float32",
    supports: peerSupports,
    prepare: async (w) => prepareTf(tf, backend, w),
  };
}

/**
 * Makes `backend` current. `tf.setBackend` would do (it switches synchronously once a backend is
 * initialised) but costs ~0.6 ms a switch — it re-scans the whole kernel registry to rerun the
 * kernels' one-time setup — which the harness's interleaved rounds would charge to every round.
 * Both backends were set up in `loadTf()`, so swapping the engine's current backend is enough.
 */
function use(tf: Tf, backend: Backend): void {
  const engine = tf.engine() as unknown as { backendName: string | null; backendInstance: unknown; registry: Record<string, unknown> };
  if (engine.backendName === backend) return;
  const instance = engine.registry[backend];
  if (instance !== undefined) {
    engine.backendName = backend;
    engine.backendInstance = instance;
  } else {
    void tf.setBackend(backend);
  }
  if (tf.getBackend() !== backend || tf.backend() !== engine.registry[backend]) throw new Error(`tfjs: could not switch to the ${backend} backend`);
}

/** A scalar function of the differentiated tensors (first argument) and the fixed data tensors. */
type Loss = (wrt: Tensor[], data: Tensor[]) => TfModule.Scalar;

interface Problem {
  wrt: Tensor[];
  data: Tensor[];
  loss: Loss;
  n: number;
  /** The gradients of `wrt` as 1-D tensors in the workload's input order (default: each flattened). */
  flatten?: (grads: Tensor[]) => Tensor[];
}

function prepareTf(tf: Tf, backend: Backend, w: Workload): Prepared {
  use(tf, backend);
  const upload = (values: ArrayLike<number>, shape: number[]): Tensor => tf.tensor(Float32Array.from(values), shape, "float32");
  const { wrt, data, loss, n, flatten = (gs: Tensor[]) => gs.map((g) => g.reshape([-1])) } = buildProblem(tf, w, upload);
  const valueAndGrads = tf.valueAndGrads((...p: Tensor[]) => loss(p, data));

  const prepared: Prepared = {
    forward() {
      use(tf, backend);
      const out = tf.tidy(() => loss(wrt, data));
      const value = out.dataSync()[0]!;
      out.dispose();
      return value;
    },
    gradient() {
      use(tf, backend);
      const out = tf.tidy(() => {
        const { value, grads } = valueAndGrads(wrt);
        return tf.concat([value.reshape([1]), ...flatten(grads)]);
      });
      const flat = out.dataSync();
      out.dispose();
      if (!(flat instanceof Float32Array)) throw new Error(`tfjs returned ${flat.constructor.name}`);
      return splitValueAndGradient(flat, n);
    },
    dispose() {
      use(tf, backend);
      tf.dispose([...wrt, ...data]);
    },
  };
  prepared.forward(); // warm-up
  prepared.gradient();
  return prepared;
}

function buildProblem(tf: Tf, w: Workload, upload: (values: ArrayLike<number>, shape: number[]) => Tensor): Problem {
  switch (w.family) {
    case "lecture": {
      // f(x1, x2) = (sin(a) + a − c)·(a − c), a = x1/x2, c = exp(x2); two scalar inputs
      const loss: Loss = ([x1, x2]) => {
        const a = tf.div(x1!, x2!);
        const c = tf.exp(x2!);
        return tf.mul(tf.sub(tf.add(tf.sin(a), a), c), tf.sub(a, c)) as TfModule.Scalar;
      };
      return { wrt: [upload([w.x[0]!], []), upload([w.x[1]!], [])], data: [], loss, n: 2 };
    }
    case "rosenbrock": {
      // Σ_i 100·(x_{i+1} − x_i²)² + (1 − x_i)², i = 0 … n−2
      const len = w.x.length;
      const loss: Loss = ([x]) => {
        const head = tf.slice(x!, [0], [len - 1]);
        const tail = tf.slice(x!, [1], [len - 1]);
        const a = tf.sub(tail, tf.square(head));
        const b = tf.sub(1, head);
        return tf.sum(tf.add(tf.mul(100, tf.square(a)), tf.square(b)));
      };
      return { wrt: [upload(w.x, [len])], data: [], loss, n: len };
    }
    case "dqn":
      return dqnProblem(tf, w, upload);
    case "gmm":
      return gmmProblem(tf, w, upload);
    case "lstm":
      return lstmProblem(tf, w, upload);
    default:
      throw new Error(`tfjs peer: family "${w.family}" is not implemented`);
  }
}

/**
 * The DQN batch loss over the whole batch: H_0 = obs (batch × n_0), H_l = relu(H_{l−1}·K_l + b_l)
 * (no ReLU on the last layer), Q(s, a) = Σ_j Q ⊙ onehot(a), d = Q(s, a) − y,
 * loss = Σ_b w_b·huber(d_b) / batch with huber(d) = ½d² for |d| ≤ 1, |d| − ½ otherwise
 * (`tf.losses.huberLoss`, delta 1, weighted, summed).
 *
 * Differentiated with respect to per-layer kernels K_l = W_lᵀ (n_in × n_out, the layout of
 * `tf.layers.dense`) and biases b_l; K_l's gradient is transposed back to W_l's n_out × n_in,
 * so the flattened gradients in order are theta's layout. (With W_l itself the forward pass
 * would be `tf.matMul(h, W, false, true)`, and on the wasm backend a matMul with a transpose
 * flag is ~8× slower than a plain one at 128×64·64×64; the backward pass has such matMuls either
 * way — they are TensorFlow.js's own gradient of matMul.)
 */
function dqnProblem(tf: Tf, w: DqnWorkload, upload: (values: ArrayLike<number>, shape: number[]) => Tensor): Problem {
  checkDqn(w);
  const layers = dqnLayers(w.sizes);
  const nA = w.sizes[w.sizes.length - 1]!;
  const B = w.batch;
  const wrt: Tensor[] = [];
  for (const l of layers) {
    const kernel = new Float64Array(l.nIn * l.nOut); // K[i][j] = W[j][i]
    for (let j = 0; j < l.nOut; j++) for (let i = 0; i < l.nIn; i++) kernel[i * l.nOut + j] = w.theta[l.wOffset + j * l.nIn + i]!;
    wrt.push(upload(kernel, [l.nIn, l.nOut]));
    wrt.push(upload(w.theta.subarray(l.bOffset, l.bOffset + l.nOut), [l.nOut]));
  }
  const data = [upload(w.obs, [B, w.sizes[0]!]), upload(actionMask(w), [B, nA]), upload(w.targets, [B]), upload(w.weights, [B])];
  const loss: Loss = (params, [obs, mask, targets, weights]) => {
    let h = obs!;
    layers.forEach((l, i) => {
      const z = tf.add(tf.matMul(h, params[2 * i]!), params[2 * i + 1]!);
      h = l.hidden ? tf.relu(z) : z;
    });
    const q = tf.sum(tf.mul(h, mask!), 1);
    // tfjs's own Huber loss: ½·min(|d|, 1)² + (|d| − min(|d|, 1)), = ½d² for |d| ≤ 1, |d| − ½ beyond;
    // (a `tf.where` on |d| ≤ 1 cannot be differentiated: tfjs has no gradient for LessEqual.)
    return tf.div(tf.losses.huberLoss(targets!, q, weights!, 1, tf.Reduction.SUM), B);
  };
  const flatten = (grads: Tensor[]) => grads.map((g, k) => (k % 2 === 0 ? tf.transpose(g) : g).reshape([-1]));
  return { wrt, data, loss, n: w.theta.length, flatten };
}

/**
 * ADBench's GMM objective (dsl-examples/gmm.ts) for all n points and k components at once:
 * Qᵀ_k assembled from icf by two products with constant selectors (k × d × d; see
 * `gmmSelectors`), the centred points x_i − μ_k as one k × n × d tensor, Q_k(x_i − μ_k) as one
 * batched matMul, then main[k][i] = α_k + Σ log diag Q_k − ½‖Q_k(x_i − μ_k)‖²,
 * Σ_i logsumexp_k main − n·logsumexp(α) + the Wishart prior ½γ²‖Q_k‖²_F − m·Σ log diag Q_k,
 * plus the parameter-free terms (`gmmConstant`, added as one number).
 * Differentiated with respect to alphas (k), means (k × d) and icf (k × d(d+1)/2), whose
 * flattened gradients in that order are the workload's input order.
 */
function gmmProblem(tf: Tf, w: GmmWorkload, upload: (values: ArrayLike<number>, shape: number[]) => Tensor): Problem {
  checkGmm(w);
  const { d, k, n } = w;
  const { diagonal, upper, lowerCount } = gmmSelectors(d);
  const constant = gmmConstant(w);
  const wrt = [upload(w.alphas, [k]), upload(w.means, [k, d]), upload(w.icf, [k, d + lowerCount])];
  const data = [upload(w.x, [n, d]), upload(diagonal, [d, d * d]), upload(upper, [lowerCount, d * d])];
  const loss: Loss = ([alphas, means, icf], [x, diagonalSelector, upperSelector]) => {
    const logDiag = tf.slice(icf!, [0, 0], [k, d]);
    const lower = tf.slice(icf!, [0, d], [k, lowerCount]);
    const diag = tf.exp(logDiag);
    const qT = tf.reshape(tf.add(tf.matMul(diag, diagonalSelector!), tf.matMul(lower, upperSelector!)), [k, d, d]);
    const centred = tf.sub(tf.expandDims(x!, 0), tf.expandDims(means!, 1)); // k × n × d
    const sq = tf.sum(tf.square(tf.matMul(centred, qT)), 2); // k × n: ‖Q_k(x_i − μ_k)‖²
    const main = tf.sub(tf.add(tf.expandDims(alphas!, 1), tf.sum(logDiag, 1, true)), tf.mul(0.5, sq));
    const slse = tf.sum(tf.logSumExp(main, 0));
    const frobenius = tf.add(tf.sum(tf.square(diag)), tf.sum(tf.square(lower)));
    const prior = tf.sub(tf.mul(0.5 * w.gamma * w.gamma, frobenius), tf.mul(w.m, tf.sum(logDiag)));
    return tf.add(tf.add(tf.sub(slse, tf.mul(n, tf.logSumExp(alphas!))), prior), constant) as TfModule.Scalar;
  };
  return { wrt, data, loss, n: k * (1 + d + d + lowerCount) };
}

/**
 * The LSTM of dsl-examples/lstm.ts, its time loop unrolled as a Keras LSTMCell is written: the
 * input and bias terms of all steps as one product (steps × 4H), then per step one 1 × H by
 * H × 4H matMul for the recurrent term, one split into the four gates, their sigmoids and tanh,
 * and the state update; the readout of every step's h as one product at the end;
 * loss = mean((y − targets)²). h₀ = c₀ = 0, so the first step has no recurrent term and no
 * forget term. (One split rather than four slices: ~17% faster here, the gradient of a split being
 * one concat where each slice's is a pad and an add.)
 * Differentiated with respect to the flat `w` (the gate blocks are cut out of it inside the loss),
 * so the gradient is in `w`'s layout.
 */
function lstmProblem(tf: Tf, w: LstmWorkload, upload: (values: ArrayLike<number>, shape: number[]) => Tensor): Problem {
  checkLstm(w);
  const H = w.hidden;
  const T = w.steps;
  const layout = lstmLayout(H);
  const data = [upload(w.xs, [T, 1]), upload(w.targets, [T, 1])];
  const loss: Loss = ([params], [xs, targets]) => {
    const gates = tf.reshape(tf.slice(params!, [0], [layout.gates]), [4, H + 2, H]);
    const wx = tf.reshape(tf.slice(gates, [0, 0, 0], [4, 1, H]), [1, 4 * H]);
    // W_h as 4H × H (row g·H + j: gate g, unit j), transposed once so each step is a plain matMul.
    const whT = tf.transpose(tf.reshape(tf.slice(gates, [0, 1, 0], [4, H, H]), [4 * H, H]));
    const b = tf.reshape(tf.slice(gates, [0, H + 1, 0], [4, 1, H]), [1, 4 * H]);
    // x_t·W_x + b for every step at once (steps × 4H), split into the steps' rows.
    const inputRows = tf.split(tf.add(tf.matMul(xs!, wx), b), T, 0);
    let h: Tensor | undefined;
    let c: Tensor | undefined;
    const hs: Tensor[] = [];
    for (const row of inputRows) {
      const z = h === undefined ? row : tf.add(row, tf.matMul(h, whT));
      const [zi, zf, zo, zc] = tf.split(z, 4, 1); // Keras's LSTMCell: one split, not four slices
      const fresh = tf.mul(tf.sigmoid(zi!), tf.tanh(zc!));
      c = c === undefined ? fresh : tf.add(tf.mul(tf.sigmoid(zf!), c), fresh);
      h = tf.mul(tf.sigmoid(zo!), tf.tanh(c));
      hs.push(h);
    }
    const readoutW = tf.reshape(tf.slice(params!, [layout.readout], [H]), [H, 1]);
    const y = tf.add(tf.matMul(tf.concat(hs, 0), readoutW), tf.slice(params!, [layout.bias], [1])); // steps × 1
    return tf.mean(tf.square(tf.sub(y, targets!))) as TfModule.Scalar;
  };
  return { wrt: [upload(w.w, [layout.total])], data, loss, n: layout.total };
}
