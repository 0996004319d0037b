/**
 * Lowering of statements into structured control flow: `break`, `continue` and early `return`
 * set flags, the statements after them are guarded by the flags, and loop tests read them — so
 * later phases only see if/else and loops with a single exit.
 */
import ts from "typescript";
import { type Atom, bool, type LoopStmt, num, type PrimOp, ref, type Stmt, walk } from "../ir.js";
import { skipParens } from "../front/modules.js";
import { compoundOp } from "./operators.js";
import { isObjectValue } from "./values.js";
import { alwaysExits, arrayKind, blockStatements, excerpt, fieldOf, hasSideEffects, markDeclaration } from "./syntax.js";
import { type Flow, type LoopFrame, TYPE_NAMES, type Typed, Unsupported } from "./scope.js";
import { ObjectLowering } from "./objects.js";
import { detectCountedLoop } from "../analyze/loops.js";
import { checkpointComment, diagnosticAtComment } from "./checkpoint-comment.js";

/** Blocks, declarations, branches, loops, switch and assignments. */
export abstract class StatementLowering extends ObjectLowering {
  protected abstract lowerResult(e: ts.Expression, out: Stmt[]): void;

  /**
   * An `if` whose branches assign its own condition variable (`t = a; if (!t) t = b` from `||`,
   * or `if (done) done = false`) would read the wrong value when the reverse sweep replays the
   * branch: such an `if` tests a copy of the condition taken just before it.
   */
  protected separateBranchConditions(stmts: Stmt[]): void {
    for (let i = 0; i < stmts.length; i++) {
      const s = stmts[i];
      if (s.k === "loop") {
        [s.init, s.test, s.body, s.update].forEach((b) => this.separateBranchConditions(b));
        continue;
      }
      if (s.k !== "if") continue;
      this.separateBranchConditions(s.then);
      this.separateBranchConditions(s.else);
      const cond = s.cond;
      if (cond.k !== "var") continue;
      let assigned = false;
      walk([...s.then, ...s.else], (t) => {
        if (t.k === "assign" && t.target === cond.name) assigned = true;
      });
      if (!assigned) continue;
      const copy = this.temp("bool");
      stmts.splice(i, 0, { k: "assign", target: copy, expr: { k: "copy", arg: cond }, loc: s.loc });
      s.cond = ref(copy);
      i++;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Declarations and names

  protected lowerBlock(statements: readonly ts.Statement[], out: Stmt[]): Flow {
    const may = new Set<string>();
    this.scopes.push(new Map());
    try {
      for (let i = 0; i < statements.length; i++) {
        const s = statements[i];
        const rest = statements.slice(i + 1);
        if (ts.isIfStatement(s) && rest.length > 0) {
          const thenExits = alwaysExits(s.thenStatement);
          const elseExits = s.elseStatement ? alwaysExits(s.elseStatement) : false;
          if (thenExits !== elseExits) {
            // `if (c) return a; rest` → `if (c) { … } else { rest }`: no flag guard needed.
            const flow = this.lowerIf(s, out, rest, thenExits ? "else" : "then");
            flow.may.forEach((f) => may.add(f));
            return { may, always: flow.always };
          }
        }
        const flow = this.lowerStatement(s, out);
        flow.may.forEach((f) => may.add(f));
        if (flow.always) return { may, always: true };
        if (flow.may.size > 0 && rest.length > 0) {
          const guarded = this.guard([...flow.may], out);
          const restFlow = this.lowerBlock(rest, guarded);
          restFlow.may.forEach((f) => may.add(f));
          return { may, always: false };
        }
      }
      return { may, always: false };
    } finally {
      this.scopes.pop();
    }
  }

  protected lowerStatement(s: ts.Statement, out: Stmt[]): Flow {
    const saved = this.loc;
    this.loc = this.locOf(s);
    if (!isLoopStatement(s)) {
      const comment = checkpointComment(this.sf, s);
      if (comment) this.ctx.diagnostics.push(diagnosticAtComment(this.sf, comment, "'// @checkpoint' stands above a statement that is not a loop", "put it on the line directly above a counted for loop"));
    }
    try {
      return this.lowerStatementAt(s, out);
    } catch (e) {
      if (e instanceof Unsupported) return { may: new Set(), always: false };
      throw e;
    } finally {
      this.loc = saved;
    }
  }

  protected lowerStatementAt(s: ts.Statement, out: Stmt[]): Flow {
    const none: Flow = { may: new Set(), always: false };
    if (ts.isBlock(s)) return this.lowerBlock(s.statements, out);
    if (ts.isEmptyStatement(s)) return none;
    if (ts.isVariableStatement(s)) {
      this.lowerDeclarations(s.declarationList, out);
      return none;
    }
    if (ts.isExpressionStatement(s)) {
      this.lowerEffect(s.expression, out);
      return none;
    }
    if (ts.isIfStatement(s)) return this.lowerIf(s, out, [], undefined);
    if (isLoopStatement(s)) return this.lowerLoop(s, out);
    if (ts.isReturnStatement(s)) {
      if (!s.expression && this.isProcedure) {
        this.returnedFlag ??= this.flag("returned");
        out.push(this.assign(this.returnedFlag, { k: "copy", arg: bool(true) }));
        return { may: new Set([this.returnedFlag]), always: true };
      }
      if (!s.expression) this.fail(s, "a differentiated function must return a value", "return the number to differentiate, e.g. `return loss;`");
      if (this.isProcedure) this.fail(s, "a function declared `: void` cannot return a value");
      this.lowerResult(s.expression, out);
      this.returnedFlag ??= this.flag("returned");
      out.push(this.assign(this.returnedFlag, { k: "copy", arg: bool(true) }));
      return { may: new Set([this.returnedFlag]), always: true };
    }
    if (ts.isBreakStatement(s) || ts.isContinueStatement(s)) {
      if (s.label) this.fail(s, "labelled break/continue is outside the differentiable subset", "restructure the loop, or use a flag variable");
      const isBreak = ts.isBreakStatement(s);
      const frame = isBreak ? this.loops[this.loops.length - 1] : [...this.loops].reverse().find((f) => !f.isSwitch);
      if (!frame) this.fail(s, `'${s.getText()}' outside a loop`);
      const flag = isBreak
        ? (frame.breakFlag ??= this.flag(`break${frame.id}`))
        : (frame.continueFlag ??= this.flag(`continue${frame.id}`));
      out.push(this.assign(flag, { k: "copy", arg: bool(true) }));
      return { may: new Set([flag]), always: true };
    }
    if (ts.isFunctionDeclaration(s) || ts.isClassDeclaration(s)) {
      return this.fail(s, "nested function and class declarations are outside the differentiable subset", "declare helper functions at the top level of a module; gradc differentiates calls to them");
    }
    if (ts.isTryStatement(s)) return this.fail(s, "try/catch is outside the differentiable subset", "move error handling outside the differentiated function");
    if (ts.isThrowStatement(s)) return this.fail(s, "throw is outside the differentiable subset", "validate inputs before calling the differentiated function");
    if (ts.isSwitchStatement(s)) return this.lowerSwitch(s, out);
    if (ts.isForInStatement(s)) return this.fail(s, "for…in loops are outside the differentiable subset", "iterate the values with for…of, or use an index loop: for (let i = 0; i < a.length; i++)");
    if (ts.isLabeledStatement(s)) return this.fail(s, "labelled statements are outside the differentiable subset", "use a flag variable to leave nested loops");
    return this.fail(s, `'${excerpt(s)}' is outside the differentiable subset`, "see the differentiable subset in the README");
  }

  protected lowerDeclarations(list: ts.VariableDeclarationList, out: Stmt[]): void {
    const isConst = !!(list.flags & ts.NodeFlags.Const);
    if (!(list.flags & (ts.NodeFlags.Const | ts.NodeFlags.Let))) {
      this.fail(list, "'var' declarations are outside the differentiable subset", "use let or const");
    }
    for (const d of list.declarations) {
      if (!ts.isIdentifier(d.name)) {
        if (!d.initializer) this.fail(d, "a destructuring declaration needs an initializer");
        if (ts.isArrayBindingPattern(d.name)) {
          // `const [a, b] = [x, y]` or `= arr`: element values, then one declaration each.
          const values = this.elementValues(d.initializer, d.name.elements.length, out);
          d.name.elements.forEach((element, i) => {
            if (ts.isOmittedExpression(element)) return;
            if (element.dotDotDotToken || element.initializer || !ts.isIdentifier(element.name)) this.fail(element, "rest elements, defaults and nested patterns in an array pattern are outside the differentiable subset");
            out.push(this.declaration(this.declare(element.name.text, "num", isConst), { k: "copy", arg: values[i] }));
          });
          continue;
        }
        // `const { w, b } = p`: w names p's array, b a copy of its number.
        this.bindPattern(d.name, this.objectValue(d.initializer, out, "object"), isConst, out);
        continue;
      }
      if (d.initializer && this.isObjectExpression(d.initializer)) {
        const object = this.objectValue(d.initializer, out, d.name.text);
        // `const q = p`: another name for p's object, not a copy.
        if (this.namesObject(d.initializer)) object.shared = true;
        this.scopes[this.scopes.length - 1].set(d.name.text, { object, isConst });
        continue;
      }
      if (d.initializer && fieldOf(skipParens(d.initializer))) {
        // `const w = p.w`: another name for the object's array (arrays are references).
        const field = this.pathValue(d.initializer);
        if (field && !isObjectValue(field) && field.type === "arr") {
          this.scopes[this.scopes.length - 1].set(d.name.text, { ir: field.ir, type: "arr", isConst, float32: field.float32, integer: field.integer });
          continue;
        }
      }
      if (!d.initializer) {
        const type = d.type ? this.typeOf(d.type) : "num";
        if (type === "arr") this.fail(d, "an array variable needs an initializer", "write const a = new Float64Array(n)");
        this.declare(d.name.text, type, isConst);
        continue;
      }
      const init = skipParens(d.initializer);
      if (ts.isIdentifier(init) && this.lookup(init.text)?.type === "arr") {
        this.fail(d, "an array variable may not alias another array", "copy the elements into a new Float64Array, or use the original name");
      }
      this.refuseOptionalCopy(d.initializer);
      // Lower the initializer before declaring, so `let x = x + 1` in an inner scope reads the outer x.
      const target = this.fresh(d.name.text);
      const start = out.length;
      let value: Typed;
      try {
        value = this.expr(d.initializer, out, target);
      } catch (e) {
        // Declare the name anyway, so its later uses do not report a second, misleading error.
        this.scopes[this.scopes.length - 1].set(d.name.text, { ir: target, type: "num", isConst, unknownType: true });
        throw e;
      }
      markDeclaration(out.slice(start), target);
      this.vars.set(target, value.type);
      this.scopes[this.scopes.length - 1].set(d.name.text, { ir: target, type: value.type, isConst, ...arrayKind(d.initializer) });
    }
  }

  protected lowerIf(s: ts.IfStatement, out: Stmt[], rest: readonly ts.Statement[], restInto: "then" | "else" | undefined): Flow {
    const cond = this.condition(s.expression, out);
    const thenOut: Stmt[] = [];
    const elseOut: Stmt[] = [];
    const thenStmts = [...blockStatements(s.thenStatement), ...(restInto === "then" ? rest : [])];
    const elseStmts = [...(s.elseStatement ? blockStatements(s.elseStatement) : []), ...(restInto === "else" ? rest : [])];
    const a = this.lowerBlock(thenStmts, thenOut);
    const b = this.lowerBlock(elseStmts, elseOut);
    out.push({ k: "if", cond, then: thenOut, else: elseOut, loc: this.locOf(s) });
    return { may: new Set([...a.may, ...b.may]), always: a.always && b.always };
  }

  protected lowerLoop(s: ts.ForStatement | ts.WhileStatement | ts.DoStatement | ts.ForOfStatement, out: Stmt[]): Flow {
    const frame: LoopFrame = { id: this.nextLoop++ };
    const loop: LoopStmt = { k: "loop", id: frame.id, init: [], test: [], cond: bool(true), body: [], update: [], postTest: ts.isDoStatement(s), scoped: [], loc: this.locOf(s) };
    this.scopes.push(new Map());
    try {
      if (ts.isForStatement(s) && s.initializer) {
        const varsBeforeInit = new Set(this.vars.keys());
        if (ts.isVariableDeclarationList(s.initializer)) this.lowerDeclarations(s.initializer, loop.init);
        else this.lowerEffect(s.initializer, loop.init);
        // The initializer's own variables (`const w = p.w` names an existing array: not its own).
        loop.scoped = [...this.scopes[this.scopes.length - 1].values()].flatMap((b) => (b.ir !== undefined && !varsBeforeInit.has(b.ir) ? [b.ir] : []));
      }
      const varsBeforeTest = new Set(this.vars.keys());
      const element = ts.isForOfStatement(s) ? this.forOfHeader(s, loop) : undefined;
      const testExpr = ts.isForStatement(s) ? s.condition : ts.isForOfStatement(s) ? undefined : s.expression;
      if (testExpr) loop.cond = this.condition(testExpr, loop.test);
      this.loops.push(frame);
      let flow: Flow;
      this.scopes.push(new Map());
      try {
        element?.(loop.body);
        flow = this.lowerBlock(blockStatements(s.statement), loop.body);
      } finally {
        this.scopes.pop();
      }
      this.loops.pop();
      if (ts.isForStatement(s) && s.incrementor) this.lowerEffect(s.incrementor, loop.update);
      if (hasSideEffects(loop.test, varsBeforeTest)) this.moveTestIntoBody(loop, frame);

      const exits = [frame.breakFlag, ...[...flow.may].filter((f) => f === this.returnedFlag)].filter((f): f is string => !!f);
      if (frame.continueFlag) loop.body.unshift(this.assign(frame.continueFlag, { k: "copy", arg: bool(false) }));
      if (frame.breakFlag) loop.init.push(this.assign(frame.breakFlag, { k: "copy", arg: bool(false) }));
      if (exits.length > 0) {
        // The loop goes on only while no exit flag is set: `go = !exit; if (go) { test; go = cond }`.
        const go = this.temp("bool");
        const test: Stmt[] = [];
        test.push(this.assign(go, { k: "not", arg: ref(exits[0]) }));
        let block = test;
        for (const extra of exits.slice(1)) {
          const inner: Stmt[] = [];
          block.push({ k: "if", cond: ref(go), then: inner, else: [], loc: this.loc });
          inner.push(this.assign(go, { k: "not", arg: ref(extra) }));
          block = inner;
        }
        const inner: Stmt[] = [...loop.test, this.assign(go, { k: "copy", arg: loop.cond })];
        block.push({ k: "if", cond: ref(go), then: inner, else: [], loc: this.loc });
        loop.test = test;
        loop.cond = ref(go);
        if (loop.update.length > 0) {
          const wrapper: Stmt[] = [];
          this.guard(exits, wrapper).push(...loop.update);
          loop.update = wrapper;
        }
      }
      this.markCheckpoint(s, loop);
      out.push(loop);
      const may = new Set([...flow.may].filter((f) => f !== frame.breakFlag && f !== frame.continueFlag));
      return { may, always: false };
    } finally {
      this.scopes.pop();
    }
  }

  /**
   * `// @checkpoint [N]` above the loop, carried onto it when reverse mode can honour it: a
   * counted loop (analyze/loops.ts), and for √n segments one whose trip count is known before it
   * runs. Anything else is a diagnostic — a comment asking to save memory is never dropped.
   */
  private markCheckpoint(s: ts.Statement, loop: LoopStmt): void {
    const comment = checkpointComment(this.sf, s);
    if (!comment) return;
    const report = (message: string, hint: string): void => void this.ctx.diagnostics.push(diagnosticAtComment(this.sf, comment, message, hint));
    if (comment.error) return report(comment.error, "write '// @checkpoint' (segments of √n iterations) or '// @checkpoint 1000'");
    const counted = detectCountedLoop(loop);
    if (!counted) {
      return report(
        "'// @checkpoint' needs a counted loop: for (let i = a; i < n; i += c) whose body does not assign i, with no break or return inside",
        "rewrite the loop as a counted for loop (a while loop, or one left early, cannot be checkpointed yet), or remove the comment",
      );
    }
    if (comment.every === undefined && !counted.replayableTest) {
      return report("'// @checkpoint' (√n segments) needs the trip count before the loop runs, but this loop's test reads values the loop changes", "give the segment length: '// @checkpoint 1000'");
    }
    loop.checkpoint = comment.every === undefined ? {} : { every: comment.every };
  }

  /**
   * `for (const v of a)` as the index loop JavaScript's array iterator amounts to: `a` evaluated
   * once (a Float64Array, a number[] or an array literal), `i` from 0 while `i < a.length`, and
   * `v = a[i]` read at the top of each iteration (so writes to later elements are seen, as in
   * JavaScript). Fills the loop's header; the returned function declares v in the body.
   */
  protected forOfHeader(s: ts.ForOfStatement, loop: LoopStmt): (body: Stmt[]) => void {
    if (s.awaitModifier) this.fail(s, "for await is outside the differentiable subset", "iterate synchronously");
    const list = s.initializer;
    if (!ts.isVariableDeclarationList(list) || list.declarations.length !== 1 || !ts.isIdentifier(list.declarations[0].name)) {
      return this.fail(list, "for…of needs a variable of its own", "write for (const v of a)");
    }
    if (!(list.flags & (ts.NodeFlags.Const | ts.NodeFlags.Let))) this.fail(list, "'var' declarations are outside the differentiable subset", "use let or const");
    const name = list.declarations[0].name.text;
    const iterated = skipParens(s.expression);
    // A literal is made into an array of its own before the loop, named so the loop can read it.
    let arr: string;
    if (ts.isArrayLiteralExpression(iterated)) {
      arr = this.temp("arr");
      this.expr(iterated, loop.init, arr);
    } else {
      arr = this.arrayRef(iterated);
    }
    const index = this.internal(`${name}_index`, "num");
    loop.init.push(this.assign(index, { k: "copy", arg: num(0) }));
    loop.scoped = [index];
    const length = this.temp("num");
    const more = this.temp("bool");
    loop.test.push(this.assign(length, { k: "len", arr }), this.assign(more, { k: "cmp", op: "<", args: [ref(index), ref(length)] }));
    loop.cond = ref(more);
    loop.update.push(this.assign(index, { k: "prim", op: "add", args: [ref(index), num(1)] }));
    const isConst = !!(list.flags & ts.NodeFlags.Const);
    return (body) => {
      const v = this.declare(name, "num", isConst);
      body.push(this.assign(v, { k: "load", arr, index: ref(index) }));
    };
  }

  /**
   * `switch` as JavaScript runs it: the discriminant once; the case values compared with === in
   * order until one matches (later case values are not evaluated), else `default` wherever it
   * stands; then every clause from there on (fall-through) until a `break`, `continue` or
   * `return`. Lowered to `sel`, the index of the clause execution starts at (the clause count:
   * none), and `if (sel <= k) { clause k }` per clause, each guarded by the flags earlier clauses
   * may have set — so the analyses see only ifs and flags.
   */
  protected lowerSwitch(s: ts.SwitchStatement, out: Stmt[]): Flow {
    const clauses = s.caseBlock.clauses;
    this.refuseOptionalCopy(s.expression);
    const discriminant = this.expr(s.expression, out);
    if (discriminant.type === "arr") this.fail(s.expression, "switch on an array is outside the differentiable subset", "switch on a number or a boolean");
    // A copy: the clauses may assign the variable switched on.
    const value = this.temp(discriminant.type);
    out.push(this.assign(value, { k: "copy", arg: discriminant.atom }));
    const defaultIndex = clauses.findIndex((c) => ts.isDefaultClause(c));
    const sel = this.temp("num");
    out.push(this.assign(sel, { k: "copy", arg: num(defaultIndex >= 0 ? defaultIndex : clauses.length) }));
    let unmatched = out;
    clauses.forEach((clause, k) => {
      if (!ts.isCaseClause(clause)) return;
      const candidate = this.expr(clause.expression, unmatched);
      if (candidate.type !== discriminant.type) this.fail(clause.expression, `this case compares ${TYPE_NAMES[candidate.type]} with the switch's ${TYPE_NAMES[discriminant.type].replace(/^an? /, "")}`, "=== between different types is always false: give each case a value of the switch's type");
      const hit = this.temp("bool");
      unmatched.push(this.assign(hit, { k: "cmp", op: "===", args: [ref(value), candidate.atom] }));
      const next: Stmt[] = [];
      unmatched.push({ k: "if", cond: ref(hit), then: [this.assign(sel, { k: "copy", arg: num(k) })], else: next, loc: this.locOf(clause) });
      unmatched = next;
    });
    const frame: LoopFrame = { id: this.nextLoop++, isSwitch: true };
    this.loops.push(frame);
    const bodies: { statements: Stmt[]; flow: Flow }[] = [];
    try {
      for (const clause of clauses) {
        const statements: Stmt[] = [];
        bodies.push({ statements, flow: this.lowerBlock(clause.statements, statements) });
      }
    } finally {
      this.loops.pop();
    }
    if (frame.breakFlag) out.push(this.assign(frame.breakFlag, { k: "copy", arg: bool(false) }));
    const earlier = new Set<string>();
    bodies.forEach(({ statements, flow }, k) => {
      const reached = this.temp("bool");
      out.push(this.assign(reached, { k: "cmp", op: "<=", args: [ref(sel), num(k)] }));
      const inside: Stmt[] = [];
      out.push({ k: "if", cond: ref(reached), then: inside, else: [], loc: this.locOf(clauses[k]) });
      this.guard([...earlier], inside).push(...statements);
      flow.may.forEach((f) => earlier.add(f));
    });
    earlier.delete(frame.breakFlag ?? "");
    return { may: earlier, always: false };
  }

  /**
   * A condition that changes variables or elements (`while (n--)`, `while ((x = next(x)) > 0)`)
   * becomes the first statement of the body (the last, for do…while) and leaves through the
   * loop's break flag: the test itself then only reads flags, and what the condition computes is
   * ordinary body code that both modes differentiate.
   */
  protected moveTestIntoBody(loop: LoopStmt, frame: LoopFrame): void {
    const stop = (frame.breakFlag ??= this.flag(`break${frame.id}`));
    const leave: Stmt[] = [...loop.test, this.assign(stop, { k: "not", arg: loop.cond })];
    loop.test = [];
    loop.cond = bool(true);
    if (loop.postTest) {
      // do…while: the condition runs after the body and the update, as before.
      loop.update = [...loop.update, ...leave];
    } else {
      const body = loop.body;
      loop.body = leave;
      this.guard([stop], loop.body).push(...body);
    }
  }

  /** Expression statements: assignments, ++/--, and calls kept for their effect on arrays. */
  protected lowerEffect(e: ts.Expression, out: Stmt[]): void {
    e = skipParens(e);
    if (ts.isBinaryExpression(e) && e.operatorToken.kind === ts.SyntaxKind.CommaToken) {
      this.lowerEffect(e.left, out);
      this.lowerEffect(e.right, out);
      return;
    }
    if (ts.isBinaryExpression(e) && (e.operatorToken.kind === ts.SyntaxKind.EqualsToken || compoundOp(e.operatorToken.kind))) {
      this.lowerAssignment(e.left, compoundOp(e.operatorToken.kind), e.right, out, e);
      return;
    }
    if (ts.isBinaryExpression(e) && e.operatorToken.kind >= ts.SyntaxKind.FirstCompoundAssignment && e.operatorToken.kind <= ts.SyntaxKind.LastCompoundAssignment) {
      this.fail(e.operatorToken, `the compound assignment '${e.operatorToken.getText()}' is outside the differentiable subset`, "bitwise, shift and logical assignments have no derivative; write the arithmetic out");
    }
    if ((ts.isPrefixUnaryExpression(e) || ts.isPostfixUnaryExpression(e)) && (e.operator === ts.SyntaxKind.PlusPlusToken || e.operator === ts.SyntaxKind.MinusMinusToken)) {
      this.lowerAssignment(e.operand, e.operator === ts.SyntaxKind.PlusPlusToken ? "add" : "sub", undefined, out, e);
      return;
    }
    if (ts.isCallExpression(e)) {
      const callee = skipParens(e.expression);
      if (ts.isIdentifier(callee) && !this.isGradcName(callee.text)) {
        const { fn, args } = this.lowerCall(e, out);
        out.push({ k: "effect", fn: fn.name, args, loc: this.loc });
        return;
      }
      this.expr(e, out); // reports why the call is outside the subset (callbacks, methods, …)
    }
    this.fail(e, "this expression statement has no effect gradc can differentiate", "statements are assignments, ++/--, or calls to helpers that write into arrays");
  }

  /**
   * `left = right`, `left op= right`, or `left += 1` (++/--, no `right`), evaluated as JavaScript
   * does: the target's variable or index, then its old value, then `right`. Returns the value the
   * assignment expression has: the value stored.
   */
  protected lowerAssignment(left: ts.Expression, op: PrimOp | undefined, right: ts.Expression | undefined, out: Stmt[], whole: ts.Node, keepOld = false): Typed & { old?: Atom } {
    left = skipParens(left);
    if (ts.isArrayLiteralExpression(left)) {
      if (op || !right) this.fail(whole, "only `=` can assign to a destructuring pattern");
      return this.assignElements(left, right, out);
    }
    if (ts.isIdentifier(left) || fieldOf(left)) {
      const b = this.assignable(left, op, right, out, whole);
      if (!b) return { atom: num(0), type: "num" }; // a whole object was assigned (statement use only)
      if (b.type === "arr") this.fail(whole, "an array variable may not be reassigned", "write into its elements instead, or declare a new array");
      if (!op) {
        if (!b.given) this.refuseOptionalCopy(right!);
        const value = this.expr(right!, out, b.ir);
        this.checkType(value.type, b.type, right!);
        this.markGiven(b, out);
        return { atom: ref(b.ir), type: b.type };
      }
      if (b.type !== "num") this.fail(whole, `'${left.getText()}' is a boolean: arithmetic assignment needs a number`);
      // `x += e` reads x before e runs (`x += x++` adds the old x).
      const [current, rhs] = this.inOrder([() => ref(b.ir), () => (right ? this.scalar(right, out) : num(1))], out);
      // x++ as a value is the old value: keep a copy before x changes.
      let old: Atom = current;
      if (keepOld && current.k === "var" && current.name === b.ir) {
        const copy = this.temp("num");
        out.push(this.assign(copy, { k: "copy", arg: current }));
        old = ref(copy);
      }
      out.push(this.assign(b.ir, { k: "prim", op, args: [old, rhs] }));
      this.markGiven(b, out);
      return { atom: ref(b.ir), type: "num", old };
    }
    if (ts.isElementAccessExpression(left)) {
      const arr = this.arrayRef(left.expression);
      const target = this.arrayBinding(left.expression);
      let index: Atom;
      let value: Atom;
      if (op) {
        // The index, then the old element, then the right-hand side (`a[i] += i++` uses the old i).
        const old = this.temp("num");
        let rhs: Atom;
        [index, rhs] = this.inOrder(
          [
            () => this.scalar(left.argumentExpression, out),
            ([at]) => {
              out.push(this.assign(old, { k: "load", arr, index: at }));
              return right ? this.scalar(right, out) : num(1);
            },
          ],
          out,
        );
        const updated = this.temp("num");
        out.push(this.assign(updated, { k: "prim", op, args: [ref(old), rhs] }));
        out.push({ k: "store", arr, index, value: this.stored(ref(updated), target, out), loc: this.loc });
        return { atom: ref(updated), type: "num", old: ref(old) };
      }
      [index, value] = this.inOrder([() => this.scalar(left.argumentExpression, out), () => this.scalar(right!, out)], out);
      out.push({ k: "store", arr, index, value: this.stored(value, target, out), loc: this.loc });
      return { atom: value, type: "num" };
    }
    this.fail(left, "only variables, object fields and array elements can be assigned");
  }
}

function isLoopStatement(s: ts.Statement): s is ts.ForStatement | ts.WhileStatement | ts.DoStatement | ts.ForOfStatement {
  return ts.isForStatement(s) || ts.isWhileStatement(s) || ts.isDoStatement(s) || ts.isForOfStatement(s);
}
