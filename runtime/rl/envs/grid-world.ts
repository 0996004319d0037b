/**
 * GridWorld: a 5×5 grid small enough to check a DQN by hand: a near cell worth 0.5 and a far
 * goal worth 1, both ending the episode, so the agent must learn that the longer way pays more
 * (for γ above about 0.84). The lecture's own replay-buffer grid is `LectureGrid`
 * (lecture-grid.ts).
 *
 * Layout (x grows to the right, y grows upwards; S start, B bonus, G goal):
 *
 *     y=4  .  .  .  .  G
 *     y=3  .  .  .  .  .
 *     y=2  .  .  B  .  .
 *     y=1  .  .  .  .  .
 *     y=0  S  .  .  .  .
 *         x=0 1  2  3  4
 *
 * - Actions: 0 up (y + 1), 1 right (x + 1), 2 down (y − 1), 3 left (x − 1).
 * - The border is a wall: a move off the grid leaves the agent where it is (reward 0).
 * - Entering the bonus cell B = (2, 2) pays 0.5 and terminates the episode.
 * - Entering the goal G = (4, 4) pays 1 and terminates the episode.
 * - Every other step pays 0. The time limit is 50 steps (truncated, as Gymnasium's TimeLimit).
 * - Observation: (x / 4, y / 4), the position normalised to [0, 1].
 * - State: [x, y]. The observation determines it, so the problem is Markov in (x, y).
 * - reset(seed?) always starts at S = (0, 0): the grid is
 *   deterministic, and the seed is accepted (and validated) only so that every environment
 *   shares one reset signature.
 * - setState keeps the episode's step counter: the time limit counts from reset().
 */
import { EpisodicEnvironment, type Outcome } from "./episodic.js";

/** Cells per side. */
export const GRID_SIZE = 5;
export const GRID_START = { x: 0, y: 0 } as const;
export const GRID_BONUS = { x: 2, y: 2, reward: 0.5 } as const;
export const GRID_GOAL = { x: 4, y: 4, reward: 1 } as const;

/** (dx, dy) of actions 0–3: up, right, down, left (LectureGrid's actions too). */
export const MOVES: readonly (readonly [number, number])[] = [
  [0, 1],
  [1, 0],
  [0, -1],
  [-1, 0],
];

export class GridWorld extends EpisodicEnvironment {
  constructor() {
    super({ name: "GridWorld", stateSize: 2, observationSize: 2, actionCount: 4, maxEpisodeSteps: 50 });
    // The agent stands on the start cell even before the first reset.
    this.startEpisode();
  }

  protected startEpisode(): void {
    this.state[0] = GRID_START.x;
    this.state[1] = GRID_START.y;
  }

  protected advance(action: number, outcome: Outcome): void {
    const move = MOVES[action];
    const x = this.state[0] + move[0];
    const y = this.state[1] + move[1];
    if (inside(x) && inside(y)) {
      this.state[0] = x;
      this.state[1] = y;
    }

    const onBonus = this.isAt(GRID_BONUS);
    const onGoal = this.isAt(GRID_GOAL);
    outcome.reward = onGoal ? GRID_GOAL.reward : onBonus ? GRID_BONUS.reward : 0;
    outcome.terminated = onGoal || onBonus;
  }

  protected override checkStateValues(state: ArrayLike<number>): void {
    const [x, y] = [state[0], state[1]];
    if (!Number.isInteger(x) || !Number.isInteger(y) || !inside(x) || !inside(y)) {
      throw new RangeError(`${this.name}: setState needs integer cell coordinates in 0..${GRID_SIZE - 1}, got (${x}, ${y})`);
    }
  }

  protected observeInto(obs: Float64Array): void {
    obs[0] = this.state[0] / (GRID_SIZE - 1);
    obs[1] = this.state[1] / (GRID_SIZE - 1);
  }

  private isAt(cell: { readonly x: number; readonly y: number }): boolean {
    return this.state[0] === cell.x && this.state[1] === cell.y;
  }
}

function inside(coordinate: number): boolean {
  return coordinate >= 0 && coordinate < GRID_SIZE;
}
