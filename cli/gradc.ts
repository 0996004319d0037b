/**
 * The gradc command line: emit, run and check (train and bench arrive with their issues).
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import ts from "typescript";
import { ModuleGraph, formatDiagnostic, transformModule } from "../compiler/index.js";
import { run } from "./run.js";

const program = new Command();
program.name("gradc").description("A gradient compiler for TypeScript: generated forward- and reverse-mode derivative code.");

program
  .command("emit")
  .description("print the transformed module (derivative code included); --out DIR writes it to DIR instead")
  .argument("<file>", "a TypeScript module")
  .option("--out <dir>", "write the transformed module into this folder")
  .action((file: string, options: { out?: string }) => {
    const text = readSource(file);
    const result = transformModule(text, path.resolve(file));
    if (!report(result.diagnostics)) process.exit(1);
    const code = result.code ?? text;
    if (result.code === undefined) process.stderr.write(`gradc: ${file} asks for no derivatives; printed unchanged\n`);
    if (options.out) {
      fs.mkdirSync(options.out, { recursive: true });
      const target = path.join(options.out, path.basename(file));
      fs.writeFileSync(target, code);
      if (result.map) fs.writeFileSync(`${target}.map`, result.map.toString());
      process.stderr.write(`gradc: wrote ${target}\n`);
    } else {
      process.stdout.write(code);
    }
  });

program
  .command("run")
  .description("run a TypeScript file with every imported module transformed (like tsx)")
  .argument("<file>", "the TypeScript entry point")
  .argument("[args...]", "arguments passed to the program")
  .allowUnknownOption()
  .action(async (file: string, args: string[]) => runOrReport(file, args));

program
  .command("train")
  .description("train a DQN agent: gradc train ENV [--seed N] [--steps N] [--config FILE] [--out DIR] [--engine compiled|tape] [--resume DIR]")
  .argument("<env>", "CartPole-v1, MountainCar-v0, Acrobot-v1 or GridWorld")
  .allowUnknownOption()
  .allowExcessArguments()
  .helpOption(false)
  .action(async function (this: Command) {
    // The trainer's Q-network gradient is generated code: run it through the transform.
    await runOrReport(fileURLToPath(new URL("../runtime/rl/train-main.ts", import.meta.url)), this.args);
  });

program
  .command("check")
  .description("report diagnostics for a module and the modules it imports; exit 1 on errors")
  .argument("<file>", "a TypeScript module")
  .action((file: string) => {
    const graph = new ModuleGraph();
    const seen = new Set<string>();
    const queue = [path.resolve(file)];
    let ok = true;
    let checked = 0;
    while (queue.length > 0) {
      const current = queue.shift()!;
      if (seen.has(current)) continue;
      seen.add(current);
      const text = readSource(current);
      ok = report(transformModule(text, current, { graph }).diagnostics) && ok;
      checked++;
      for (const imported of ts.preProcessFile(text).importedFiles) {
        const resolved = graph.resolveSpecifier(current, imported.fileName);
        if (resolved) queue.push(resolved);
      }
    }
    process.stderr.write(ok ? `gradc: ${checked} module(s) checked, no errors\n` : "");
    process.exit(ok ? 0 : 1);
  });

async function runOrReport(file: string, args: string[]): Promise<void> {
  try {
    await run(file, args);
  } catch (e) {
    const err = e as { errors?: { text: string }[]; message: string };
    // esbuild reports plugin failures (our diagnostics) as a list of errors.
    process.stderr.write((err.errors?.map((x) => x.text).join("\n\n") ?? err.message) + "\n");
    process.exit(1);
  }
}

function readSource(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    process.stderr.write(`gradc: cannot read ${file}\n`);
    process.exit(1);
  }
}

/** Prints diagnostics; true when there were none. */
function report(diagnostics: Parameters<typeof formatDiagnostic>[0][]): boolean {
  for (const d of diagnostics) process.stderr.write(formatDiagnostic(d) + "\n\n");
  return diagnostics.length === 0;
}

await program.parseAsync(process.argv);
