/**
 * Regression tests for the bugs the differential fuzzer (fuzz/) found: each case is a minimised
 * reproducer (`npm run fuzz` wrote it to fuzz/failures/, then reduced by hand), kept here as the
 * function's source. Every case is compiled on its own — so that a case the compiler cannot emit
 * fails alone instead of taking the whole file down — and checked like the fuzzer checks:
 * `grad(f)`, `jvp(f)` along every coordinate, `grad(f, { engine: "tape" })` and `vjp(f)` against
 * Richardson central differences (test/support/numeric.ts), at the point where the fuzzer saw the
 * failure, twice in a row (the generated code's value and array stacks must be empty after each
 * call; left-overs corrupt later calls of every function in the module); the values `jvp` and
 * `vjp` report must be f's own value.
 *
 * Every case failed on the commit where it was added; each passes once its bug is fixed.
 */
import { describe, expect, it } from "vitest";
import { transformModule } from "../compiler/index.js";
import { type SupportStacks, compileModule, takeStackLeftovers } from "../fuzz/run.js";
import { type Arg, numericPartial } from "./support/numeric.js";

interface Case {
  name: string;
  /** What went wrong when the fuzzer found it. */
  found: string;
  /** The module's declarations; the function to differentiate is `f`. */
  source: string;
  args: Arg[];
}

