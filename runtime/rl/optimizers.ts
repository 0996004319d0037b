/**
 * Optimizers over one flat Float64Array of parameters, with PyTorch's update rules and defaults,
 * and state that checkpoints save exactly. Nothing allocates per step.
 */

/** The optimizers `createOptimizer` makes, by the names configs use. */
export const OPTIMIZER_NAMES = ["adam", "rmsprop", "sgd"] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];

export interface Optimizer {
  readonly name: OptimizerName;
  /** θ ← θ − update(∇), in place. */
  step(theta: Float64Array, grad: Float64Array): void;
  /** The step size, which a schedule may change between steps. */
  learningRate: number;
  /** Every number the optimizer carries between steps. */
  snapshot(): { step: number; buffers: Float64Array[] };
  restore(state: { step: number; buffers: Float64Array[] }): void;
}

export function createOptimizer(name: OptimizerName, size: number, learningRate: number): Optimizer {
  switch (name) {
    case "adam":
      return new Adam(size, learningRate);
    case "rmsprop":
      return new RMSProp(size, learningRate);
    case "sgd":
      return new SGD(size, learningRate);
  }
}

/** Adam (Kingma and Ba, 2015) with bias correction: β1 = 0.9, β2 = 0.999, ε = 1e-8. */
class Adam implements Optimizer {
  readonly name = "adam";
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    size: number,
    public learningRate: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  step(theta: Float64Array, grad: Float64Array): void {
    this.t++;
    const { m, v, beta1, beta2, eps } = this;
    const c1 = 1 - Math.pow(beta1, this.t);
    const c2 = 1 - Math.pow(beta2, this.t);
    const stepSize = this.learningRate / c1;
    const root2 = Math.sqrt(c2);
    for (let i = 0; i < theta.length; i++) {
      const g = grad[i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      theta[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / root2 + eps);
    }
  }

  snapshot() {
    return { step: this.t, buffers: [this.m, this.v] };
  }

  restore(state: { step: number; buffers: Float64Array[] }): void {
    this.t = state.step;
    this.m.set(state.buffers[0]);
    this.v.set(state.buffers[1]);
  }
}

/** RMSProp as PyTorch defines it: α = 0.99, ε = 1e-8 (added outside the square root). */
class RMSProp implements Optimizer {
  readonly name = "rmsprop";
  private readonly square: Float64Array;
  private t = 0;

  constructor(
    size: number,
    public learningRate: number,
    private readonly alpha = 0.99,
    private readonly eps = 1e-8,
  ) {
    this.square = new Float64Array(size);
  }

  step(theta: Float64Array, grad: Float64Array): void {
    this.t++;
    const { square, alpha, eps, learningRate: lr } = this;
    for (let i = 0; i < theta.length; i++) {
      const g = grad[i];
      square[i] = alpha * square[i] + (1 - alpha) * g * g;
      theta[i] -= (lr * g) / (Math.sqrt(square[i]) + eps);
    }
  }

  snapshot() {
    return { step: this.t, buffers: [this.square] };
  }

  restore(state: { step: number; buffers: Float64Array[] }): void {
    this.t = state.step;
    this.square.set(state.buffers[0]);
  }
}

/** Plain stochastic gradient descent. */
class SGD implements Optimizer {
  readonly name = "sgd";
  private t = 0;

  constructor(
    _size: number,
    public learningRate: number,
  ) {}

  step(theta: Float64Array, grad: Float64Array): void {
    this.t++;
    for (let i = 0; i < theta.length; i++) theta[i] -= this.learningRate * grad[i];
  }

  snapshot() {
    return { step: this.t, buffers: [] };
  }

  restore(state: { step: number; buffers: Float64Array[] }): void {
    this.t = state.step;
  }
}

/** Scales the gradient in place so its L2 norm is at most maxNorm; returns the norm before. */
export function clipGradientNorm(grad: Float64Array, maxNorm: number): number {
  let sum = 0;
  for (let i = 0; i < grad.length; i++) sum += grad[i] * grad[i];
  const norm = Math.sqrt(sum);
  if (norm > maxNorm) {
    const scale = maxNorm / (norm + 1e-6);
    for (let i = 0; i < grad.length; i++) grad[i] *= scale;
  }
  return norm;
}
