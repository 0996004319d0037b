/**
 * Checks on lowered functions that need the whole call graph: helpers are differentiated in joint
 * mode (their reverse function recomputes them from their arguments), which is exact only when a
 * helper does not write into its array parameters and the caller does not change an array after
 * handing it to a helper. Until array snapshots exist, both are reported rather than risked.
 */
import { type Diagnostic, diagnosticAtLoc } from "../diagnostics.js";
import type { FnIR, Stmt } from "../ir.js";
import { walk } from "../ir.js";
import type { ModuleGraph } from "../front/modules.js";
import type { LowerContext } from "./lower.js";

export function checkHelperArrays(root: FnIR, ctx: LowerContext, diagnostics: Diagnostic[], graph: ModuleGraph): boolean {
  const byName = new Map([...ctx.functions.values()].map((f) => [f.name, f]));
  const before = diagnostics.length;
  const seen = new Set<string>();
  const visit = (fn: FnIR) => {
    if (seen.has(fn.name)) return;
    seen.add(fn.name);
    const written = new Set<string>();
    walk(fn.body, (s) => {
      if (s.k === "store") written.add(s.arr);
    });
    walk(fn.body, (s: Stmt) => {
      const call = s.k === "effect" ? s : s.k === "assign" && s.expr.k === "call" ? { ...s.expr, loc: s.loc } : undefined;
      if (!call) return;
      const callee = byName.get(call.fn)!;
      const writesParam = callee.params.some((p) => {
        if (p.type !== "arr") return false;
        let writes = false;
        walk(callee.body, (t) => {
          if (t.k === "store" && t.arr === p.name) writes = true;
        });
        return writes;
      });
      if (writesParam) {
        diagnostics.push(diagnosticAtLoc(call.loc, `'${callee.sourceName}' writes into an array parameter, which gradc cannot differentiate through a call yet`, graph, "return a number from the helper, or inline its loop into the caller"));
      }
      for (const a of call.args) {
        if (a.k === "var" && fn.vars.get(a.name) === "arr" && written.has(a.name)) {
          diagnostics.push(diagnosticAtLoc(call.loc, `array '${a.name}' is passed to '${callee.sourceName}' and also written in '${fn.sourceName}', which gradc cannot differentiate yet`, graph, "fill the array completely before the first call, in a separate function, or copy it into a new array for the call"));
        }
      }
      visit(callee);
    });
  };
  visit(root);
  return diagnostics.length === before;
}