const CASES: Case[] = [
  // ── Boolean assignments reading their own target ───────────────────────────────────────────
  {
    name: "c = y > 0 && c reads the old c",
    found: "fuzz 1/7603 (`c2 = true && c2;` before a do…while on c2): jvp(f) and vjp(f) report f = −2.5 where f is −0.5 — the generated code assigns the left operand to c before the right operand reads c, so every engine computes a different function; here f = 1.4 but every engine computes 0.7 and the gradient 1 instead of 2",
    source: `function f(x: number, y: number): number {
  let c = x > 100;
  c = y > 0 && c;
  return c ? x : 2 * x;
}`,
    args: [0.7, 0.3],
  },
  {
    name: "c = y > 100 || c reads the old c",
    found: "same bug as above, with ||: f = 0.7, every engine computes 1.4",
    source: `function f(x: number, y: number): number {
  let c = x > 0;
  c = y > 100 || c;
  return c ? x : 2 * x;
}`,
    args: [0.7, 0.3],
  },

  // ── Programs of the subset that gradc rejects ────────────────────────────────────────────────
  {
    name: "helper taking an array and one of its elements in a loop condition",
    found: "fuzz 1/14661, 1/11111: reverse mode (grad, vjp) rejects the program: 'this loop condition computes values the derivative needs; compute them inside the loop body' (jvp and the tape engine accept it)",
    source: `function h(q: Float64Array, p: number): number {
  return 0.5;
}

function f(a: Float64Array, x: number): number {
  let k = 0;
  while (k < 1 && h(a, a[0]) < 1.5) {
    ++k;
  }
  return a[1] * x;
}`,
    args: [Float64Array.from([0.5, 1.5]), 0.7],
  },

  {
    name: "helper inlined into a loop condition, its counted loop reading nothing active",
    found: "fuzz 1/2308 (soak at 7f2d735): reverse mode rejects the program ('this loop condition computes values the derivative needs') — values rebuilt in counted loops were counted as read by the reverse sweep even where nothing needs them, so inactive code in the condition was saved",
    source: `function h1(q: Float64Array, p0: number, p1: number): number {
  for (let i = 1; i < q.length; i++) {
    if (p0 > -0.5) {
    }
  }
  return 0.5;
}

function f(a: Float64Array, x: number): number {
  let k0 = 0;
  let s2 = 0;
  while (k0 < 1 && s2 > a[Math.min(a.length - 1, Math.floor(Math.abs(h1(a, 1, a[0]))))]) {
    ++k0;
    a[0] = 0.5;
  }
  return a[1] * x;
}`,
    args: [Float64Array.from([0.5, 1.5]), 0.7],
  },

  {
    name: "helper allocating in a loop, inlined into a loop condition, its array unused",
    found: "fuzz 1/13024 (soak at 9819377): reverse mode rejects the program ('this loop condition computes values the derivative needs') — every array allocated in a loop had its reference saved for the reverse sweep, even one the reverse sweep never reads",
    source: `function h0(q: Float64Array, p0: number): number {
  for (let i = 1; i < q.length; i++) {
    const v5 = new Float64Array(q.length);
  }
  return 0.5;
}

function h1(p1: number, p0: number, q: Float64Array): number {
  let k0 = 0;
  while (k0 < 1 && p0 >= q[Math.min(q.length - 1, Math.floor(Math.abs(h0(q, q[3]))))]) {
    k0++;
  }
  return 0.5;
}

function f(w: Float64Array, x: number): number {
  const v0 = new Float64Array(5);
  for (let i = 0; i < v0.length; i++) {
    v0[i] = 0.5 * x;
  }
  for (let i = 0; i < w.length; i++) {
    h1(0.5, 0.5, v0);
  }
  return v0[2] * w[1];
}`,
    args: [Float64Array.from([0.5, 1.5]), 0.7],
  },

  // ── Self-assignment ──────────────────────────────────────────────────────────────────────────
  {
    name: "self-assignment x = x keeps the adjoint",
    found: "fuzz 2/286, 3/95, 3/201, 3/205, 3/236, 3/307: grad(f) 0, jvp and tape 1, finite differences 1",
    source: `function f(x: number): number {
  x = x;
  return x;
}`,
    args: [1.4257369497790933],
  },
  {
    name: "self-assignment of a local in a loop",
    found: "fuzz 3/82 (t6 = t6 in a loop), 2/207 (t4 = t4): grad(f) 0 where jvp, tape and finite differences agree",
    source: `function f(y: number, a: Float64Array): number {
  let t = 1 + y * y;
  for (let i = 0; i < a.length; i++) {
    t = t;
  }
  return t;
}`,
    args: [0.7, Float64Array.from([0.5, -0.25])],
  },
  {
    name: "self-assignment of a helper's parameter",
    found: "fuzz 3/76: grad(f) 0, jvp and tape 5, finite differences 5",
    source: `function h(p: number): number {
  p = p;
  return p;
}

function f(y: number): number {
  let s = 0;
  for (let i = 0; i < 5; i++) {
    s += h(y);
  }
  return s;
}`,
    args: [0.3],
  },

  // ── Element stores in nested loops ───────────────────────────────────────────────────────────
  {
    name: "element overwritten inside an inner loop keeps its old adjoint",
    found: "fuzz 1/1603: grad(f) ∂f/∂a[0] = 1, but a[0] is overwritten with 0.5 before it is read: jvp, tape and finite differences 0",
    source: `function f(w: Float64Array, a: Float64Array): number {
  for (let i = 0; i < a.length; i++) {
    let s = 0;
    for (let j = 0; j < w.length; j++) {
      s += w[i];
      a[i] = 0.5;
    }
    a[1] = s;
  }
  return a[0];
}`,
    args: [Float64Array.from([0.3, 0.7]), Float64Array.from([1.1, -0.4])],
  },

  // ── A condition reassigned inside its own branch (`a || b` lowers to `t = a; if (!t) t = b`) ──
  {
    name: "|| whose right side calls a helper: the reverse sweep replays the branch",
    found: "fuzz 7/638: grad(f) left 1 value on the stack (the reverse sweep re-tested the condition after the branch had changed it)",
    source: `function h1(p0: number, q: Float64Array, p1: number, b: boolean): number {
  return 0.5 * p0;
}

function f(a: Float64Array, x: number): number {
  const c0 = false || a[Math.min(a.length - 1, Math.floor(Math.abs(h1(x, a, a[2], 2 >= x))))] < 1;
  const t1: number = h1(x, a, 0.5, c0);
  return t1;
}`,
    args: [Float64Array.from([0.3, 0.2, 0.9]), 0.7],
  },
  {
    name: "a source if that clears its own condition",
    found: "the same mechanism as fuzz 7/638, written directly: if (done) { done = false; … }",
    source: `function f(x: number): number {
  let done = x > 0;
  let y = x;
  for (let i = 0; i < 3; i++) {
    if (done) {
      done = false;
      y = y * x;
    } else {
      done = true;
      y = y + x * x;
    }
  }
  return y;
}`,
    args: [0.6],
  },

  // ── The tape engine's code for a negated negative constant does not parse ───────────────────
  {
    name: "negating a negative module constant",
    found: "fuzz 2/168, 3/35: the tape engine's code has `t6 = --1.25;` (esbuild: Invalid assignment target), so the module does not load",
    source: `const K = -1.25;

function f(x: number): number {
  const t = -K;
  return t * x;
}`,
    args: [0.5],
  },
  {
    name: "negating a negative literal",
    found: "fuzz 2/58, 2/203, 3/8, 3/58, 3/189: `- -1` becomes `--1` in the tape engine's code",
    source: `function f(x: number): number {
  const t = - -1;
  return t * x;
}`,
    args: [0.5],
  },

  {
    name: "negating a difference that folds to zero",
    found: "fuzz 1/7175 (soak at 30a4b50): the tape engine's code has `t9 = --0;` (esbuild: Invalid assignment target), so the module does not load",
    source: `const K = 0.5;

function h(p: number): number {
  const n = Math.ceil(2 * Math.abs(Math.tanh(Math.pow(Math.floor(K), 2))));
  let s = 1;
  for (let i = 0; i < n; i++) {
    s *= -(n - Math.ceil(n));
  }
  return 0.5;
}

function f(x: number): number {
  return x * h(x);
}`,
    args: [0.7],
  },

  // ── Arrays allocated inside a loop, with an inner loop over their length ────────────────────
  // Every failure of this family has `const v = new Float64Array(…)` in a loop body followed by
  // a loop bounded by `v.length`; with a constant bound instead, all of them pass.
  {
    name: "inner loop over the length of an array allocated in the loop: stack left-overs",
    found: "fuzz 3/18, 3/218, 2/96, 3/15, 3/121: grad(f) leaves 2 values on the generated code's stack per call (gradient right)",
    source: `function f(y: number): number {
  for (let i = 0; i < 2; i++) {
    const v = new Float64Array(2);
    for (let j = 0; j < v.length; j++) {
      v[j] = y;
    }
    y += v[0] * v[1];
  }
  return y;
}`,
    args: [0.7],
  },
  {
    name: "inner loop over the length of an array allocated in the loop: wrong gradient",
    found: "fuzz 2/295: grad(f) ∂f/∂a[1] NaN, jvp/tape/finite differences 0.2223; here grad ∂f/∂a = (0.6, NaN) instead of (0.75, 1.2)",
    source: `function f(a: Float64Array, x: number): number {
  let t = 0.5;
  for (let i = 0; i < a.length; i++) {
    t = t * a[i] + x;
    const v = new Float64Array(2);
    for (let j = 0; j < v.length; j++) {
      a[i] += v[j];
    }
  }
  return t;
}`,
    args: [Float64Array.from([0.4, 1.5]), 1],
  },
  {
    name: "branch after an inner loop over the length of an array allocated in the loop",
    found: "fuzz 2/47: 2 values left on the stack; here grad(f) NaN, finite differences 4.0584",
    source: `function f(x: number): number {
  let s = x;
  for (let i = 0; i < 2; i++) {
    const v = new Float64Array(3);
    for (let j = 0; j < v.length; j++) {
      v[j] = 0.5;
    }
    if (v[i] >= 0.5) {
      s = s * x;
    }
  }
  return s;
}`,
    args: [-1.1630995646119118],
  },
  {
    name: "conditional update after an inner loop over the length of an array allocated in the loop",
    found: "fuzz 2/54, 2/83, 2/104: the reverse sweep pops more than was pushed (stack top −1, then −12 on later calls); grad(f) NaN, finite differences 1",
    source: `function f(y: number, a: Float64Array): number {
  for (let i = 0; i <= 2; i++) {
    const v = new Float64Array(a.length);
    for (let j = 0; j < v.length; j++) {
      v[j] = 0.5;
      const t = 2 + Math.cos(v[j]);
    }
    if (-y > 0.5) y -= 1 + (y / (2 + Math.cos(0.5))) * (y / (2 + Math.cos(0.5)));
  }
  return y;
}`,
    args: [1.8510115789249539, Float64Array.from([1.3598413153085858, -0.091137990821152925])],
  },
  {
    name: "nested do…while loops around an array allocated in the loop",
    found: "fuzz 2/260: 7 values and 4 arrays left on the stacks; grad(f) 20.509, jvp/tape/finite differences 34.182",
    source: `function f(x: number): number {
  let t = 0.5;
  let k = 0;
  do {
    k++;
    let m = 0;
    do {
      ++m;
      const v = new Float64Array(5);
      for (let i = 0; i < v.length; i++) {
        v[i] = x * t;
      }
      t = v[0];
    } while (m < 1);
  } while (k < 5);
  return t;
}`,
    args: [-1.9229283630847931],
  },
  {
    name: "helper allocating an array, called in nested loops",
    found: "fuzz 2/266, 3/123, 3/165: values and arrays left on the generated code's stacks",
    source: `function h(q: Float64Array): number {
  const v = new Float64Array(q.length);
  for (let i = 0; i < v.length; i++) {
    v[i] = q[i];
  }
  return v[1];
}

function f(x: number): number {
  let s = 0;
  for (let i = 0; i < 2; i++) {
    const v = new Float64Array(4);
    v[1] = x;
    for (let j = 0; j < 3; j++) {
      s += h(v);
    }
  }
  return s;
}`,
    args: [1.5370659306645393],
  },
  {
    name: "helper with nested allocations, called in a while loop",
    found: "fuzz 3/164: grad(f) throws TypeError: Cannot set properties of undefined (setting '1') in the generated reverse sweep",
    source: `function h(p: number, q: Float64Array): number {
  const u = new Float64Array(2);
  for (let i = 0; i < u.length; i++) {
    u[i] = 0.5;
    const v = new Float64Array(q.length);
    for (let j = 0; j < v.length; j++) {
      v[j] = 1.5 + u[j] * u[j];
    }
  }
  return 0.5;
}

function f(a: Float64Array, flag: boolean, w: Float64Array, x: number): number {
  a[0] = 0.5;
  let k = 0;
  while (k < 5) {
    ++k;
    x = 1.5 + h(0.5, w) * h(0.5, w);
    if (0.5 >= 1) {
      for (let i = 0; i <= 4; i++) {
        w[1] *= 0.5;
        x /= 1.5 + h(0.5, a) * h(0.5, a);
      }
    }
  }
  return x;
}`,
    args: [Float64Array.from([-1.180583457229659, -0.80548753752373159]), false, Float64Array.from([-0.46916667278856039, -1.1499166544526815]), 1.393455216661095],
  },

  {
    name: "array allocated in a branch inside a loop",
    found: "fuzz 1/387: grad(f) throws TypeError: Cannot read properties of undefined (reading '0') in the generated reverse sweep",
    source: `function f(a: Float64Array): number {
  let t = 0.5;
  for (let i = 0; i < a.length; i++) {
    if (i % 2 === 0) {
      const v = new Float64Array(4);
      for (let j = 0; j < v.length; j++) {
        v[j] = a[0];
        t = t * v[0];
      }
    }
  }
  return t;
}`,
    args: [Float64Array.from([-0.71964523592032492, -1.0420881591271609, -0.38204599055461586, 0.87895090389065444])],
  },

  // ── Derivatives at points where a primitive is singular but f is smooth ─────────────────────
  {
    name: "Math.hypot with three arguments where the first two are 0",
    found: "fuzz 2/82, 3/106: grad and jvp NaN, tape and finite differences 0 — hypot(a, b, c) is lowered to hypot(hypot(a, b), c), whose inner derivative is 0/0 at a = b = 0 although hypot(a, b, c) is smooth there (c ≠ 0)",
    source: `function f(x: number, y: number): number {
  return Math.hypot(x, y, 1);
}`,
    args: [0, 0],
  },
  {
    name: "cbrt of an expression that is identically 0",
    found: "fuzz 3/391: jvp(f) NaN where grad, tape and finite differences agree; reduced, grad(f) and jvp(f) are NaN (0·∞ from cbrt′(0) times a zero derivative), tape and finite differences 2/3",
    source: `function f(x: number): number {
  const z = x - x;
  return x / (1.5 + Math.cbrt(z) * Math.cbrt(z));
}`,
    args: [0.8],
  },
  {
    name: "forward mode through cbrt of a variable overwritten with the constant 0",
    found: "fuzz 1/442, 1/132, 1/204, 1/2163 (hypot(t, t) of a zero element): jvp(f) NaN for every coordinate (0·∞), grad, tape and finite differences (1, 0, 0)",
    source: `function f(a: Float64Array, x: number): number {
  for (let i = 0; i < 1; i++) {
    x = 0.5 - 0.5;
  }
  a[0] = a[0] * Math.cbrt(x + 1) + Math.cbrt(x);
  return a[0];
}`,
    args: [Float64Array.from([0.5, 1.5]), 0.7],
  },
  {
    name: "reverse mode through atan2(0, 0) stored where nothing reads it",
    found: "fuzz 1/598, 1/2303, 1/189, 1/2804, 1/2433 (atan2 or hypot at the origin): grad(f) ∂f/∂x NaN (a zero adjoint times a 0/0 partial), jvp, tape and finite differences 0.5",
    source: `function f(a: Float64Array, x: number): number {
  const t = x - x;
  a[1] = Math.atan2(t, t);
  return x * a[0];
}`,
    args: [Float64Array.from([0.5, 1.5]), 0.7],
  },

  // ── A backward loop skipped for zero adjoints that also resets an overwritten variable's ────
  // adjoint. Reversing `v = e` in a loop sets v̄ = 0; when e carries no derivative (a constant,
  // an inactive value) that reset reads no adjoint, so the zero-adjoint test
  // (optimize/zero-adjoint-loops.ts) did not cover v̄ and skipped the loop while v̄ ≠ 0.
  {
    name: "outer variable overwritten with a constant in an inner loop skipped for zero adjoints",
    found: "fuzz 777/1008: grad(f) and vjp(f) ∂f/∂x = 1, jvp, tape and finite differences 0 — the inner backward loop (`x_bar = 0` for `x = 0.5`, `a_bar[0] += …` for `s2 -= a[0]`) runs only if s2's adjoints are non-zero, and they are 0, so x̄ was never reset",
    source: `function f(a: Float64Array, x: number): number {
  for (let i = 1; i < a.length; i++) {
    const n0 = Math.round(2 + Math.tanh(0.5));
    let s2 = 0;
    for (let j = 0; j < n0; j++) {
      s2 -= a[0];
      x = 0.5;
    }
    if (false) x = s2;
  }
  return x;
}`,
    args: [Float64Array.from([1.4055409852880985, 0.85570583632215858, -1.2768103193957359, 0.82522186310961843]), 1.668244544416666],
  },
  {
    name: "parameter overwritten with an element of an inactive array in a while loop skipped for zero adjoints",
    found: "the class of fuzz 777/1008, written directly: a while loop (trip count saved), the zero adjoint from a branch after the loop that is not taken; grad(f) ∂f/∂x = 1 where it is 0",
    source: `function f(a: Float64Array, x: number): number {
  const v = new Float64Array(3);
  for (let i = 0; i < v.length; i++) {
    v[i] = 0.5 * i;
  }
  let s = 0;
  let k = 0;
  while (k < 2) {
    k++;
    s += a[1];
    x = v[2];
  }
  if (a[0] > 100) x = x * s;
  return x;
}`,
    args: [Float64Array.from([0.5, 1.5]), 0.7],
  },
  {
    name: "local conditionally overwritten with Math.round in a counted loop skipped behind a ReLU",
    found: "the class of fuzz 777/1008: a loop over a.length, the overwrite in an if, its value without a derivative (round), the zero adjoint from Math.max(0, s) with s < 0; grad(f) ∂f/∂x = 2x where it is 0",
    source: `function f(a: Float64Array, x: number): number {
  let y = x * x;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    s -= a[i];
    if (i > 0) y = Math.round(a[i]);
  }
  return y + Math.max(0, s);
}`,
    args: [Float64Array.from([0.5, 1.4]), 0.7],
  },
  {
    name: "parameter overwritten from the loop counter in a do…while skipped for a zero element",
    found: "the class of fuzz 777/1008: a do…while, the new value from the counter (inactive), the zero adjoint from a product with a zero element (as in zero-filled arrays); grad(f) ∂f/∂x = 1 where it is 0",
    source: `function f(a: Float64Array, x: number): number {
  let s = 0;
  let k = 0;
  do {
    k++;
    s += a[1];
    x = 0.5 * k;
  } while (k < 3);
  return x + s * a[0];
}`,
    args: [Float64Array.from([0, 1.4]), 0.7],
  },
];

