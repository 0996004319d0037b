/**
 * Acrobot-v1, step for step as Gymnasium 1.x's classic_control/acrobot.py with its defaults:
 * "book" dynamics (Sutton & Barto's equations, as the Java implementation), torque noise 0,
 * one classic RK4 step over dt = 0.2 by the file's own `rk4`, then `wrap` of both angles into
 * [−π, π] and `bound` of the velocities to ±4π and ±9π. The arithmetic follows Gymnasium's
 * expressions operation by operation so the float64 state matches.
 *
 * State [θ1, θ2, θ̇1, θ̇2] (θ1 from hanging straight down, θ2 relative to link 1). Observation
 * [cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2] rounded to float32. Actions 0, 1, 2 apply torque
 * −1, 0, +1 at the joint between the links. Reward −1 per step and 0 on the terminating step;
 * terminated when the free end rises above the bar (−cos θ1 − cos(θ2 + θ1) > 1); truncated on
 * step 500.
 *
 * reset(): each state component uniform in [−0.1, 0.1), then rounded to float32, because
 * Gymnasium's reset does `.astype(np.float32)` (its state is float64 only after the first step).
 * setState keeps the episode's step counter: the time limit counts from reset().
 */
import { EpisodicEnvironment, type Outcome } from "./episodic.js";

const DT = 0.2;
const LINK_LENGTH_1 = 1.0;
const LINK_MASS_1 = 1.0;
const LINK_MASS_2 = 1.0;
/** Positions of the links' centres of mass. */
const LINK_COM_POS_1 = 0.5;
const LINK_COM_POS_2 = 0.5;
/** Moment of inertia of both links. */
const LINK_MOI = 1.0;
const MAX_VEL_1 = 4 * Math.PI;
const MAX_VEL_2 = 9 * Math.PI;
const AVAILABLE_TORQUE = [-1.0, 0.0, +1.0];
const G = 9.8;

/** The ODE's state: [θ1, θ2, θ̇1, θ̇2, torque]; the torque rides along with derivative 0, as in Gymnasium. */
type Augmented = readonly number[];

export class Acrobot extends EpisodicEnvironment {
  constructor() {
    super({ name: "Acrobot-v1", stateSize: 4, observationSize: 6, actionCount: 3, maxEpisodeSteps: 500 });
  }

  protected startEpisode(): void {
    for (let i = 0; i < 4; i++) this.state[i] = Math.fround(this.random.uniform(-0.1, 0.1));
  }

  protected advance(action: number): Outcome {
    const torque = AVAILABLE_TORQUE[action];
    const next = rk4(dsdt, [...this.state, torque], DT);
    this.state[0] = wrap(next[0], -Math.PI, Math.PI);
    this.state[1] = wrap(next[1], -Math.PI, Math.PI);
    this.state[2] = bound(next[2], -MAX_VEL_1, MAX_VEL_1);
    this.state[3] = bound(next[3], -MAX_VEL_2, MAX_VEL_2);

    const terminated = this.isTerminal();
    const reward = terminated ? 0.0 : -1.0;
    return { reward, terminated };
  }

  private isTerminal(): boolean {
    const [theta1, theta2] = this.state;
    return -Math.cos(theta1) - Math.cos(theta2 + theta1) > 1.0;
  }

  protected observe(): Float64Array {
    const [theta1, theta2, dtheta1, dtheta2] = this.state;
    return Float64Array.from([Math.cos(theta1), Math.sin(theta1), Math.cos(theta2), Math.sin(theta2), dtheta1, dtheta2], Math.fround);
  }
}

/** Gymnasium's `AcrobotEnv._dsdt` ("book" branch), grouped as Python evaluates it left to right. */
function dsdt(s: Augmented): number[] {
  const m1 = LINK_MASS_1;
  const m2 = LINK_MASS_2;
  const l1 = LINK_LENGTH_1;
  const lc1 = LINK_COM_POS_1;
  const lc2 = LINK_COM_POS_2;
  const I1 = LINK_MOI;
  const I2 = LINK_MOI;
  const [theta1, theta2, dtheta1, dtheta2, a] = s;
  const d1 = m1 * lc1 ** 2 + m2 * (l1 ** 2 + lc2 ** 2 + 2 * l1 * lc2 * Math.cos(theta2)) + I1 + I2;
  const d2 = m2 * (lc2 ** 2 + l1 * lc2 * Math.cos(theta2)) + I2;
  const phi2 = m2 * lc2 * G * Math.cos(theta1 + theta2 - Math.PI / 2.0);
  const phi1 =
    -m2 * l1 * lc2 * (dtheta2 * dtheta2) * Math.sin(theta2) -
    2 * m2 * l1 * lc2 * dtheta2 * dtheta1 * Math.sin(theta2) +
    (m1 * lc1 + m2 * l1) * G * Math.cos(theta1 - Math.PI / 2) +
    phi2;
  const ddtheta2 =
    (a + (d2 / d1) * phi1 - m2 * l1 * lc2 * (dtheta1 * dtheta1) * Math.sin(theta2) - phi2) / (m2 * lc2 ** 2 + I2 - (d2 * d2) / d1);
  const ddtheta1 = -(d2 * ddtheta2 + phi1) / d1;
  return [dtheta1, dtheta2, ddtheta1, ddtheta2, 0.0];
}

/**
 * Gymnasium's `rk4` over the time points [0, dt]: one classic Runge–Kutta step, combined as
 * `y0 + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)`. Returns the first four components.
 */
function rk4(derivs: (y: Augmented) => number[], y0: Augmented, dt: number): number[] {
  const dt2 = dt / 2.0;
  const along = (k: number[], h: number) => y0.map((y, i) => y + h * k[i]);
  const k1 = derivs(y0);
  const k2 = derivs(along(k1, dt2));
  const k3 = derivs(along(k2, dt2));
  const k4 = derivs(along(k3, dt));
  const scale = dt / 6.0;
  return y0.slice(0, 4).map((y, i) => y + scale * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]));
}

/** Gymnasium's `wrap`: shift x by whole periods M − m until it lies in [m, M]. */
function wrap(x: number, m: number, M: number): number {
  const diff = M - m;
  while (x > M) x = x - diff;
  while (x < m) x = x + diff;
  return x;
}

/** Gymnasium's `bound`: clamp x to [m, M]. */
function bound(x: number, m: number, M: number): number {
  return Math.min(Math.max(x, m), M);
}
