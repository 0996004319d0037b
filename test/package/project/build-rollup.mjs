import gradc from "gradc/plugin";
import { rollup } from "rollup";
import esbuild from "rollup-plugin-esbuild";

const bundle = await rollup({
  input: "src/cli.ts",
  plugins: [gradc.rollup(), esbuild({ target: "node20" })],
  external: [/^gradc/],
});
await bundle.write({ file: "out/rollup/cli.mjs", format: "esm" });
await bundle.close();