function copy(args: Arg[]): Arg[] {
  return args.map((a) => (a instanceof Float64Array ? Float64Array.from(a) : a));
}

function check(c: Case): void {
  const module = `import { grad, jvp, vjp } from "gradc";\n\n${c.source}\n\nexport const E = { f, rev: grad(f), fwd: jvp(f), tape: grad(f, { engine: "tape" }), vjp: vjp(f) };\n`;
  const compiled = compileModule(module, `/regressions/${c.name.replace(/\W+/g, "-")}.ts`);
  if (!compiled.ok) expect.fail(`${compiled.failure.kind}: ${compiled.failure.message}`);
  const E = compiled.exports.E;
  const support = compiled.exports.__gradcSupport as SupportStacks | undefined;
  const f = (...a: Arg[]) => E.f(...a);
  const problems: string[] = [];
  const expectBalanced = (what: string) => {
    const leftovers = support ? takeStackLeftovers(support) : "";
    if (leftovers) problems.push(`${what} left ${leftovers} on the generated code's stacks`);
  };
  const value = E.f(...copy(c.args));
  for (const round of [1, 2]) {
    const [jvpValue] = E.fwd(copy(c.args), c.args.map((a) => (typeof a === "number" ? 0 : typeof a === "boolean" ? false : new Float64Array(a.length))));
    if (!Object.is(jvpValue, value)) problems.push(`call ${round}: jvp(f) reports the value ${jvpValue}, f gives ${value}`);
    const rev = E.rev(...copy(c.args));
    expectBalanced(`grad(f) (call ${round})`);
    const tape = E.tape(...copy(c.args));
    const [vjpValue, pullback] = E.vjp(...copy(c.args));
    if (!Object.is(vjpValue, value)) problems.push(`call ${round}: vjp(f) reports the value ${vjpValue}, f gives ${value}`);
    const vj = pullback(1);
    expectBalanced(`vjp(f) (call ${round})`);
    c.args.forEach((arg, i) => {
      if (typeof arg === "boolean") return;
      const fd = numericPartial(f, c.args, i);
      const n = typeof arg === "number" ? 1 : arg.length;
      for (let j = 0; j < n; j++) {
        const pick = (g: number | Float64Array) => (typeof g === "number" ? g : g[j]);
        const tangents = c.args.map((a, k): Arg => {
          if (typeof a === "boolean") return false;
          if (typeof a === "number") return k === i ? 1 : 0;
          const t = new Float64Array(a.length);
          if (k === i) t[j] = 1;
          return t;
        });
        const fw = E.fwd(copy(c.args), tangents)[1];
        const expected = pick(fd);
        const label = typeof arg === "number" ? `∂f/∂arg${i}` : `∂f/∂arg${i}[${j}]`;
        const got: [string, number][] = [["grad", pick(rev[i])], ["jvp", fw], ["tape", pick(tape[i])], ["vjp", pick(vj[i])]];
        for (const [engine, value] of got) {
          if (!(Math.abs(value - expected) <= 1e-6 * Math.max(1, Math.abs(expected)))) {
            problems.push(`call ${round}: ${engine} ${label} = ${value}, finite differences ${expected}`);
          }
        }
      }
    });
  }
  // The whole list, untruncated, in the test's output.
  if (problems.length > 0) console.log(`${c.name}:\n  ${problems.join("\n  ")}`);
  expect(problems.join("\n"), `${c.name} — found by the fuzzer as: ${c.found}`).toBe("");
}

