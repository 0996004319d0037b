/**
 * Tuned default configs per environment: configs/<env>.json at the repository root, readable
 * and copyable; `--config FILE` and command-line flags override them. The files are imported
 * (so bundles carry them) rather than read at run time.
 */
import fs from "node:fs";
import { BASE_CONFIG, ConfigError, type DQNConfig, mergeConfig } from "./config.js";
import cartPole from "../../configs/CartPole-v1.json" with { type: "json" };
import mountainCar from "../../configs/MountainCar-v0.json" with { type: "json" };
import acrobot from "../../configs/Acrobot-v1.json" with { type: "json" };
import gridWorld from "../../configs/GridWorld.json" with { type: "json" };

const TUNED: Record<string, unknown> = {
  "CartPole-v1": cartPole,
  "MountainCar-v0": mountainCar,
  "Acrobot-v1": acrobot,
  GridWorld: gridWorld,
};

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new ConfigError(`${file}: cannot read the config file`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** The tuned defaults for an environment (its Gymnasium name). */
export function defaultConfig(envName: string): DQNConfig {
  const tuned = TUNED[envName];
  return tuned ? mergeConfig(BASE_CONFIG, tuned, `configs/${envName}.json`) : BASE_CONFIG;
}

/** Defaults for the environment, then a config file, then explicit overrides (e.g. from flags). */
export function loadRunConfig(envName: string, configFile: string | undefined, overrides: Record<string, unknown>): DQNConfig {
  let config = defaultConfig(envName);
  if (configFile) config = mergeConfig(config, readJson(configFile), configFile);
  return mergeConfig(config, overrides, "command line");
}
