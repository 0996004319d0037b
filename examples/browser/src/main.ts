/**
 * The demo: the lecture example's gradient, then a DQN trained on CartPole-v1 in the page, with
 * only gradc and gradc/rl (the trainer's browser-safe core). `window.gradcDemo` holds the results
 * for anyone who wants to read them (a test, the console); #status says when it is done.
 */
import { CartPole, DQN, defaultConfig, mergeConfig } from "gradc/rl";
import type { DemoState } from "./demo-state";
import { drawCartPole, drawReturns } from "./draw";
import { lectureGradient } from "./lecture";

declare global {
  interface Window {
    gradcDemo: DemoState;
  }
}

const DEFAULT_STEPS = 4000;

const state: DemoState = { lectureGradient: [], episodes: 0, returns: [], steps: 0, network: "", done: false, error: null };
window.gradcDemo = state;

const status = document.querySelector<HTMLElement>("#status")!;
const cartPoleCanvas = document.querySelector<HTMLCanvasElement>("#cartpole")!;
const returnsCanvas = document.querySelector<HTMLCanvasElement>("#returns")!;

function setStatus(kind: "running" | "done" | "error", text: string): void {
  status.dataset.status = kind;
  status.textContent = text;
}

function requestedSteps(): number {
  const raw = new URLSearchParams(location.search).get("steps");
  if (raw === null) return DEFAULT_STEPS;
  const steps = Number(raw);
  if (!Number.isInteger(steps) || steps <= 0) throw new Error(`?steps= must be a positive integer, got "${raw}"`);
  return steps;
}

/** `?engine=wasm&dtype=float32`: the loss gradient's engine and precision (the config's `engine` and `dtype`). */
function requestedEngine(): Record<string, string> {
  const query = new URLSearchParams(location.search);
  const chosen: Record<string, string> = {};
  for (const key of ["engine", "dtype"]) {
    const value = query.get(key);
    if (value !== null) chosen[key] = value;
  }
  return chosen;
}

async function run(): Promise<void> {
  state.lectureGradient = lectureGradient();
  document.querySelector("#gradient")!.textContent = `[${state.lectureGradient.join(", ")}]`;

  const steps = requestedSteps();
  // CartPole's tuned config (configs/CartPole-v1.json) is made for 100k steps. A run of a few
  // thousand starts learning sooner and explores over a quarter of it; the final greedy
  // evaluation is shortened, and no periodic evaluation interrupts the picture.
  const config = mergeConfig(
    defaultConfig("CartPole-v1"),
    { total_timesteps: steps, learning_starts: Math.min(500, steps), exploration_fraction: 0.25, eval_freq: 0, n_final_eval_episodes: 5, stop_on_solve: false, ...requestedEngine() },
    "the page's address",
  );
  const dqn = new DQN({
    config,
    makeEnv: () => new CartPole(),
    output: {
      episode: (row) => {
        state.returns.push(row.return);
        state.episodes = row.episode;
      },
    },
    onProgress: (progress) => {
      state.steps = progress.step;
    },
    // Hand the page a frame now and then, so it repaints and stays responsive while training.
    yieldEveryMs: 30,
  });

  let frame = 0;
  const draw = () => {
    drawCartPole(cartPoleCanvas, dqn.observation);
    drawReturns(returnsCanvas, state.returns);
    if (!state.done) setStatus("running", `Training: step ${state.steps} of ${steps}, ${state.episodes} episodes`);
    frame = requestAnimationFrame(draw);
  };
  frame = requestAnimationFrame(draw);
  state.network = dqn.network.description;
  const summary = await dqn.train();
  cancelAnimationFrame(frame);
  state.done = true;
  drawReturns(returnsCanvas, state.returns);
  setStatus(
    "done",
    `Done: ${summary.totalSteps} steps, ${summary.episodes} episodes in ${summary.wallSeconds.toFixed(1)} s (${summary.stepsPerSecond} steps/s); ` +
      `greedy evaluation ${summary.finalEval.mean.toFixed(1)} ± ${summary.finalEval.std.toFixed(1)} over ${summary.finalEval.episodes} episodes.`,
  );
}

run().catch((e: unknown) => {
  state.error = e instanceof Error ? e.message : String(e);
  setStatus("error", `Error: ${state.error}`);
});
