/**
 * The peer engines of the benchmark: TensorFlow.js (cpu and wasm backends, float32) and jax-js
 * (wasm backend, jit, float32 and float64). Importing this module loads neither library; they
 * load and start their backends when `peerEngines()` is called.
 *
 * They compute the lecture example, Rosenbrock, the DQN batch loss, ADBench's GMM and the LSTM;
 * `supports()` is false for the scalar loop, whose 10⁵ dependent scalar iterations leave nothing
 * to batch: ~4·10⁵ kernel dispatches per pass in TensorFlow.js, and a ~4·10⁵-operation trace for
 * jax-js's `jit` (0.1.25 has no fori_loop or scan) — see common.ts. Precision caveats are in
 * tfjs.ts and jax.ts (jax-js evaluates float64 sin/cos/exp/log through float32 approximations, so
 * its float64 lecture, GMM and LSTM are reported as mismatches).
 */
import type { Engine } from "../engines/types.js";

/** "tfjs-cpu (f32)", "tfjs-wasm (f32)", "jax-js jit (f32)", "jax-js jit (f64)". */
export async function peerEngines(): Promise<Engine[]> {
  const [{ tfjsEngines }, { jaxEngines }] = await Promise.all([import("./tfjs.js"), import("./jax.js")]);
  return [...(await tfjsEngines()), ...(await jaxEngines())];
}
