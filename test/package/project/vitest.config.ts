import gradc from "gradc/plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [gradc.vite()],
  test: { include: ["src/**/*.test.ts"] },
});
