import { defineConfig } from "vite";
import gradc from "gradc/plugin";

// gradc's transform turns `grad(f)` in src/ into generated derivative code at build time.
export default defineConfig({
  plugins: [gradc.vite()],
});
