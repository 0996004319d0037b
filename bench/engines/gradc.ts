/**
 * gradc's engines for the benchmark, and the baselines that run on the same TypeScript source:
 *
 *   gradc reverse      `valueAndGradInto(f)`: generated reverse mode, gradients written into
 *                      preallocated buffers (the zero-allocation form the DQN trainer uses)
 *   gradc wasm         `valueAndGradInto(f, { engine: "wasm" })`: the same generated reverse code
 *                      compiled to WebAssembly (float64, f64x2 SIMD in innermost counted loops);
 *                      its forward is the plain JavaScript function, as for the others (the wasm
 *                      engine's primal-only `jit` is not used here)
 *   gradc wasm (f32)   the same with `dtype: "float32"` (DQN only): the weights given as a
 *                      Float32Array once, the loss and gradient computed in float32 on f32x4 lanes
 *   gradc forward      `jvp(f)` once per input coordinate: the full gradient by forward mode, where
 *                      inputs × forward cost is affordable
 *   tape               `valueAndGrad(f, { engine: "tape" })`: the same source recorded on gradc's
 *                      tape (runtime/tape.ts), as TensorFlow.js/PyTorch-style engines do
 *   hand-written       backprop written by hand (bench/handwritten-qnet.ts, bench/handwritten-rosenbrock.ts)
 *   finite differences central differences, 2n + 1 evaluations, for small n
 *
 * Marker calls name their function statically, so there is one set per workload family.
 */
import { jvp, valueAndGrad, valueAndGradInto } from "gradc";
import { gmmObjective } from "../../dsl-examples/gmm.js";
import { f as lecture } from "../../dsl-examples/lecture.js";
import { lstmLoss } from "../../dsl-examples/lstm.js";
import { rosenbrock } from "../../dsl-examples/rosenbrock.js";
import { weightedTdLoss } from "../../runtime/rl/networks/mlp.js";
import { HandwrittenQNet } from "../handwritten-qnet.js";
import { rosenbrockValueAndGrad } from "../handwritten-rosenbrock.js";
import { scalarLoop } from "../scalar-loop.js";
import { estimatedWork, flatFunction } from "../workloads.js";
import type { Engine, Prepared, Workload } from "./types.js";

type Of<F extends Workload["family"]> = Extract<Workload, { family: F }>;

// ── Marker calls, per family ───────────────────────────────────────────────────────────────────

const lectureRev = valueAndGradInto(lecture, { wrt: [0, 1] });
const lectureWasm = valueAndGradInto(lecture, { wrt: [0, 1], engine: "wasm" });
const lectureJvp = jvp(lecture);
const lectureTape = valueAndGrad(lecture, { wrt: [0, 1], engine: "tape" });

const rosenbrockRev = valueAndGradInto(rosenbrock, { wrt: [0] });
const rosenbrockWasm = valueAndGradInto(rosenbrock, { wrt: [0], engine: "wasm" });
const rosenbrockJvp = jvp(rosenbrock);
const rosenbrockTape = valueAndGrad(rosenbrock, { wrt: [0], engine: "tape" });

const dqnRev = valueAndGradInto(weightedTdLoss, { wrt: [0] });
const dqnWasm = valueAndGradInto(weightedTdLoss, { wrt: [0], engine: "wasm" });
const dqnWasm32 = valueAndGradInto(weightedTdLoss, { wrt: [0], engine: "wasm", dtype: "float32" });
const dqnTape = valueAndGrad(weightedTdLoss, { wrt: [0], engine: "tape" });

const gmmRev = valueAndGradInto(gmmObjective, { wrt: [0, 1, 2] });
const gmmWasm = valueAndGradInto(gmmObjective, { wrt: [0, 1, 2], engine: "wasm" });
const gmmJvp = jvp(gmmObjective);
const gmmTape = valueAndGrad(gmmObjective, { wrt: [0, 1, 2], engine: "tape" });

const lstmRev = valueAndGradInto(lstmLoss, { wrt: [0] });
const lstmWasm = valueAndGradInto(lstmLoss, { wrt: [0], engine: "wasm" });
const lstmJvp = jvp(lstmLoss);
const lstmTape = valueAndGrad(lstmLoss, { wrt: [0], engine: "tape" });

const loopRev = valueAndGradInto(scalarLoop, { wrt: [0, 1] });
const loopWasm = valueAndGradInto(scalarLoop, { wrt: [0, 1], engine: "wasm" });
const loopJvp = jvp(scalarLoop);
const loopTape = valueAndGrad(scalarLoop, { wrt: [0, 1], engine: "tape" });

// ── Affordability ──────────────────────────────────────────────────────────────────────────────

