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
 * - Precision caveat: on the wasm backend, float64 sin/cos/exp/log are evaluated by demoting to
 *   float32, calling float32 polynomial approximations and promoting back, so they carry
 *   relative errors ~1e-7 (and exp overflows where float32 does, above ~88). The lecture example
 *   (sin, exp) therefore matches gradc only to ~1e-7 in "float64"; Rosenbrock and the DQN loss
 *   use only + − × ÷, matmul, abs, max, where and sums, and are float64-accurate.
 *
 * Families: lecture, rosenbrock, dqn. GMM, LSTM and the scalar loop are not implemented
 * (`supports()` is false for them).
 */
import type * as JaxModule from "@jax-js/jax";
import type { DqnWorkload, Engine, Prepared, Workload } from "../engines/types.js";
import { actionMask, checkDqn, dqnLayers, peerSupports, splitValueAndGradient } from "./common.js";

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
