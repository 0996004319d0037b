/**
 * The episode bookkeeping every environment shares, so that each environment's file holds only
 * its physics. A subclass says what it is (`EnvironmentSpec`) and supplies how an episode starts
 * (`startEpisode`, drawing from `random`), one transition (`advance`, which updates `state` and
 * decides reward and termination) and the observation (`observeInto`); this class does the rest the
 * same way for all: seeding, the argument checks, the time limit, `getState`/`setState` and the
 * episode snapshots that checkpoints keep (`saveEpisode`/`restoreEpisode`).
 */
import type { Random } from "../random.js";
import { checkAction, checkStarted, checkState } from "./checks.js";
import { EpisodeClock } from "./episode.js";
import { generatorFor, unseededGenerator } from "./seeding.js";
import type { EpisodeSnapshot, Environment, StepResult } from "./types.js";

/** What an environment is, as its Gymnasium registration and its state's length. */
export interface EnvironmentSpec extends Pick<Environment, "name" | "observationSize" | "actionCount" | "maxEpisodeSteps"> {
  /** Length of the physical state (getState, setState); the observation may be longer or shorter. */
  stateSize: number;
}

/** What a transition decides besides the next state. */
export type Outcome = Pick<StepResult, "reward" | "terminated">;

export abstract class EpisodicEnvironment implements Environment {
  readonly name: string;
  readonly observationSize: number;
  readonly actionCount: number;
  readonly maxEpisodeSteps: number;

  /** The physical state in float64, laid out as Gymnasium's `env.unwrapped.state`. */
  protected readonly state: Float64Array;
  private readonly clock: EpisodeClock;
  // Made on first use, so that an environment that draws nothing (GridWorld) never asks the
  // platform for entropy and so also runs where there is none.
  private generator: Random | undefined;
  private started = false;

  protected constructor(spec: EnvironmentSpec) {
    this.name = spec.name;
    this.observationSize = spec.observationSize;
    this.actionCount = spec.actionCount;
    this.maxEpisodeSteps = spec.maxEpisodeSteps;
    this.state = new Float64Array(spec.stateSize);
    this.clock = new EpisodeClock(spec.maxEpisodeSteps);
  }

  /** Puts the episode's first state into `state`, taking any random numbers from `random`. */
  protected abstract startEpisode(): void;
  /**
   * Moves `state` on by one step under a valid action and writes the step's reward and
   * termination into `outcome` (written into, not returned, so that a step allocates nothing).
   */
  protected abstract advance(action: number, outcome: Outcome): void;
  /** Writes the observation of the current state into `obs` (observationSize long). */
  protected abstract observeInto(obs: Float64Array): void;
  /**
   * Throws when a state of the right length, all finite, is still not one the environment can be
   * in (GridWorld's cells); setState calls it before the state changes.
   */
  protected checkStateValues?(state: ArrayLike<number>): void;

  reset(seed?: number): Float64Array {
    // Every environment validates the seed, even one that draws nothing, so all reject the same seeds.
    if (seed !== undefined) this.generator = generatorFor(seed);
    this.startEpisode();
    this.clock.restart();
    this.started = true;
    return this.observe();
  }

  step(action: number): StepResult {
    const result: StepResult = { obs: new Float64Array(this.observationSize), reward: 0, terminated: false, truncated: false };
    this.stepInto(action, result);
    return result;
  }

  stepInto(action: number, into: StepResult): void {
    checkAction(this.name, action, this.actionCount);
    checkStarted(this.name, this.started);
    if (into.obs.length !== this.observationSize) throw new RangeError(`${this.name}: stepInto needs an observation array of length ${this.observationSize}, got ${into.obs.length}`);
    this.advance(action, into);
    into.truncated = this.clock.tick();
    this.observeInto(into.obs);
  }

  /** The observation of the current state, as a fresh array. */
  protected observe(): Float64Array {
    const obs = new Float64Array(this.observationSize);
    this.observeInto(obs);
    return obs;
  }

  getState(): Float64Array {
    return Float64Array.from(this.state);
  }

  /** Keeps the episode's step counter, so the time limit still counts from reset(). */
  setState(state: ArrayLike<number>): void {
    checkState(this.name, state, this.state.length);
    this.checkStateValues?.(state);
    this.state.set(state);
    this.started = true;
  }

  saveEpisode(): EpisodeSnapshot {
    return {
      state: Array.from(this.state),
      elapsedSteps: this.clock.steps,
      generator: this.generator?.getState() ?? null,
      started: this.started,
      flags: this.episodeFlags(),
    };
  }

  restoreEpisode(snapshot: EpisodeSnapshot): void {
    const bad = (why: string): never => {
      throw new RangeError(`${this.name}: cannot restore the episode: ${why}`);
    };
    if (typeof snapshot !== "object" || snapshot === null) bad("the snapshot is not an object");
    checkState(this.name, snapshot.state, this.state.length);
    if (!Number.isInteger(snapshot.elapsedSteps) || snapshot.elapsedSteps < 0 || snapshot.elapsedSteps > this.maxEpisodeSteps) bad(`elapsedSteps ${snapshot.elapsedSteps} is not in [0, ${this.maxEpisodeSteps}]`);
    if (snapshot.generator !== null && !(Array.isArray(snapshot.generator) && snapshot.generator.length === 4)) bad("the generator state is not 4 words");
    if (!Array.isArray(snapshot.flags)) bad("flags are missing");
    this.state.set(snapshot.state);
    this.clock.resumeAt(snapshot.elapsedSteps);
    if (snapshot.generator === null) this.generator = undefined;
    else (this.generator ??= generatorFor(0)).setState(snapshot.generator);
    this.started = snapshot.started === true;
    this.restoreEpisodeFlags(snapshot.flags);
  }

  /** Flags of the running episode besides `state` (none by default); see `saveEpisode`. */
  protected episodeFlags(): number[] {
    return [];
  }

  protected restoreEpisodeFlags(_flags: number[]): void {}

  /** The generator of episode starts: the last seed's, or fresh entropy while never seeded. */
  protected get random(): Random {
    this.generator ??= unseededGenerator();
    return this.generator;
  }
}
