import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import gradc from "./compiler/plugin.js";

export default defineConfig({
  plugins: [gradc.vite()],
  resolve: {
    alias: { gradc: fileURLToPath(new URL("./runtime/index.ts", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
  },
});
