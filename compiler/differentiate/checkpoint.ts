/**
 * Checkpointing (`// @checkpoint [N]` above a counted loop), as Tapenade's and Enzyme's loop
 * checkpointing and JAX's `remat` of a scan do it, with one level of equal segments: the reverse
 * sweep of a loop of n iterations normally needs what every iteration saved, all at once; here it
 * needs one segment's.
 *
 * Forward sweep: the loop runs as plain primal code — nothing saved per iteration — except that
 * at the top of every k-th iteration (before its test) the loop's state (analyze/loop-state.ts:
 * the scalars an iteration reads before assigning them, the elements of the arrays that may
 * change) goes onto the save stack. That is ⌊n/k⌋ + 1 checkpoints; the last may stand before the
 * failing test, covering no iteration, which keeps the arithmetic uniform (n = 0 has one).
 * Only the trip count n (and k, for √n segments) is kept besides.
 *
 * Reverse sweep, segment by segment from the last: pop the segment's checkpoint (it is on top of
 * the stack: everything pushed after it was popped by the adjoint of the code after the loop),
 * re-run the segment's iterations with the ordinary recording forward code, then run their
 * ordinary adjoint backwards. Each replayed iteration pushes exactly what its adjoint pops (the
 * to-be-recorded plan is per statement), so the segments balance one by one; and the replay
 * leaves every variable and array as the original run left it at the segment's end, which is
 * more than the adjoint reads. After the first segment, the loop's variables are where the
 * uncheckpointed adjoint would leave them: the plan's own restores bring back what the code
 * before the loop needs.
 *
 * The peak of the stack is then about (n/k)·|state| + k·(saves per iteration); k = ⌈√n⌉
 * balances the two. The price is one more run of the loop's primal code.
 */
import { type Atom, type FnIR, type GStmt, type LoopStmt, type SaveStack, type Stmt, gen, num, ref } from "../ir.js";
import type { CountedLoop } from "../analyze/loops.js";
import { type LoopState, loopState } from "../analyze/loop-state.js";
import { type LocalNames, tripCount } from "./common.js";

/** What the checkpointing of a loop needs from the reverse-mode builder. */
export interface CheckpointHost {
  readonly fn: FnIR;
  readonly names: LocalNames;
  /** The stack a saved value of this variable goes on. */
  stackOf(name: string): SaveStack;
  /** The recording forward sweep of statements (saves as the plan says). */
  forward(stmts: Stmt[], depth: number): GStmt[];
  /** Statements as plain primal code, saving nothing. */
  primal(stmts: Stmt[]): GStmt[];
  /** The adjoint sweep of statements. */
  adjoint(stmts: Stmt[]): GStmt[];
  /** The adjoint of iteration `index` (0-based, in execution order) of a counted loop. */
  iterationAdjoint(loop: LoopStmt, counted: CountedLoop, index: Atom): GStmt[];
}

/** What the forward sweep left for the reverse sweep of one checkpointed loop. */
interface Checkpointed {
  counted: CountedLoop;
  state: LoopState;
  /** The loop's trip count n. */
  trips: string;
  /** The segment length k: a constant, or ⌈√n⌉ computed before the loop. */
  every: Atom;
  /** Nested in another loop: n and k of the previous execution were saved, to be restored after. */
  depth: number;
}

export class Checkpointing {
  private readonly loops = new Map<LoopStmt, Checkpointed>();

  constructor(private readonly host: CheckpointHost) {}

  /** The loop's forward sweep: init, then the loop as primal code with a checkpoint every k iterations. */
  forward(s: LoopStmt, counted: CountedLoop, depth: number): GStmt[] {
    const { host } = this;
    const { names } = host;
    const loc = s.loc;
    const out: GStmt[] = [...host.forward(s.init, depth)];
    const trips = names.temp("trips");
    const fixed = s.checkpoint?.every;
    const every = fixed !== undefined ? num(fixed) : ref(names.temp("every"));
    const info: Checkpointed = { counted, state: loopState(host.fn, s), trips, every, depth };
    this.loops.set(s, info);
    if (depth > 0) {
      // The previous execution's n and k, kept for its own reverse sweep (as a nested loop's trip count is).
      out.push(gen.push(ref(trips), "inactive", loc));
      if (every.k === "var") out.push(gen.push(every, "inactive", loc));
    }
    if (every.k === "var") out.push(...this.sqrtOfTrips(s, counted, every.name));

    const left = names.temp("left");
    const due = names.temp("due", "bool");
    out.push(gen.copy(trips, num(0), loc), gen.copy(left, num(0), loc));
    const test: GStmt[] = [
      gen.assign(due, { k: "cmp", op: "===", args: [ref(left), num(0)] }, loc),
      { k: "if", cond: ref(due), then: [...this.save(info.state, s), gen.copy(left, every, loc)], else: [], loc },
      ...host.primal(s.test),
    ];
    const body: GStmt[] = [
      ...host.primal(s.body),
      ...host.primal(s.update),
      gen.prim(trips, "add", [ref(trips), num(1)], loc),
      gen.prim(left, "sub", [ref(left), num(1)], loc),
    ];
    out.push({ k: "comment", text: `checkpointed loop (line ${loc.line}): its state every ${fixed ?? "⌈√n⌉"} iterations, nothing per iteration` });
    out.push({ k: "loop", test, cond: s.cond, body, postTest: false, loc });
    return out;
  }

