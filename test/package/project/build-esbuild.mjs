import * as esbuild from "esbuild";
import gradc from "gradc/plugin";

await esbuild.build({
  entryPoints: ["src/cli.ts"],
  bundle: true,
  platform: "node",
  format: "esm",
  outfile: "out/esbuild/cli.mjs",
  plugins: [gradc.esbuild()],
});
