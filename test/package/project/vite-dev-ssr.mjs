// Vite's dev server, as `vite dev` runs it, loading the module through gradc.vite() on demand (SSR).
import { createServer } from "vite";

const server = await createServer({ server: { middlewareMode: true }, appType: "custom", logLevel: "error" });
try {
  const { results } = await server.ssrLoadModule("/src/main.ts");
  console.log(JSON.stringify(results));
} finally {
  await server.close();
}
