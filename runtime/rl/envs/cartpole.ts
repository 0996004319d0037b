/**
 * CartPole-v1, step for step as Gymnasium 1.x's classic_control/cartpole.py: Euler kinematics,
 * the same constants and the same order of floating-point operations, so a state stepped here
 * matches Gymnasium's float64 state (up to an occasional ulp of Math.sin/cos against libm).
 *
 * State [x, ẋ, θ, θ̇] in float64; the observation is the state rounded to float32, as Gymnasium's
 * `np.array(self.state, dtype=np.float32)`. Reward 1 every step, the terminating one included.
 * Terminated when |x| > 2.4 or |θ| > 12°; truncated on step 500.
 *
 * Choices where Gymnasium has no counterpart:
 * - `setState` keeps the episode's step counter (so the time limit still counts from reset())
 *   but forgets that the episode had terminated. Gymnasium, stepped on after termination, pays
 *   reward 0 for every further terminal state until the next reset; here a state set by hand
 *   starts afresh, so a terminal state reached from it pays 1 once, then 0 again.
 */
import { EpisodicEnvironment, type Outcome } from "./episodic.js";

const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_POLE + MASS_CART;
/** Half the pole's length, as Gymnasium's `length`. */
const LENGTH = 0.5;
const POLE_MASS_LENGTH = MASS_POLE * LENGTH;
const FORCE_MAG = 10.0;
/** Seconds between state updates. */
const TAU = 0.02;
// Written as Gymnasium writes it so that the threshold is the same double.
const THETA_THRESHOLD_RADIANS = (12 * 2 * Math.PI) / 360;
const X_THRESHOLD = 2.4;

export class CartPole extends EpisodicEnvironment {
  /** Gymnasium's `steps_beyond_terminated is not None`: the episode already ended. */
  private alreadyTerminated = false;

  constructor() {
    super({ name: "CartPole-v1", stateSize: 4, observationSize: 4, actionCount: 2, maxEpisodeSteps: 500 });
  }

  protected startEpisode(): void {
    for (let i = 0; i < 4; i++) this.state[i] = this.random.uniform(-0.05, 0.05);
    this.alreadyTerminated = false;
  }

  protected advance(action: number, outcome: Outcome): void {
    let x = this.state[0];
    let xDot = this.state[1];
    let theta = this.state[2];
    let thetaDot = this.state[3];
    const force = action === 1 ? FORCE_MAG : -FORCE_MAG;
    const cosTheta = Math.cos(theta);
    const sinTheta = Math.sin(theta);
    // The pole-on-cart equations of Florian (2005), grouped exactly as Gymnasium groups them.
    const temp = (force + POLE_MASS_LENGTH * (thetaDot * thetaDot) * sinTheta) / TOTAL_MASS;
    const thetaAcc =
      (GRAVITY * sinTheta - cosTheta * temp) / (LENGTH * (4.0 / 3.0 - (MASS_POLE * (cosTheta * cosTheta)) / TOTAL_MASS));
    const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cosTheta) / TOTAL_MASS;
    // Euler: positions advance with the old velocities.
    x = x + TAU * xDot;
    xDot = xDot + TAU * xAcc;
    theta = theta + TAU * thetaDot;
    thetaDot = thetaDot + TAU * thetaAcc;
    this.state[0] = x;
    this.state[1] = xDot;
    this.state[2] = theta;
    this.state[3] = thetaDot;

    const terminated = x < -X_THRESHOLD || x > X_THRESHOLD || theta < -THETA_THRESHOLD_RADIANS || theta > THETA_THRESHOLD_RADIANS;
    // Gymnasium pays 1 unless the pole is down on a step after the episode already ended.
    outcome.reward = terminated && this.alreadyTerminated ? 0.0 : 1.0;
    outcome.terminated = terminated;
    if (terminated) this.alreadyTerminated = true;
  }

  override setState(state: ArrayLike<number>): void {
    super.setState(state);
    // A state set by hand starts afresh (see the header).
    this.alreadyTerminated = false;
  }

  protected override episodeFlags(): number[] {
    return [this.alreadyTerminated ? 1 : 0];
  }

  protected override restoreEpisodeFlags(flags: number[]): void {
    this.alreadyTerminated = flags[0] === 1;
  }

  protected observeInto(obs: Float64Array): void {
    for (let i = 0; i < 4; i++) obs[i] = Math.fround(this.state[i]);
  }
}
