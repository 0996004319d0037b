import gradc from "gradc/plugin";
import { defineConfig } from "vite";

export default defineConfig({
  plugins: [gradc.vite()],
  build: { outDir: "out/vite", ssr: "src/cli.ts", emptyOutDir: true },
});
