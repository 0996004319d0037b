import { grad, hessian, valueAndGrad, type WithDerivatives } from "gradc";
import { f, rosenbrock } from "./index.js";
import * as lib from "./lib.js";

const { energy_grad } = lib as WithDerivatives<typeof lib>;
const x = Float64Array.from([-1.2, 1, 0.5, 2]);
const [value, gradient] = valueAndGrad(rosenbrock)(x);

export const results = {
  lecture: grad(f)(1.5, 0.5),
  lectureValue: f(1.5, 0.5),
  rosenbrock: { value, gradient: Array.from(gradient[0]) },
  energy: energy_grad(1.5, 0.5),
  rosenbrockHessian: hessian(rosenbrock)(x),
};
