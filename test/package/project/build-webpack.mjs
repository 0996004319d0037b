import path from "node:path";
import gradc from "gradc/plugin";
import webpack from "webpack";

const compiler = webpack({
  mode: "production",
  target: "node20",
  entry: "./src/cli.ts",
  output: { path: path.resolve("out/webpack"), filename: "cli.cjs" },
  resolve: { extensions: [".ts", ".js"], extensionAlias: { ".js": [".ts", ".js"] } },
  module: { rules: [{ test: /\.ts$/, loader: "ts-loader", options: { transpileOnly: true } }] },
  plugins: [gradc.webpack()],
});
const stats = await new Promise((resolve, reject) => compiler.run((error, result) => (error ? reject(error) : resolve(result))));
await new Promise((resolve) => compiler.close(resolve));
if (stats.hasErrors()) {
  console.error(stats.toString("errors-only"));
  process.exit(1);
}
