/**
 * One workload through every engine: prepare, check against gradc reverse, time the engines that
 * agree (interleaved), measure memory. A failure of one engine — in supports, prepare, the check or
 * while timing — becomes that engine's row with its error; it never stops the run.
 */
import { sharedTape } from "gradc";
import { GRADC_REVERSE } from "./engines/gradc.js";
import type { Engine, Prepared, Workload } from "./engines/types.js";
import { type Candidate, type TimingOptions, check, defaultTolerance, errorMessage, measure } from "./harness.js";
import { type StackPeak, TAPE_BYTES_PER_NODE, heapDelta } from "./memory.js";
import type { EngineRow, WorkloadResult } from "./report.js";

export async function benchWorkload(w: Workload, engines: Engine[], timing: TimingOptions, probe: ((w: Workload) => StackPeak) | undefined): Promise<WorkloadResult> {
  const result: WorkloadResult = { name: w.name, family: w.family, size: w.size, rows: [], memory: {} };
  const live: { engine: Engine; p: Prepared; row: EngineRow }[] = [];
  for (const engine of engines) {
    const row: EngineRow = { engine: engine.name, precision: engine.precision, status: "ok" };
    result.rows.push(row);
    try {
      if (!engine.supports(w)) {
        row.status = "unsupported";
        continue;
      }
    } catch (e) {
      row.status = "error";
      row.error = `supports: ${errorMessage(e)}`;
      continue;
    }
    try {
      live.push({ engine, p: await engine.prepare(w), row });
    } catch (e) {
      row.status = "error";
      row.error = `prepare: ${errorMessage(e)}`;
    }
  }

  // The reference: gradc reverse's value and gradient (copied: engines reuse their buffers).
  const ref = live.find((l) => l.engine.name === GRADC_REVERSE);
  let reference: { value: number; gradient: Float64Array } | undefined;
  if (ref) {
    try {
      const r = ref.p.gradient();
      reference = { value: r.value, gradient: Float64Array.from(r.gradient) };
    } catch (e) {
      ref.row.status = "error";
      ref.row.error = errorMessage(e);
    }
  }
  for (const l of live) {
    if (l.row.status !== "ok") continue;
    if (!reference) {
      l.row.status = "error";
      l.row.error = "no reference (gradc reverse failed)";
      continue;
    }
    try {
      const r = l.p.gradient();
      if (l.engine.name === "tape") {
        result.memory.tapeNodes = sharedTape.size;
        result.memory.tapeBytes = sharedTape.size * TAPE_BYTES_PER_NODE;
      }
      l.row.value = r.value;
      l.row.check = check(reference, r, l.engine.tolerance ?? defaultTolerance(l.engine.precision));
      if (!l.row.check.ok) l.row.status = "mismatch";
    } catch (e) {
      l.row.status = "error";
      l.row.error = errorMessage(e);
    }
  }

  // Interleaved timing of every checked engine's gradient and forward (engines sharing one forward function share its timing).
  const timed = live.filter((l) => l.row.status === "ok");
  const candidates: Candidate[] = [];
  const forwardKey = new Map<() => number, string>();
  const forwardOf = new Map<EngineRow, string>();
  for (const l of timed) {
    const p = l.p;
    candidates.push({ key: `g:${l.engine.name}`, run: () => p.gradient() });
    let key = forwardKey.get(l.p.forward);
    if (!key) {
      key = `f:${l.engine.name}`;
      forwardKey.set(l.p.forward, key);
      candidates.push({ key, run: () => p.forward() });
    }
    forwardOf.set(l.row, key);
  }
  const measured = measure(candidates, timing);
  for (const l of timed) {
    const g = measured.get(`g:${l.engine.name}`);
    const f = measured.get(forwardOf.get(l.row)!);
    if (!g?.ok) {
      l.row.status = "error";
      l.row.error = `while timing: ${g && !g.ok ? g.error : "not measured"}`;
      continue;
    }
    l.row.gradient = g.timing;
    if (f?.ok) {
      l.row.forward = f.timing;
      l.row.gradientPerForward = g.timing.median / f.timing.median;
    }
  }
  const base = result.rows.find((r) => r.engine === GRADC_REVERSE)?.gradient?.median;
  for (const row of result.rows) if (row.gradient && base) row.relativeToReverse = row.gradient.median / base;

  // Memory.
  if (w.family === "dqn" || w.family === "scalar-loop") {
    for (const l of timed) {
      if (l.row.status !== "ok") continue;
      try {
        const p = l.p;
        l.row.heapDeltaBytes = heapDelta(() => p.gradient(), timing.heapRepeats);
      } catch (e) {
        l.row.error = `heap measurement: ${errorMessage(e)}`;
      }
    }
  }
  if (probe) {
    try {
      result.memory.gradc = probe(w);
    } catch (e) {
      process.stderr.write(`  gradc stack probe failed: ${errorMessage(e)}\n`);
    }
  }

  for (const l of live) {
    try {
      l.p.dispose?.();
    } catch (e) {
      process.stderr.write(`  ${l.engine.name}: dispose threw ${errorMessage(e)}\n`);
    }
  }
  return result;
}
