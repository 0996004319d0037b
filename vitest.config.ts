import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import gradc from "./compiler/plugin.js";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  plugins: [gradc.vite()],
  resolve: {
    // The package's own entry points, as package.json's "exports" name them.
    alias: [
      { find: /^gradc$/, replacement: here("./runtime/index.ts") },
      { find: /^gradc\/rl$/, replacement: here("./runtime/rl/index.ts") },
      { find: /^gradc\/plugin$/, replacement: here("./compiler/plugin.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    // Generous: the fuzz sample and the kill-and-resume runs take tens of seconds on a busy 2-core machine.
    testTimeout: 300_000,
  },
});
