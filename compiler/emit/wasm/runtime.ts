/**
 * The wasm engine's runtime, written into every module beside the generated functions: a bump
 * allocator for arrays (reset at the start of each call from JavaScript, so a call allocates
 * nothing the next one keeps), and the three save stacks of reverse mode (values of active and of
 * inactive variables, array handles). binaryen inlines the small ones into their callers.
 */
import type { Binaryen } from "./binaryen.js";
import { HEADER_BYTES, heapBase } from "./layout.js";

export const MEMORY = "memory";

/** The runtime's functions, by what generated code calls. */
export const RUNTIME = {
  alloc: "$alloc",
  reset: "$reset",
  pushActive: "$push_active",
  popActive: "$pop_active",
  pushInactive: "$push_inactive",
  popInactive: "$pop_inactive",
  pushArray: "$push_array",
  popArray: "$pop_array",
} as const;

export const GLOBALS = { tangent: "$tangent", tangents: "$tangents", heap: "$heap" } as const;

interface StackSpec {
  name: string;
  /** The element type: f64 for values, i32 for array handles. */
  type: "f64" | "i32";
  push: string;
  pop: string;
}

const STACKS: StackSpec[] = [
  { name: "active", type: "f64", push: RUNTIME.pushActive, pop: RUNTIME.popActive },
  { name: "inactive", type: "f64", push: RUNTIME.pushInactive, pop: RUNTIME.popInactive },
  { name: "arrays", type: "i32", push: RUNTIME.pushArray, pop: RUNTIME.popArray },
];

export function addRuntime(b: Binaryen, m: InstanceType<Binaryen["Module"]>, adjointSlots: number): void {
  const { i32, f64, none } = b;
  const base = heapBase(adjointSlots);
  m.addGlobal(GLOBALS.heap, i32, true, m.i32.const(base));
  m.addGlobal(GLOBALS.tangent, f64, true, m.f64.const(0));
  m.addGlobal(GLOBALS.tangents, i32, true, m.i32.const(0));

  // $alloc(n, shift) → handle: a zeroed array of n elements of 2^shift bytes; memory grows on demand.
  {
    const [n, shift, handle, end, bytes] = [0, 1, 2, 3, 4];
    const get = (i: number) => m.local.get(i, i32);
    m.addFunction(
      RUNTIME.alloc,
      b.createType([i32, i32]),
      i32,
      [i32, i32, i32],
      m.block(null, [
        m.local.set(bytes, m.i32.shl(get(n), get(shift))),
        m.local.set(handle, m.global.get(GLOBALS.heap, i32)),
        // header + elements, rounded up to 16 bytes
        m.local.set(end, m.i32.add(get(handle), m.i32.and(m.i32.add(get(bytes), m.i32.const(HEADER_BYTES + 15)), m.i32.const(~15)))),
        m.if(
          m.i32.gt_u(get(end), m.i32.shl(m.memory.size(MEMORY), m.i32.const(16))),
          m.if(
            m.i32.eq(m.memory.grow(m.i32.shr_u(m.i32.add(m.i32.sub(get(end), m.i32.shl(m.memory.size(MEMORY), m.i32.const(16))), m.i32.const(65535)), m.i32.const(16)), MEMORY), m.i32.const(-1)),
            m.unreachable(),
          ),
        ),
        m.i32.store(0, 4, get(handle), get(n), MEMORY),
        m.i32.store(4, 4, get(handle), get(shift), MEMORY),
        m.memory.fill(m.i32.add(get(handle), m.i32.const(HEADER_BYTES)), m.i32.const(0), get(bytes), MEMORY),
        m.global.set(GLOBALS.heap, get(end)),
        get(handle),
      ], i32),
    );
  }

  const resets: number[] = [m.global.set(GLOBALS.heap, m.i32.const(base))];
  for (const s of STACKS) {
    const type = s.type === "f64" ? f64 : i32;
    const size = s.type === "f64" ? 8 : 4;
    const [bottom, top, end] = ["bottom", "top", "end"].map((p) => `$${s.name}_${p}`);
    for (const g of [bottom, top, end]) {
      m.addGlobal(g, i32, true, m.i32.const(0));
      resets.push(m.global.set(g, m.i32.const(0)));
    }
    // Exported so that tests can check a call leaves every stack empty (top = bottom).
    m.addGlobalExport(bottom, `${s.name}_bottom`);
    m.addGlobalExport(top, `${s.name}_top`);
    const grow = `$${s.name}_grow`;
    // A full stack moves to a new region twice its size, allocated like an array (the old one is
    // abandoned until the next call resets the heap).
    {
      const [capacity, region] = [0, 1];
      const used = m.i32.sub(m.global.get(top, i32), m.global.get(bottom, i32));
      m.addFunction(
        grow,
        none,
        none,
        [i32, i32],
        m.block(null, [
          m.local.set(capacity, m.i32.shl(m.i32.sub(m.global.get(end, i32), m.global.get(bottom, i32)), m.i32.const(1))),
          m.if(m.i32.lt_u(m.local.get(capacity, i32), m.i32.const(8192)), m.local.set(capacity, m.i32.const(8192))),
          m.local.set(region, m.i32.add(m.call(RUNTIME.alloc, [m.i32.shr_u(m.local.get(capacity, i32), m.i32.const(3)), m.i32.const(3)], i32), m.i32.const(HEADER_BYTES))),
          m.memory.copy(m.local.get(region, i32), m.global.get(bottom, i32), used, MEMORY, MEMORY),
          m.global.set(top, m.i32.add(m.local.get(region, i32), m.i32.sub(m.global.get(top, i32), m.global.get(bottom, i32)))),
          m.global.set(bottom, m.local.get(region, i32)),
          m.global.set(end, m.i32.add(m.local.get(region, i32), m.local.get(capacity, i32))),
        ]),
      );
    }
    const store = s.type === "f64" ? m.f64.store(0, 8, m.global.get(top, i32), m.local.get(0, f64), MEMORY) : m.i32.store(0, 4, m.global.get(top, i32), m.local.get(0, i32), MEMORY);
    m.addFunction(
      s.push,
      type,
      none,
      [],
      m.block(null, [
        m.if(m.i32.eq(m.global.get(top, i32), m.global.get(end, i32)), m.call(grow, [], none)),
        store,
        m.global.set(top, m.i32.add(m.global.get(top, i32), m.i32.const(size))),
      ]),
    );
    m.addFunction(
      s.pop,
      none,
      type,
      [],
      m.block(null, [
        m.global.set(top, m.i32.sub(m.global.get(top, i32), m.i32.const(size))),
        s.type === "f64" ? m.f64.load(0, 8, m.global.get(top, i32), MEMORY) : m.i32.load(0, 4, m.global.get(top, i32), MEMORY),
      ], type),
    );
  }
  m.addFunction(RUNTIME.reset, none, none, [], m.block(null, resets));
  m.addFunctionExport(RUNTIME.alloc, "alloc");
  m.addFunctionExport(RUNTIME.reset, "reset");
  m.addGlobalExport(GLOBALS.tangent, "tangent");
  m.addGlobalExport(GLOBALS.tangents, "tangents");
}