/** Forward mode and finite differences: at most this many inputs, and inputs × work below WORK_LIMIT. */
export const FULL_GRADIENT_INPUT_LIMIT = 1000;
const WORK_LIMIT = 5e7;
/** The tape: at most this many estimated nodes (≈ 40 bytes each) per gradient. */
export const TAPE_NODE_LIMIT = 1.2e7;

function affordsPerCoordinate(w: Workload): boolean {
  return w.size <= FULL_GRADIENT_INPUT_LIMIT && w.size * estimatedWork(w) <= WORK_LIMIT;
}

// ── The plain function (every engine here shares it as `forward`) ──────────────────────────────

const forwards = new WeakMap<Workload, () => number>();

/** The untransformed source function on the workload's own data: the denominator of gradient/forward. */
export function plainForward(w: Workload): () => number {
  let run = forwards.get(w);
  if (run) return run;
  switch (w.family) {
    case "lecture": {
      const [x1, x2] = w.x;
      run = () => lecture(x1, x2);
      break;
    }
    case "rosenbrock": {
      const x = w.x;
      run = () => rosenbrock(x);
      break;
    }
    case "dqn": {
      const { theta, obs, actions, targets, weights, batch } = w;
      const sizes = w.sizes as unknown as Float64Array; // small integers: V8 keeps index arithmetic integral
      run = () => weightedTdLoss(theta, sizes, obs, actions, targets, weights, batch, true);
      break;
    }
    case "gmm": {
      const { alphas, means, icf, x, d, k, n, gamma, m } = w;
      run = () => gmmObjective(alphas, means, icf, x, d, k, n, gamma, m);
      break;
    }
    case "lstm": {
      const { w: weights, xs, targets, hidden } = w;
      run = () => lstmLoss(weights, xs, targets, hidden);
      break;
    }
    case "scalar-loop": {
      const [x0, a] = w.x;
      const iterations = w.iterations;
      run = () => scalarLoop(x0, a, iterations);
      break;
    }
  }
  forwards.set(w, run);
  return run;
}

/** Views of one flat gradient buffer, one per differentiated parameter (GMM: alphas, means, icf). */
function gmmViews(w: Of<"gmm">, flat: Float64Array): [Float64Array, Float64Array, Float64Array] {
  const a = w.k;
  const b = a + w.k * w.d;
  return [flat.subarray(0, a), flat.subarray(a, b), flat.subarray(b)];
}

// ── gradc reverse ──────────────────────────────────────────────────────────────────────────────

/** gradc's `valueAndGradInto` per family: the compiled (JavaScript) engine's or the wasm engine's. */
interface ReverseSet {
  lecture: typeof lectureRev;
  rosenbrock: typeof rosenbrockRev;
  dqn: typeof dqnRev;
  gmm: typeof gmmRev;
  lstm: typeof lstmRev;
  loop: typeof loopRev;
}

const JS_REVERSE: ReverseSet = { lecture: lectureRev, rosenbrock: rosenbrockRev, dqn: dqnRev, gmm: gmmRev, lstm: lstmRev, loop: loopRev };
const WASM_REVERSE: ReverseSet = { lecture: lectureWasm, rosenbrock: rosenbrockWasm, dqn: dqnWasm, gmm: gmmWasm, lstm: lstmWasm, loop: loopWasm };

function prepareReverse(w: Workload, fns: ReverseSet = JS_REVERSE): Prepared {
  const forward = plainForward(w);
  const gradient = new Float64Array(w.size);
  switch (w.family) {
    case "lecture": {
      const [x1, x2] = w.x;
      const grads = [new Float64Array(1), new Float64Array(1)];
      return {
        forward,
        gradient() {
          const value = fns.lecture(grads, x1, x2);
          gradient[0] = grads[0][0];
          gradient[1] = grads[1][0];
          return { value, gradient };
        },
      };
    }
    case "rosenbrock": {
      const grads = [gradient];
      return { forward, gradient: () => ({ value: fns.rosenbrock(grads, w.x), gradient }) };
    }
    case "dqn": {
      const { theta, obs, actions, targets, weights, batch } = w;
      const sizes = w.sizes as unknown as Float64Array;
      const grads = [gradient];
      return { forward, gradient: () => ({ value: fns.dqn(grads, theta, sizes, obs, actions, targets, weights, batch, true), gradient }) };
    }
    case "gmm": {
      const { alphas, means, icf, x, d, k, n, gamma, m } = w;
      const grads = gmmViews(w, gradient);
      return { forward, gradient: () => ({ value: fns.gmm(grads, alphas, means, icf, x, d, k, n, gamma, m), gradient }) };
    }
    case "lstm": {
      const grads = [gradient];
      return { forward, gradient: () => ({ value: fns.lstm(grads, w.w, w.xs, w.targets, w.hidden), gradient }) };
    }
    case "scalar-loop": {
      const [x0, a] = w.x;
      const grads = [new Float64Array(1), new Float64Array(1)];
      return {
        forward,
        gradient() {
          const value = fns.loop(grads, x0, a, w.iterations);
          gradient[0] = grads[0][0];
          gradient[1] = grads[1][0];
          return { value, gradient };
        },
      };
    }
  }
}

