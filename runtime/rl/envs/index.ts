/**
 * The environments of `gradc/rl` and a registry by name, so a CLI flag or a config file can say
 * "CartPole-v1" (Gymnasium's id) or just "CartPole".
 */
import { Acrobot } from "./acrobot.js";
import { CartPole } from "./cartpole.js";
import { GridWorld } from "./grid-world.js";
import { LectureGrid } from "./lecture-grid.js";
import { MountainCar } from "./mountain-car.js";
import type { Environment } from "./types.js";

export { Acrobot } from "./acrobot.js";
export { CartPole } from "./cartpole.js";
export { GRID_BONUS, GRID_GOAL, GRID_SIZE, GRID_START, GridWorld } from "./grid-world.js";
export { LECTURE_GRID_BONUS, LECTURE_GRID_COLUMNS, LECTURE_GRID_GOAL, LECTURE_GRID_ROWS, LectureGrid } from "./lecture-grid.js";
export { MountainCar } from "./mountain-car.js";
export { EpisodicEnvironment, type EnvironmentSpec, type Outcome } from "./episodic.js";
export type { Environment, EpisodeSnapshot, StepResult } from "./types.js";

/** Every known environment name (Gymnasium ids and short aliases), each making a fresh instance. */
export const ENVIRONMENTS = {
  "CartPole-v1": () => new CartPole(),
  "MountainCar-v0": () => new MountainCar(),
  "Acrobot-v1": () => new Acrobot(),
  GridWorld: () => new GridWorld(),
  LectureGrid: () => new LectureGrid(),
  CartPole: () => new CartPole(),
  MountainCar: () => new MountainCar(),
  Acrobot: () => new Acrobot(),
} as const satisfies Record<string, () => Environment>;

export type EnvironmentName = keyof typeof ENVIRONMENTS;

/** The environments' own names (Gymnasium ids), without the short aliases: for help texts. */
export function environmentIds(): string[] {
  return [...new Set(Object.values(ENVIRONMENTS).map((make) => make().name))];
}

/** A fresh environment by name; an unknown name throws an error that lists the known ones. */
export function makeEnvironment(name: string): Environment {
  if (!Object.hasOwn(ENVIRONMENTS, name)) {
    throw new Error(`Unknown environment "${name}". Known environments: ${Object.keys(ENVIRONMENTS).join(", ")}`);
  }
  return ENVIRONMENTS[name as EnvironmentName]();
}
