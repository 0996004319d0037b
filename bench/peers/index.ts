/**
 * The peer engines of the benchmark: TensorFlow.js (cpu and wasm backends, float32) and jax-js
 * (wasm backend, jit, float32 and float64). Importing this module loads neither library; they
 * load and start their backends when `peerEngines()` is called.
 *
 * They compute the lecture example, Rosenbrock and the DQN batch loss; `supports()` is false for
 * GMM, LSTM and the scalar loop. Precision caveats are in tfjs.ts and jax.ts (jax-js evaluates
 * float64 sin/cos/exp/log through float32 approximations).
 */
import type { Engine } from "../engines/types.js";

/** "tfjs-cpu (f32)", "tfjs-wasm (f32)", "jax-js jit (f32)", "jax-js jit (f64)". */
export async function peerEngines(): Promise<Engine[]> {
  const [{ tfjsEngines }, { jaxEngines }] = await Promise.all([import("./tfjs.js"), import("./jax.js")]);
  return [...(await tfjsEngines()), ...(await jaxEngines())];
}
