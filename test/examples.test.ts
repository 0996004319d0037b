/**
 * The dsl-examples, checked against independent figures: ADBench's published GMM values, a
 * hand-written backprop of the Q-network loss, and finite differences.
 */
import { describe, expect, it } from "vitest";
import { grad, jvp, valueAndGrad, valueAndGradInto } from "gradc";
import { gmmObjective } from "../dsl-examples/gmm.js";
import { parameterCount, weightedTdLoss } from "../runtime/rl/networks/mlp.js";
import { rosenbrock } from "../dsl-examples/rosenbrock.js";
import { lstmLoss, lstmParameterCount } from "../dsl-examples/lstm.js";
import { HandwrittenQNet } from "../bench/handwritten-qnet.js";
import { expectClose, numericPartial, richardson } from "./support/numeric.js";

function lcg(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
}

describe("ADBench GMM (data/gmm/test.txt: d=2, k=3, n=1)", () => {
  const alphas = Float64Array.from([-0.649014, 1.181166, -0.758453]);
  const means = Float64Array.from([0.092339, 0.18626, 0.345561, 0.396767, 0.538817, 0.419195]);
  const icf = Float64Array.from([0.586443, -0.851887, 0.800321, -1.509405, 0.875874, -0.24279, 0.166813, -1.965419, -1.270071]);
  const x = Float64Array.from([1.175171, 2.02916]);
  // ADBench's published reference output for this input (README.md, "Examples": gmm.ts).
  const objective = 8.07380408004975791;
  const dAlphas = [0.108662855508652456, -0.741270039523898472, 0.632607184015246071];
  const dMeans = [1.11692576532787013, 0.163333013551455269, -0.0219989824071193142, 0.227778292254236098, 1.20963025612832187, -0.0606375920733956339];
  const dIcf = [
    2.58529994051162237, 0.112632694524213789, 0.385744309849611777, 0.0735180573182305508, 5.41836362715595232, -0.321494409677446469,
    1.71892309775004937, 0.860091090790866875, -0.994640930466322848,
  ];

  it("objective and gradient match ADBench to 1e-9", () => {
    const [value, [ga, gm, gi]] = valueAndGrad(gmmObjective, { wrt: [0, 1, 2] })(alphas, means, icf, x, 2, 3, 1, 1, 0);
    expectClose(value, objective, 1e-9, "objective");
    expectClose(ga, Float64Array.from(dAlphas), 1e-9, "∂/∂alphas");
    expectClose(gm, Float64Array.from(dMeans), 1e-9, "∂/∂means");
    expectClose(gi, Float64Array.from(dIcf), 1e-9, "∂/∂icf");
  });

  it("forward mode agrees with reverse mode", () => {
    const g = grad(gmmObjective, { wrt: 2 })(alphas, means, icf, x, 2, 3, 1, 1, 0);
    for (let j = 0; j < icf.length; j++) {
      const e = new Float64Array(icf.length);
      e[j] = 1;
      const zeros = (n: number) => new Float64Array(n);
      const [, t] = jvp(gmmObjective)([alphas, means, icf, x, 2, 3, 1, 1, 0], [zeros(3), zeros(6), e, zeros(2), 0, 0, 0, 0, 0]);
      expectClose(t, g[j], 1e-12, `icf[${j}]`);
    }
  });
});

