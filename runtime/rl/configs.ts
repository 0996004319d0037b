/**
 * Tuned default configs per environment: configs/<env>.json at the repository root, readable
 * and copyable; a config file and command-line flags override them (gradc/rl/node's
 * `loadRunConfig`). The files are imported (so bundles, browser ones included, carry them)
 * rather than read at run time.
 */
import { BASE_CONFIG, type DQNConfig, mergeConfig } from "./config.js";
import cartPole from "../../configs/CartPole-v1.json" with { type: "json" };
import mountainCar from "../../configs/MountainCar-v0.json" with { type: "json" };
import acrobot from "../../configs/Acrobot-v1.json" with { type: "json" };
import gridWorld from "../../configs/GridWorld.json" with { type: "json" };
import lectureGrid from "../../configs/LectureGrid.json" with { type: "json" };

const TUNED: Record<string, unknown> = {
  "CartPole-v1": cartPole,
  "MountainCar-v0": mountainCar,
  "Acrobot-v1": acrobot,
  GridWorld: gridWorld,
  LectureGrid: lectureGrid,
};

/** The tuned defaults for an environment (its Gymnasium name). */
export function defaultConfig(envName: string): DQNConfig {
  const tuned = TUNED[envName];
  return tuned ? mergeConfig(BASE_CONFIG, tuned, `configs/${envName}.json`) : BASE_CONFIG;
}
