/** A run's config from the command line's sources: the environment's tuned defaults, a config file, flags. */
import fs from "node:fs";
import { ConfigError, type DQNConfig, mergeConfig } from "../config.js";
import { defaultConfig } from "../configs.js";

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

/** Defaults for the environment, then a config file, then explicit overrides (e.g. from flags). */
export function loadRunConfig(envName: string, configFile: string | undefined, overrides: Record<string, unknown>): DQNConfig {
  let config = defaultConfig(envName);
  if (configFile) config = mergeConfig(config, readJson(configFile), configFile);
  return mergeConfig(config, overrides, "command line");
}