describe("the Q-network loss (runtime/rl/networks/mlp.ts)", () => {
  for (const sizesList of [
    [4, 16, 16, 2],
    [6, 32, 3],
  ]) {
    it(`matches hand-written backprop for ${sizesList.join("-")}`, () => {
      const rnd = lcg(11);
      const sizes = Float64Array.from(sizesList);
      const batch = 8;
      const n = parameterCount(sizes);
      const theta = Float64Array.from({ length: n }, () => rnd() * 0.6);
      const obs = Float64Array.from({ length: batch * sizesList[0] }, rnd);
      const actions = Float64Array.from({ length: batch }, (_, i) => i % sizesList[sizesList.length - 1]);
      // Targets spread so that both branches of the Huber loss occur.
      const targets = Float64Array.from({ length: batch }, (_, i) => (i % 3 === 0 ? 4 : 0.2) * rnd());
      const ones = new Float64Array(batch).fill(1);
      const hand = new HandwrittenQNet(sizesList, batch);
      const expected = new Float64Array(n);
      const expectedValue = hand.lossAndGrad(theta, obs, actions, targets, expected);

      const [value, g] = valueAndGrad(weightedTdLoss, { wrt: 0 })(theta, sizes, obs, actions, targets, ones, batch, true);
      expectClose(value, expectedValue, 1e-12, "loss");
      expectClose(g, expected, 1e-10, "gradient");

      // The zero-allocation form writes the same gradient into the caller's buffer.
      const buffer = new Float64Array(n).fill(123);
      const intoValue = valueAndGradInto(weightedTdLoss, { wrt: [0] })([buffer], theta, sizes, obs, actions, targets, ones, batch, true);
      expect(intoValue).toBe(value);
      expectClose(buffer, g, 0, "valueAndGradInto buffer");

      // And both against finite differences on a few coordinates.
      for (const k of [0, 7, Math.floor(n / 2), n - 1]) {
        const fd = richardson((h) => {
          const shifted = Float64Array.from(theta);
          shifted[k] += h;
          return weightedTdLoss(shifted, sizes, obs, actions, targets, ones, batch, true);
        }, 0);
        expectClose(g[k], fd, 1e-6, `∂/∂θ[${k}]`);
      }
    });
  }

  it("valueAndGradInto rejects a buffer of the wrong length", () => {
    const sizes = Float64Array.from([2, 3, 2]);
    const theta = new Float64Array(parameterCount(sizes));
    const call = () => valueAndGradInto(weightedTdLoss, { wrt: [0] })([new Float64Array(3)], theta, sizes, new Float64Array(2), new Float64Array(1), new Float64Array(1), new Float64Array(1), 1, true);
    expect(call).toThrow(/buffer 0 has length 3/);
  });
});

describe("Rosenbrock and the unrolled LSTM", () => {
  it("n-dimensional Rosenbrock: the analytic gradient, and zero at the minimum", () => {
    const x = Float64Array.from([-1.2, 1, 0.5, 2, -0.3]);
    const g = grad(rosenbrock)(x)[0];
    // ∂/∂x_i = −400 x_i (x_{i+1} − x_i²) − 2(1 − x_i) + 200 (x_i − x_{i−1}²)
    const expected = new Float64Array(x.length);
    for (let i = 0; i < x.length; i++) {
      if (i + 1 < x.length) expected[i] += -400 * x[i] * (x[i + 1] - x[i] * x[i]) - 2 * (1 - x[i]);
      if (i > 0) expected[i] += 200 * (x[i] - x[i - 1] * x[i - 1]);
    }
    expectClose(g, expected, 1e-12, "∂/∂x");
    expectClose(grad(rosenbrock)(new Float64Array(5).fill(1))[0], new Float64Array(5), 0, "at the minimum");
  });

  it("LSTM unrolled over 6 steps, state overwritten in place: reverse = forward = finite differences", () => {
    const hidden = 3;
    const rnd = lcg(5);
    const w = Float64Array.from({ length: lstmParameterCount(hidden) }, () => rnd() * 0.5);
    const xs = Float64Array.from({ length: 6 }, rnd);
    const targets = Float64Array.from({ length: 6 }, rnd);
    const g = grad(lstmLoss, { wrt: 0 })(w, xs, targets, hidden);
    const fd = numericPartial(lstmLoss, [w, xs, targets, hidden], 0) as Float64Array;
    expectClose(g, fd, 1e-6, "∂/∂w vs finite differences");
    const direction = Float64Array.from({ length: w.length }, rnd);
    const [, t] = jvp(lstmLoss)([w, xs, targets, hidden], [direction, new Float64Array(6), new Float64Array(6), 0]);
    let dot = 0;
    for (let j = 0; j < w.length; j++) dot += g[j] * direction[j];
    expectClose(t, dot, 1e-10, "jvp vs gradient");
    // ∂/∂xs too: the input sequence is differentiable like any other array.
    const gx = grad(lstmLoss, { wrt: 1 })(w, xs, targets, hidden);
    expectClose(gx, numericPartial(lstmLoss, [w, xs, targets, hidden], 1) as Float64Array, 1e-6, "∂/∂xs");
  });
});
