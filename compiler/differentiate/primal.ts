/**
 * The primal clone of a function: the same code, with helper calls redirected to their clones.
 * Reverse mode's sweeps and `vjp` call it, so generated code never depends on the user's own
 * functions being in scope (they may be unexported, or live in another module).
 */
import type { FnIR, GFn, GStmt, Stmt } from "../ir.js";
import { varsOf } from "./common.js";
import type { GeneratedNames } from "./forward.js";

export function primalFunction(fn: FnIR, generated: GeneratedNames): GFn {
  if (fn.external) return externalPrimal(fn, generated);
  return {
    name: generated.primal(fn.name),
    params: fn.params,
    vars: varsOf(fn.vars),
    body: [...primalStatements(fn.body, generated), { k: "return", value: { k: "var", name: fn.result } }],
    returns: fn.resultType,
    reentrant: fn.recursive,
    doc: `${fn.sourceName} (${fn.loc.file.split("/").pop()}:${fn.loc.line}), as lowered by gradc`,
  };
}

/** Statements as plain primal code (nothing saved): the forward sweep of a checkpointed loop runs these too. */
export function primalStatements(stmts: Stmt[], generated: GeneratedNames): GStmt[] {
  return stmts.flatMap((s): GStmt[] => {
    switch (s.k) {
      case "assign":
        return [s.expr.k === "call" ? { ...s, expr: { ...s.expr, fn: generated.primal(s.expr.fn) } } : s];
      case "effect":
        return [{ ...s, fn: generated.primal(s.fn) }];
      case "store":
        return [s];
      case "if":
        return [{ ...s, then: primalStatements(s.then, generated), else: primalStatements(s.else, generated) }];
      case "loop":
        return [
          ...primalStatements(s.init, generated),
          { k: "loop", test: primalStatements(s.test, generated), cond: s.cond, body: [...primalStatements(s.body, generated), ...primalStatements(s.update, generated)], postTest: s.postTest, loc: s.loc },
        ];
    }
  });
}

/**
 * The primal of a function gradc cannot read (it has a rule): a call of the function itself, by
 * the name its module binds it to — the one module whose generated code may use it.
 */
function externalPrimal(fn: FnIR, generated: GeneratedNames): GFn {
  return {
    name: generated.primal(fn.name),
    params: fn.params,
    vars: varsOf(fn.vars),
    body: [
      { k: "assign", target: fn.result, expr: { k: "call", fn: fn.external!.name, args: fn.params.map((p) => ({ k: "var", name: p.name })) } },
      { k: "return", value: { k: "var", name: fn.result } },
    ],
    returns: "num",
    doc: `${fn.sourceName}, which gradc cannot read: called as it is (its derivative is its rule)`,
  };
}
