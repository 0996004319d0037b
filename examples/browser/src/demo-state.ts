/** What the page exposes as `window.gradcDemo`: the demo fills it in, tests and the console read it. */
export interface DemoState {
  lectureGradient: number[];
  /** Episodes finished, and their returns in order. */
  episodes: number;
  returns: number[];
  /** Environment steps taken so far. */
  steps: number;
  /** The trained network and its gradient engine, as the trainer describes them. */
  network: string;
  done: boolean;
  error: string | null;
}