// ── gradc forward: one jvp per input coordinate ────────────────────────────────────────────────

function prepareForward(w: Workload): Prepared {
  const forward = plainForward(w);
  const gradient = new Float64Array(w.size);
  switch (w.family) {
    case "lecture": {
      const primals = [w.x[0], w.x[1]] as const;
      const e0 = [1, 0] as const;
      const e1 = [0, 1] as const;
      return {
        forward,
        gradient() {
          const [value, d0] = lectureJvp(primals, e0);
          gradient[0] = d0;
          gradient[1] = lectureJvp(primals, e1)[1];
          return { value, gradient };
        },
      };
    }
    case "rosenbrock": {
      const x = w.x;
      const t = new Float64Array(x.length);
      return {
        forward,
        gradient() {
          let value = NaN;
          for (let i = 0; i < x.length; i++) {
            t[i] = 1;
            const [v, d] = rosenbrockJvp([x], [t]);
            t[i] = 0;
            gradient[i] = d;
            value = v;
          }
          return { value, gradient };
        },
      };
    }
    case "dqn":
      throw new Error("forward mode over every DQN parameter is not benchmarked (thousands of inputs)");
    case "gmm": {
      const { alphas, means, icf, x, d, k, n, gamma, m } = w;
      const flat = new Float64Array(w.size);
      const [ta, tm, ti] = gmmViews(w, flat);
      const tx = new Float64Array(x.length);
      return {
        forward,
        gradient() {
          let value = NaN;
          for (let i = 0; i < flat.length; i++) {
            flat[i] = 1;
            const [v, dv] = gmmJvp([alphas, means, icf, x, d, k, n, gamma, m], [ta, tm, ti, tx, 0, 0, 0, 0, 0]);
            flat[i] = 0;
            gradient[i] = dv;
            value = v;
          }
          return { value, gradient };
        },
      };
    }
    case "lstm": {
      const { w: weights, xs, targets, hidden } = w;
      const t = new Float64Array(weights.length);
      const txs = new Float64Array(xs.length);
      const ttargets = new Float64Array(targets.length);
      return {
        forward,
        gradient() {
          let value = NaN;
          for (let i = 0; i < t.length; i++) {
            t[i] = 1;
            const [v, d] = lstmJvp([weights, xs, targets, hidden], [t, txs, ttargets, 0]);
            t[i] = 0;
            gradient[i] = d;
            value = v;
          }
          return { value, gradient };
        },
      };
    }
    case "scalar-loop": {
      const primals = [w.x[0], w.x[1], w.iterations] as const;
      const e0 = [1, 0, 0] as const;
      const e1 = [0, 1, 0] as const;
      return {
        forward,
        gradient() {
          const [value, d0] = loopJvp(primals, e0);
          gradient[0] = d0;
          gradient[1] = loopJvp(primals, e1)[1];
          return { value, gradient };
        },
      };
    }
  }
}

// ── tape ───────────────────────────────────────────────────────────────────────────────────────

function prepareTape(w: Workload): Prepared {
  const forward = plainForward(w);
  const gradient = new Float64Array(w.size);
  switch (w.family) {
    case "lecture": {
      const [x1, x2] = w.x;
      return {
        forward,
        gradient() {
          const [value, [g0, g1]] = lectureTape(x1, x2);
          gradient[0] = g0;
          gradient[1] = g1;
          return { value, gradient };
        },
      };
    }
    case "rosenbrock":
      return {
        forward,
        gradient() {
          const [value, [g]] = rosenbrockTape(w.x);
          return { value, gradient: g };
        },
      };
    case "dqn": {
      const { theta, obs, actions, targets, weights, batch } = w;
      const sizes = w.sizes as unknown as Float64Array;
      return {
        forward,
        gradient() {
          const [value, [g]] = dqnTape(theta, sizes, obs, actions, targets, weights, batch, true);
          return { value, gradient: g };
        },
      };
    }
    case "gmm": {
      const { alphas, means, icf, x, d, k, n, gamma, m } = w;
      const [va, vm, vi] = gmmViews(w, gradient);
      return {
        forward,
        gradient() {
          const [value, [ga, gm, gi]] = gmmTape(alphas, means, icf, x, d, k, n, gamma, m);
          va.set(ga);
          vm.set(gm);
          vi.set(gi);
          return { value, gradient };
        },
      };
    }
    case "lstm":
      return {
        forward,
        gradient() {
          const [value, [g]] = lstmTape(w.w, w.xs, w.targets, w.hidden);
          return { value, gradient: g };
        },
      };
    case "scalar-loop": {
      const [x0, a] = w.x;
      return {
        forward,
        gradient() {
          const [value, [g0, g1]] = loopTape(x0, a, w.iterations);
          gradient[0] = g0;
          gradient[1] = g1;
          return { value, gradient };
        },
      };
    }
  }
}

