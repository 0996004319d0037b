/**
 * Derivative code of a function with a user-defined rule (`defineRule`, front/rules.ts): the
 * function is one operation, as a primitive is. Its value comes from its primal clone (its body,
 * as lowered); its tangent and adjoints from the rule's partials, built by the same code that
 * builds a primitive's (common.ts `buildPartial`). The body's own derivative is never taken.
 */
import { type Atom, type FnIR, gen, type GFn, type GStmt, type Param, type Term, ref } from "../ir.js";
import { LocalNames, buildPartial, varsOf } from "./common.js";
import type { GeneratedNames } from "./forward.js";

/** Forward mode: the value from the primal, the tangent Σ ∂f/∂xᵢ·ẋᵢ to the output slot. */
export function ruleForwardFunction(fn: FnIR, generated: GeneratedNames): GFn {
  const vars = varsOf(fn.vars);
  const names = new LocalNames(vars);
  const dot = (v: string) => names.derived(v, "dot", "num");
  const params: Param[] = fn.params.flatMap((p) => [p, { name: dot(p.name), type: "num" as const }]);
  const value = names.temp("value");
  const body: GStmt[] = [gen.assign(value, { k: "call", fn: generated.primal(fn.name), args: fn.params.map((p) => ref(p.name)) }, fn.loc)];
  const terms: Term[] = partialsOf(fn, ref(value), names, body).map((coef, i) => ({ coef, value: ref(dot(fn.params[i].name)) }));
  const tangent = names.temp("tangent");
  body.push(gen.assign(tangent, { k: "lin", terms }, fn.loc), { k: "setOut", slot: "tangent", value: ref(tangent) }, { k: "return", value: ref(value) });
  return { name: generated.forward(fn.name), params, vars, body, returns: "num", doc: `forward mode of ${fn.sourceName} by its rule (defineRule): returns the value; the tangent goes to $gradc.tangent` };
}

/** Reverse mode: the value from the primal, x̄ᵢ = ḡ·∂f/∂xᵢ to the adjoint slots of `wrt`. */
export function ruleReverseFunction(fn: FnIR, wrt: number[], generated: GeneratedNames, name: string): GFn {
  const vars = varsOf(fn.vars);
  const names = new LocalNames(vars);
  const seed = names.derived(fn.result, "bar", "num");
  vars.get(seed)!.zero = false;
  const value = names.temp("value");
  const body: GStmt[] = [gen.assign(value, { k: "call", fn: generated.primal(fn.name), args: fn.params.map((p) => ref(p.name)) }, fn.loc)];
  const partials = partialsOf(fn, ref(value), names, body);
  for (const i of wrt) {
    const adjoint = names.temp("a");
    body.push(gen.assign(adjoint, { k: "lin", terms: [{ coef: partials[i], value: ref(seed) }] }, fn.loc), { k: "setOut", slot: "adjoint", index: i, value: ref(adjoint) });
  }
  body.push({ k: "return", value: ref(value) });
  return {
    name,
    params: [...fn.params, { name: seed, type: "num" }],
    vars,
    body,
    returns: "num",
    doc: `reverse mode of ${fn.sourceName} by its rule (defineRule): returns the value; adjoints go to $gradc.adjoint[i]`,
  };
}

/** The rule's partials at the parameters and `value`, their code appended to `out`. */
function partialsOf(fn: FnIR, value: Atom, names: LocalNames, out: GStmt[]): Atom[] {
  const args = fn.params.map((p) => ref(p.name));
  return fn.rule!.partials.map((p) => buildPartial(p, args, value, names, out, fn.loc));
}
