/**
 * The main job of the README's first command: differentiate the lecture example with every API
 * form and compare against the lecture's reference figures (as README.md's first example quotes them).
 */
import { grad, hessian, jvp, valueAndGrad, vjp } from "gradc";
import { f } from "./lecture.js";

const x1 = 1.5;
const x2 = 0.5;
const [value, gradient] = valueAndGrad(f)(x1, x2);
const [, tangent] = jvp(f)([x1, x2], [1, 0]);
const [, pullback] = vjp(f)(x1, x2);

console.log(`f(${x1}, ${x2})          = ${value}`);
console.log(`grad f (reverse mode)  = [${grad(f)(x1, x2).join(", ")}]`);
console.log(`valueAndGrad gradient  = [${gradient.join(", ")}]`);
console.log(`∂f/∂x1 (forward mode)  = ${tangent}`);
console.log(`vjp pullback(1)        = [${pullback(1).join(", ")}]`);
console.log(`reference (README)     = [3.011843327673907, -13.723961509314076], f = 2.016646669428201`);
console.log(`hessian f              = ${JSON.stringify(hessian(f)(x1, x2))}`);
