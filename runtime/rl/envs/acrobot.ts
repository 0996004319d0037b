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

/**
 * The ODE's state: [θ1, θ2, θ̇1, θ̇2, torque]; the torque rides along with derivative 0, as in
 * Gymnasium. The integrator's vectors are allocated once, here, so a step allocates nothing
 * (a step never re-enters itself, so one set serves every Acrobot).
 */
const RK4_START = new Float64Array(5);
const RK4_POINT = new Float64Array(5);
const RK4_SLOPES = [new Float64Array(5), new Float64Array(5), new Float64Array(5), new Float64Array(5)] as const;
const RK4_RESULT = new Float64Array(4);

export class Acrobot extends EpisodicEnvironment {
  constructor() {
    super({ name: "Acrobot-v1", stateSize: 4, observationSize: 6, actionCount: 3, maxEpisodeSteps: 500 });
  }

  protected startEpisode(): void {
    for (let i = 0; i < 4; i++) this.state[i] = Math.fround(this.random.uniform(-0.1, 0.1));
  }

  protected advance(action: number, outcome: Outcome): void {
    const y0 = RK4_START;
    for (let i = 0; i < 4; i++) y0[i] = this.state[i];
    y0[4] = AVAILABLE_TORQUE[action];
    const next = rk4(y0, DT);
    this.state[0] = wrap(next[0], -Math.PI, Math.PI);
    this.state[1] = wrap(next[1], -Math.PI, Math.PI);
    this.state[2] = bound(next[2], -MAX_VEL_1, MAX_VEL_1);
    this.state[3] = bound(next[3], -MAX_VEL_2, MAX_VEL_2);

    const terminated = this.isTerminal();
    outcome.reward = terminated ? 0.0 : -1.0;
    outcome.terminated = terminated;
  }

  private isTerminal(): boolean {
    const theta1 = this.state[0];
    const theta2 = this.state[1];
    return -Math.cos(theta1) - Math.cos(theta2 + theta1) > 1.0;
  }

  protected observeInto(obs: Float64Array): void {
    const theta1 = this.state[0];
    const theta2 = this.state[1];
    obs[0] = Math.fround(Math.cos(theta1));
    obs[1] = Math.fround(Math.sin(theta1));
    obs[2] = Math.fround(Math.cos(theta2));
    obs[3] = Math.fround(Math.sin(theta2));
    obs[4] = Math.fround(this.state[2]);
    obs[5] = Math.fround(this.state[3]);
  }
}

/**
 * Gymnasium's `AcrobotEnv._dsdt` ("book" branch), grouped as Python evaluates it left to right;
 * writes the derivative of the augmented state `s` into `ds`.
 */
function dsdt(s: Float64Array, ds: Float64Array): void {
  const m1 = LINK_MASS_1;
  const m2 = LINK_MASS_2;
  const l1 = LINK_LENGTH_1;
  const lc1 = LINK_COM_POS_1;
  const lc2 = LINK_COM_POS_2;
  const I1 = LINK_MOI;
  const I2 = LINK_MOI;
  const theta1 = s[0];
  const theta2 = s[1];
  const dtheta1 = s[2];
  const dtheta2 = s[3];
  const a = s[4];
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
  ds[0] = dtheta1;
  ds[1] = dtheta2;
  ds[2] = ddtheta1;
  ds[3] = ddtheta2;
  ds[4] = 0.0;
}

/**
 * Gymnasium's `rk4` over the time points [0, dt]: one classic Runge–Kutta step, combined as
 * `y0 + dt / 6.0 * (k1 + 2 * k2 + 2 * k3 + k4)`. Returns the first four components (in a shared
 * array, valid until the next call).
 */
function rk4(y0: Float64Array, dt: number): Float64Array {
  const dt2 = dt / 2.0;
  const k1 = RK4_SLOPES[0];
  const k2 = RK4_SLOPES[1];
  const k3 = RK4_SLOPES[2];
  const k4 = RK4_SLOPES[3];
  const point = RK4_POINT;
  dsdt(y0, k1);
  along(y0, k1, dt2, point);
  dsdt(point, k2);
  along(y0, k2, dt2, point);
  dsdt(point, k3);
  along(y0, k3, dt, point);
  dsdt(point, k4);
  const scale = dt / 6.0;
  for (let i = 0; i < 4; i++) RK4_RESULT[i] = y0[i] + scale * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
  return RK4_RESULT;
}

/** `point` ← y0 + h·k, the state at which rk4 takes its next slope. */
function along(y0: Float64Array, k: Float64Array, h: number, point: Float64Array): void {
  for (let i = 0; i < 5; i++) point[i] = y0[i] + h * k[i];
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