// ── hand-written ───────────────────────────────────────────────────────────────────────────────

function prepareHandwritten(w: Workload): Prepared {
  switch (w.family) {
    case "rosenbrock": {
      const gradient = new Float64Array(w.size);
      return { forward: plainForward(w), gradient: () => ({ value: rosenbrockValueAndGrad(w.x, gradient), gradient }) };
    }
    case "dqn": {
      const { theta, obs, actions, targets } = w;
      const hand = new HandwrittenQNet(w.sizes, w.batch);
      const gradient = new Float64Array(w.size);
      return {
        // Its own forward pass (it keeps every sample's activations for the backward pass).
        forward: () => hand.loss(theta, obs, actions, targets),
        gradient: () => ({ value: hand.lossAndGrad(theta, obs, actions, targets, gradient), gradient }),
      };
    }
    default:
      throw new Error(`no hand-written gradient for ${w.family}`);
  }
}

// ── finite differences ─────────────────────────────────────────────────────────────────────────

/** Central differences: 2n evaluations for the gradient, one more for the value. */
function prepareFiniteDifferences(w: Workload): Prepared {
  const { inputs, evaluate } = flatFunction(w);
  const gradient = new Float64Array(inputs.length);
  const step = Math.cbrt(Number.EPSILON);
  return {
    forward: evaluate,
    gradient() {
      const value = evaluate();
      for (let i = 0; i < inputs.length; i++) {
        const xi = inputs[i];
        const h = step * Math.max(1, Math.abs(xi));
        const up = xi + h;
        const down = xi - h;
        inputs[i] = up;
        const fUp = evaluate();
        inputs[i] = down;
        const fDown = evaluate();
        inputs[i] = xi;
        gradient[i] = (fUp - fDown) / (up - down);
      }
      return { value, gradient };
    },
  };
}

// ── The engines ────────────────────────────────────────────────────────────────────────────────

export const GRADC_REVERSE = "gradc reverse";
export const GRADC_WASM = "gradc wasm";
export const GRADC_WASM32 = "gradc wasm (f32)";

/** The DQN loss gradient in float32: theta held as a Float32Array, as the float32 peers hold their weights. */
function prepareWasm32(w: Of<"dqn">): Prepared {
  const { obs, actions, targets, weights, batch } = w;
  const sizes = w.sizes as unknown as Float64Array;
  const theta = Float32Array.from(w.theta);
  const gradient = new Float64Array(w.size);
  const grads = [gradient];
  return { forward: plainForward(w), gradient: () => ({ value: dqnWasm32(grads, theta, sizes, obs, actions, targets, weights, batch, true), gradient }) };
}

export function gradcEngines(): Engine[] {
  return [
    { name: GRADC_REVERSE, precision: "float64", supports: () => true, prepare: async (w) => prepareReverse(w) },
    { name: GRADC_WASM, precision: "float64", supports: () => true, prepare: async (w) => prepareReverse(w, WASM_REVERSE) },
    { name: GRADC_WASM32, precision: "float32", supports: (w) => w.family === "dqn", prepare: async (w) => prepareWasm32(w as Of<"dqn">) },
    {
      name: "gradc forward",
      precision: "float64",
      supports: (w) => w.family !== "dqn" && affordsPerCoordinate(w),
      prepare: async (w) => prepareForward(w),
    },
    { name: "tape", precision: "float64", supports: (w) => estimatedWork(w) <= TAPE_NODE_LIMIT, prepare: async (w) => prepareTape(w) },
    {
      name: "hand-written",
      precision: "float64",
      supports: (w) => w.family === "rosenbrock" || (w.family === "dqn" && w.weights.every((v) => v === 1)),
      prepare: async (w) => prepareHandwritten(w),
    },
    {
      name: "finite differences",
      precision: "float64",
      tolerance: 1e-5,
      supports: affordsPerCoordinate,
      prepare: async (w) => prepareFiniteDifferences(w),
    },
  ];
}