  /** The loop's adjoint: per segment, from the last, restore its checkpoint, replay it recording, run it backwards. */
  adjoint(s: LoopStmt): GStmt[] {
    const { host } = this;
    const { names } = host;
    const info = this.loops.get(s);
    if (!info) throw new Error("gradc internal error: the adjoint of a checkpointed loop before its forward sweep");
    const { trips, every, state, counted, depth } = info;
    const loc = s.loc;
    const [quotient, whole, segments] = [names.temp("q"), names.temp("q"), names.temp("segments")];
    const [segment, start, rest, length] = [names.temp("segment"), names.temp("first"), names.temp("rest"), names.temp("length")];
    const [replayed, more, back, index] = [names.temp("j"), names.temp("more", "bool"), names.temp("k"), names.temp("iteration")];

    const segmentBody: GStmt[] = [
      gen.prim(start, "mul", [ref(segment), every], loc),
      gen.prim(rest, "sub", [ref(trips), ref(start)], loc),
      gen.prim(length, "min", [every, ref(rest)], loc),
      ...this.restore(state, s),
      // Re-run the segment's iterations as the forward sweep would have, saving what their adjoint pops.
      gen.copy(replayed, num(0), loc),
      {
        k: "loop",
        test: [gen.assign(more, { k: "cmp", op: "<", args: [ref(replayed), ref(length)] }, loc)],
        cond: ref(more),
        body: [...host.forward(s.test, depth + 1), ...host.forward(s.body, depth + 1), ...host.forward(s.update, depth + 1), gen.prim(replayed, "add", [ref(replayed), num(1)], loc)],
        postTest: false,
        loc,
      },
      {
        k: "countdown",
        counter: back,
        count: ref(length),
        body: [gen.prim(index, "add", [ref(start), ref(back)], loc), ...host.iterationAdjoint(s, counted, ref(index))],
        loc,
      },
    ];
    const out: GStmt[] = [
      { k: "comment", text: `checkpointed loop (line ${loc.line}): segment by segment, replayed then reversed` },
      gen.prim(quotient, "div", [ref(trips), every], loc),
      gen.prim(whole, "floor", [ref(quotient)], loc),
      gen.prim(segments, "add", [ref(whole), num(1)], loc),
      { k: "countdown", counter: segment, count: ref(segments), body: segmentBody, loc },
    ];
    if (depth > 0) {
      if (every.k === "var") out.push(gen.pop(every.name, "inactive", loc));
      out.push(gen.pop(trips, "inactive", loc));
    }
    out.push(...host.adjoint(s.init));
    return out;
  }

  /**
   * k = max(1, ⌈√n⌉), n counted before the loop runs: in closed form from its bound, or by
   * replaying its header (lowering admits √n segments only where one of these exists).
   */
  private sqrtOfTrips(s: LoopStmt, counted: CountedLoop, every: string): GStmt[] {
    const { host } = this;
    const { names } = host;
    const loc = s.loc;
    const n = names.temp("n");
    const out: GStmt[] = [];
    const iv = counted.inductionVar;
    if (counted.bound) {
      // The init has just set i = start: one run of the test computes the bound.
      out.push(...host.primal(s.test), ...tripCount(counted, n, names, loc));
    } else {
      out.push(gen.copy(n, num(0), loc));
      out.push({
        k: "loop",
        test: host.primal(s.test),
        cond: s.cond,
        body: [gen.prim(n, "add", [ref(n), num(1)], loc), gen.prim(iv, "add", [ref(iv), num(counted.step)], loc)],
        postTest: false,
        loc,
      });
      out.push(gen.copy(iv, counted.start, loc));
    }
    const root = names.temp("root");
    const up = names.temp("root");
    out.push(gen.prim(root, "sqrt", [ref(n)], loc), gen.prim(up, "ceil", [ref(root)], loc), gen.prim(every, "max", [num(1), ref(up)], loc));
    return out;
  }

  /** Pushes the state: its scalars, then each array's elements from first to last. */
  private save(state: LoopState, s: LoopStmt): GStmt[] {
    const { names } = this.host;
    const loc = s.loc;
    const out: GStmt[] = state.scalars.map((v) => gen.push(ref(v), this.host.stackOf(v), loc));
    for (const arr of state.arrays) {
      const [n, j, more, element] = [names.temp("n"), names.temp("j"), names.temp("more", "bool"), names.temp("element")];
      out.push(gen.assign(n, { k: "len", arr }, loc), gen.copy(j, num(0), loc));
      out.push({
        k: "loop",
        test: [gen.assign(more, { k: "cmp", op: "<", args: [ref(j), ref(n)] }, loc)],
        cond: ref(more),
        // Elements go on the number stack whatever the array's activity: it stores every double exactly.
        body: [gen.assign(element, { k: "load", arr, index: ref(j) }, loc), gen.push(ref(element), "active", loc), gen.prim(j, "add", [ref(j), num(1)], loc)],
        postTest: false,
        loc,
      });
    }
    return out;
  }

  /** Pops what `save` pushed, in reverse: each array's elements from last to first, then the scalars. */
  private restore(state: LoopState, s: LoopStmt): GStmt[] {
    const { names } = this.host;
    const loc = s.loc;
    const out: GStmt[] = [];
    for (const arr of [...state.arrays].reverse()) {
      const [n, j, element] = [names.temp("n"), names.temp("j"), names.temp("element")];
      out.push(gen.assign(n, { k: "len", arr }, loc));
      out.push({ k: "countdown", counter: j, count: ref(n), body: [gen.pop(element, "active", loc), { k: "store", arr, index: ref(j), value: ref(element), loc }], loc });
    }
    for (const v of [...state.scalars].reverse()) out.push(gen.pop(v, this.host.stackOf(v), loc));
    return out;
  }
}
