/**
 * The gradc command line. Each command loads what it needs when it runs: `gradc --help` and
 * `gradc train` never load TypeScript's compiler, so they start in a fraction of a second.
 */
import { Command } from "commander";
import { packageVersion } from "./package-info.js";

const program = new Command();
program
  .name("gradc")
  .description("A gradient compiler for TypeScript: generated forward- and reverse-mode derivative code.")
  .version(packageVersion(), "-v, --version", "print gradc's version")
  // Options after `run FILE` belong to the program being run, not to gradc.
  .enablePositionalOptions();

program
  .command("run")
  .description("run a TypeScript file, every imported TypeScript module transformed by gradc (like tsx)")
  .argument("<file>", "the TypeScript entry point")
  .argument("[args...]", "arguments passed to the program (process.argv.slice(2))")
  .passThroughOptions()
  .allowUnknownOption()
  .helpOption(false)
  .action(async (file: string, args: string[]) => {
    const { run } = await import("./run.js");
    await run(file, args);
  });

program
  .command("emit")
  .description("print the transformed module (derivative code included); --out DIR writes it and its source map to DIR")
  .argument("<file>", "a TypeScript module")
  .option("--out <dir>", "write the transformed module into this folder")
  .action(async (file: string, options: { out?: string }) => {
    const { emit } = await import("./inspect.js");
    process.exitCode = await emit(file, options.out);
  });

program
  .command("check")
  .description("report diagnostics for a module and the modules it imports; exit 1 on errors")
  .argument("<file>", "a TypeScript module")
  .action(async (file: string) => {
    const { check } = await import("./inspect.js");
    process.exitCode = await check(file);
  });

program
  .command("build")
  .description("compile a project (tsconfig.json, or a folder of .ts files) to JavaScript with gradc's transform, like tsc")
  .argument("[project]", "a tsconfig.json, a folder holding one, or a folder of TypeScript sources", ".")
  .option("--out-dir <dir>", "output folder (default: the tsconfig's outDir, or dist/ for a folder)")
  .option("-w, --watch", "rebuild when a source file changes")
  .action(async (project: string, options: { outDir?: string; watch?: boolean }) => {
    const { build } = await import("./build.js");
    process.exitCode = await build({ project, outDir: options.outDir, watch: options.watch ?? false });
  });

program
  .command("bench")
  .description("benchmark your own functions (FILE exports `benchmarks`) on compiled reverse, compiled forward, tape and finite differences")
  .argument("<file>", "a TypeScript module exporting `benchmarks = { name: { f, args, wrt? } }`")
  .option("--rounds <n>", "timed rounds per engine (each a batch of ~2 ms)", "20")
  .option("--json <out>", "also write the results as JSON to this file")
  .action(async (file: string, options: { rounds: string; json?: string }) => {
    const { bench } = await import("./bench.js");
    const rounds = Number(options.rounds);
    if (!Number.isInteger(rounds) || rounds < 1) program.error(`gradc bench: --rounds must be a positive integer, not ${options.rounds}`);
    process.exitCode = await bench(file, { rounds, json: options.json });
  });

program
  .command("compare")
  .description("symbolic, numerical and automatic differentiation of one function side by side: tables, and with --out compare.json and SVG plots")
  .argument("[file]", "a TypeScript module (default: the lecture example, dsl-examples/lecture.ts)")
  .option("--function <name>", "the function to differentiate", "f")
  .option("--at <x1,x2,...>", "the point (default for the lecture example: 1.5,0.5)")
  .option("--out <dir>", "write compare.json, derivative-size.svg and finite-difference-error.svg to this folder")
  .option("--rounds <n>", "timed rounds per method (each a batch of ~2 ms)", "15")
  .action(async (file: string | undefined, options: { function: string; at?: string; out?: string; rounds: string }) => {
    const { compare } = await import("./compare.js");
    const rounds = Number(options.rounds);
    if (!Number.isInteger(rounds) || rounds < 1) program.error(`gradc compare: --rounds must be a positive integer, not ${options.rounds}`);
    process.exitCode = await compare({ file, functionName: options.function, at: options.at, out: options.out, rounds });
  });

program
  .command("train")
  .description("train a DQN agent on an environment (gradc train --help for its options and environments)")
  .argument("<env>", "a Gymnasium id such as CartPole-v1")
  .allowUnknownOption()
  .allowExcessArguments()
  .helpOption(false)
  .action(async function (this: Command) {
    // The trainer ships compiled, its Q-network gradient already generated: no transform needed.
    const { main } = await import("./train.js");
    await main(this.args);
  });

program
  .command("eval")
  .description("run greedy episodes of a trained agent (a run folder, its checkpoint.bin, or a policy file from gradc export)")
  .argument("<source>", "a run folder, checkpoint file or policy .json file")
  .option("--episodes <n>", "episodes to run", "20")
  .option("--seed <n>", "episode e is reset with seed + e", "0")
  .option("--json <file>", "also write the returns as JSON to this file")
  .option("--render [file.svg]", "draw the episodes: in this terminal, or as an animated SVG written to file.svg")
  .action(async (source: string, options: { episodes: string; seed: string; json?: string; render?: string | true }) => {
    const episodes = Number(options.episodes);
    const seed = Number(options.seed);
    if (!Number.isInteger(episodes) || episodes < 1) program.error(`gradc eval: --episodes must be a positive integer, not ${options.episodes}`);
    if (!Number.isSafeInteger(seed) || seed < 0) program.error(`gradc eval: --seed must be a non-negative integer, not ${options.seed}`);
    const { evaluatePolicyCommand } = await import("./policy.js");
    process.exitCode = await reportErrors("eval", () => evaluatePolicyCommand(source, { episodes, seed, json: options.json, render: options.render }));
  });

program
  .command("export")
  .description("write a run's greedy policy (the Q-network alone, no replay buffer) as a JSON file that gradc eval and GreedyPolicy.fromJSON read")
  .argument("<run>", "a run folder or its checkpoint.bin")
  .option("--out <file>", "where to write it (default RUN/policy.json)")
  .action(async (run: string, options: { out?: string }) => {
    const { exportPolicyCommand } = await import("./policy.js");
    process.exitCode = await reportErrors("export", () => exportPolicyCommand(run, options.out));
  });

/** Runs a command, turning an error into one line on stderr and exit code 1. */
async function reportErrors(command: string, run: () => number | Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (e) {
    process.stderr.write(`gradc ${command}: ${(e as Error).message}\n`);
    return 1;
  }
}

await program.parseAsync(process.argv);