describe("fuzzer regressions", () => {
  for (const c of CASES) it(c.name, () => check(c));
});

/** Constructs outside the subset that gradc accepted without a diagnostic. */
const OUTSIDE_SUBSET: { name: string; found: string; source: string }[] = [
  {
    name: "optional property access a?.length",
    found: "fuzz bad input 3/1000000014, 3/1000000026: accepted without a diagnostic",
    source: `function f(x: number, a: Float64Array): number {
  const n = a?.length;
  return x * n;
}`,
  },
  {
    name: "optional element access a?.[0]",
    found: "fuzz bad-input mutation 'optional element access': accepted without a diagnostic",
    source: `function f(x: number, a: Float64Array): number {
  const q = a?.[0];
  return x * q;
}`,
  },
];

describe("fuzzer regressions: outside the subset", () => {
  for (const c of OUTSIDE_SUBSET) {
    it(`${c.name} gets a diagnostic`, () => {
      const module = `import { grad } from "gradc";\n\n${c.source}\n\nexport const g = grad(f);\n`;
      const result = transformModule(module, "/regressions/outside.ts");
      expect(result.diagnostics.length, `${c.name} — ${c.found}`).toBeGreaterThan(0);
      const d = result.diagnostics[0];
      expect(d.line).toBe(4);
    });
  }
});
