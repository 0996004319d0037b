/**
 * The benchmark's contract between workloads and engines. A workload is one problem instance —
 * the same data for every engine; an engine prepares it once (compiles, uploads, traces) and
 * then computes the value and the full gradient on demand. The harness checks every engine's
 * value and gradient against gradc's before timing it, and times `gradient()` (and `forward()`
 * for the gradient/forward ratio) in interleaved rounds.
 */

/** The lecture example at (x1, x2). */
export interface LectureWorkload {
  family: "lecture";
  x: Float64Array; // [x1, x2]
}

/** n-dimensional Rosenbrock at x. */
export interface RosenbrockWorkload {
  family: "rosenbrock";
  x: Float64Array;
}

/**
 * The DQN batch loss of runtime/rl/networks/mlp.ts (`weightedTdLoss`): an MLP with ReLU hidden
 * layers, all parameters in `theta` (layer by layer: weights row-major n_out × n_in, then
 * biases), Huber loss of Q(s, a) against fixed targets, weighted, averaged over the batch.
 * The gradient is with respect to theta.
 */
export interface DqnWorkload {
  family: "dqn";
  sizes: number[]; // e.g. [4, 64, 64, 2]
  batch: number;
  theta: Float64Array;
  obs: Float64Array; // batch × sizes[0]
  actions: Float64Array; // batch, integral
  targets: Float64Array; // batch
  weights: Float64Array; // batch
}

/** ADBench's GMM objective (dsl-examples/gmm.ts), gradient with respect to alphas, means and icf. */
export interface GmmWorkload {
  family: "gmm";
  d: number;
  k: number;
  n: number;
  alphas: Float64Array;
  means: Float64Array;
  icf: Float64Array;
  x: Float64Array;
  gamma: number;
  m: number;
}

/** The unrolled LSTM of dsl-examples/lstm.ts, gradient with respect to the weights. */
export interface LstmWorkload {
  family: "lstm";
  hidden: number;
  steps: number;
  w: Float64Array;
  xs: Float64Array;
  targets: Float64Array;
}

/** A long scalar loop (the tape's memory): `iterations` steps of a scalar recurrence in x. */
export interface ScalarLoopWorkload {
  family: "scalar-loop";
  iterations: number;
  x: Float64Array; // [x0, a]
}

export type WorkloadData = LectureWorkload | RosenbrockWorkload | DqnWorkload | GmmWorkload | LstmWorkload | ScalarLoopWorkload;

export type Workload = WorkloadData & {
  /** Unique, human-readable: "dqn 4-64-64-2 batch 128". */
  name: string;
  /** The problem size plotted on the x axis: the number of differentiated inputs. */
  size: number;
};

export interface Prepared {
  /** One plain evaluation of the function (the denominator of gradient/forward). */
  forward(): number;
  /** One value-and-gradient evaluation; the gradient flattened in the workload's input order. */
  gradient(): { value: number; gradient: Float64Array };
  /** Frees what `prepare` allocated (tensors, wasm memory). */
  dispose?(): void;
}

export interface Engine {
  /** "gradc reverse", "tape", "tfjs-wasm (f32)", "jax-js jit (f64)", … */
  name: string;
  precision: "float64" | "float32";
  /**
   * Relative tolerance of the check against gradc reverse, for an engine that is approximate by
   * design (finite differences). By default it follows `precision`: 1e-9 for float64, 1e-3 for
   * float32, as ‖g − g_ref‖∞ ≤ tol · ‖g_ref‖∞ and |v − v_ref| ≤ tol · |v_ref|.
   */
  tolerance?: number;
  /** Workloads this engine can compute (and affords: finite differences skip the large ones). */
  supports(w: Workload): boolean;
  prepare(w: Workload): Promise<Prepared>;
}
