/**
 * The compiler the benchmark measures (code size, compile time, the memory probe): the built
 * `gradc/compiler` in dist/, the same one whose Node hooks transform the benchmark's own modules,
 * so the code measured is the code timed even while compiler/ has unbuilt changes. Typed against
 * the sources; loaded through a specifier TypeScript does not resolve, so type-checking does not
 * depend on dist/.
 */
import type * as Compiler from "../compiler/index.js";

const specifier: string = "gradc/compiler";
const compiler = (await import(specifier)) as typeof Compiler;

export const transformModule: typeof Compiler.transformModule = compiler.transformModule;
