import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
// The plugin from source, so these tests exercise the compiler as it is in the tree;
// test/package.test.ts uses the documented `gradc/plugin` from the packed tarball.
import gradc from "./integrations/plugin.js";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  plugins: [gradc.vite()],
  resolve: {
    // The package's own entry points, as package.json's "exports" name them.
    alias: [
      { find: /^gradc$/, replacement: here("./runtime/index.ts") },
      { find: /^gradc\/rl$/, replacement: here("./runtime/rl/index.ts") },
      { find: /^gradc\/plugin$/, replacement: here("./integrations/plugin.ts") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    // A user's project, copied and built by test/package.test.ts; its own test runs there.
    exclude: ["test/package/project/**", "**/node_modules/**"],
    // Generous: the fuzz sample and the kill-and-resume runs take tens of seconds on a busy 2-core machine.
    testTimeout: 300_000,
  },
});
