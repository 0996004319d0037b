/**
 * LectureGrid: the grid of the lecture's example that introduces experience replay, exactly.
 *
 *     y=1.0  .     .     .     .
 *     y=0.8  .     .     G     .
 *     y=0.6  .     .     .     .
 *     y=0.4  .     B     .     .
 *     y=0.2  .     .     .     .
 *     y=0.0  S     .     .     .
 *          x=0   x=⅓   x=⅔   x=1
 *
 * - Positions: x ∈ {0, ⅓, ⅔, 1}, y ∈ {0, 0.2, 0.4, 0.6, 0.8, 1}; the observation is (x, y) itself.
 * - Actions, by index or one-hot as the lecture writes them: 0 = (1,0,0,0) moves +0.2 in y,
 *   1 = (0,1,0,0) moves +⅓ in x, 2 = (0,0,1,0) moves −0.2 in y, 3 = (0,0,0,1) moves −⅓ in x
 *   (the lecture names the first two; the other two are their opposites). A move off the grid
 *   leaves the agent where it is.
 * - Rewards: 0.5 on entering B = (⅓, 0.4), where the episode goes on, and 1 on entering
 *   G = (⅔, 0.8), which ends it; 0 otherwise. The 0.5 is paid on every entry, as the lecture's
 *   rule says, so a policy may come back for it: within the time limit that pays more than
 *   going to G, which is why `GridWorld` (both cells terminal) is the grid the trainer's
 *   checks use.
 * - Start (0, 0); time limit 50 steps (truncated, as Gymnasium's TimeLimit).
 * - The state is the cell [column, row] (integers 0–3 and 0–5), so positions are computed the
 *   same way every time: x = column / 3, y = row / 5 (⅓ is 1/3, printed 0.33 by the lecture).
 */
import { checkAction } from "./checks.js";
import { EpisodicEnvironment, type Outcome } from "./episodic.js";
// (dcolumn, drow) of actions 0–3, +y, +x, −y, −x: GridWorld's up, right, down, left.
import { MOVES } from "./grid-world.js";

export const LECTURE_GRID_COLUMNS = 4;
export const LECTURE_GRID_ROWS = 6;
/** Cells as [column, row]: x = column / 3, y = row / 5. */
export const LECTURE_GRID_BONUS = { column: 1, row: 2, reward: 0.5 } as const;
export const LECTURE_GRID_GOAL = { column: 2, row: 4, reward: 1 } as const;


export class LectureGrid extends EpisodicEnvironment {
  constructor() {
    super({ name: "LectureGrid", stateSize: 2, observationSize: 2, actionCount: 4, maxEpisodeSteps: 50 });
    this.startEpisode();
  }

  /** The lecture's one-hot vector of action `index` ((1,0,0,0) for 0, …). */
  static oneHot(index: number): Float64Array {
    checkAction("LectureGrid", index, MOVES.length);
    const v = new Float64Array(MOVES.length);
    v[index] = 1;
    return v;
  }

  /** The action index of a one-hot vector; anything but exactly one 1 among 0s is an error. */
  static actionOf(oneHot: ArrayLike<number>): number {
    const values = Array.from(oneHot);
    const valid = values.length === MOVES.length && values.every((v) => v === 0 || v === 1) && values.filter((v) => v === 1).length === 1;
    if (!valid) throw new RangeError(`LectureGrid: a one-hot action has four entries, one 1 and three 0s; got (${values.join(", ")})`);
    return values.indexOf(1);
  }

  /** `step` with the action as the lecture writes it, a one-hot vector such as (0, 1, 0, 0). */
  stepOneHot(oneHot: ArrayLike<number>) {
    return this.step(LectureGrid.actionOf(oneHot));
  }

  protected startEpisode(): void {
    this.state[0] = 0;
    this.state[1] = 0;
  }

  protected advance(action: number, outcome: Outcome): void {
    const move = MOVES[action];
    const column = this.state[0] + move[0];
    const row = this.state[1] + move[1];
    const moved = column >= 0 && column < LECTURE_GRID_COLUMNS && row >= 0 && row < LECTURE_GRID_ROWS;
    if (moved) {
      this.state[0] = column;
      this.state[1] = row;
    }
    // Both cells lie inside the grid, so bumping a wall never "enters" one.
    const onGoal = moved && column === LECTURE_GRID_GOAL.column && row === LECTURE_GRID_GOAL.row;
    const onBonus = moved && column === LECTURE_GRID_BONUS.column && row === LECTURE_GRID_BONUS.row;
    outcome.reward = onGoal ? LECTURE_GRID_GOAL.reward : onBonus ? LECTURE_GRID_BONUS.reward : 0;
    outcome.terminated = onGoal;
  }

  protected override checkStateValues(state: ArrayLike<number>): void {
    const [column, row] = [state[0], state[1]];
    if (!Number.isInteger(column) || !Number.isInteger(row) || column < 0 || column >= LECTURE_GRID_COLUMNS || row < 0 || row >= LECTURE_GRID_ROWS) {
      throw new RangeError(`LectureGrid: setState needs a cell [column 0..3, row 0..5], got (${column}, ${row})`);
    }
  }

  protected observeInto(obs: Float64Array): void {
    obs[0] = this.state[0] / (LECTURE_GRID_COLUMNS - 1);
    obs[1] = this.state[1] / (LECTURE_GRID_ROWS - 1);
  }
}
