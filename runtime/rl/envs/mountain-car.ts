/**
 * MountainCar-v0, step for step as Gymnasium 1.x's classic_control/mountain_car.py: the same
 * constants, the same order of operations, velocity clipped to ±0.07, position clipped to
 * [−1.2, 0.6], and the inelastic left wall (a car clipped to −1.2 while moving left stops).
 *
 * State [position, velocity] in float64; the observation is the state rounded to float32.
 * Actions: 0 push left, 1 no push, 2 push right. Reward −1 every step. Terminated when
 * position ≥ 0.5 and velocity ≥ 0 (goal_velocity 0); truncated on step 200.
 * reset(): position uniform in [−0.6, −0.4), velocity 0.
 * setState keeps the episode's step counter: the time limit counts from reset().
 */
import { EpisodicEnvironment, type Outcome } from "./episodic.js";

const MIN_POSITION = -1.2;
const MAX_POSITION = 0.6;
const MAX_SPEED = 0.07;
const GOAL_POSITION = 0.5;
const GOAL_VELOCITY = 0;
const FORCE = 0.001;
const GRAVITY = 0.0025;

export class MountainCar extends EpisodicEnvironment {
  constructor() {
    super({ name: "MountainCar-v0", stateSize: 2, observationSize: 2, actionCount: 3, maxEpisodeSteps: 200 });
  }

  protected startEpisode(): void {
    this.state[0] = this.random.uniform(-0.6, -0.4);
    this.state[1] = 0;
  }

  protected advance(action: number, outcome: Outcome): void {
    let position = this.state[0];
    let velocity = this.state[1];
    // Gymnasium's `velocity += …` adds the whole right-hand side at once.
    velocity += (action - 1) * FORCE + Math.cos(3 * position) * -GRAVITY;
    velocity = clip(velocity, -MAX_SPEED, MAX_SPEED);
    position += velocity;
    position = clip(position, MIN_POSITION, MAX_POSITION);
    if (position === MIN_POSITION && velocity < 0) velocity = 0;
    this.state[0] = position;
    this.state[1] = velocity;

    outcome.reward = -1.0;
    outcome.terminated = position >= GOAL_POSITION && velocity >= GOAL_VELOCITY;
  }

  protected observeInto(obs: Float64Array): void {
    obs[0] = Math.fround(this.state[0]);
    obs[1] = Math.fround(this.state[1]);
  }
}

/** numpy.clip for a scalar. */
function clip(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}
