/**
 * `node --import gradc/register app.ts`: Node runs TypeScript modules with gradc's transform, the
 * way tsx does without derivatives. Importing this module installs the hooks (node-hooks.ts) for
 * every module loaded after it, and turns on source maps so stack traces name the user's lines.
 */
import { register } from "node:module";

register("./node-hooks.js", import.meta.url);
process.setSourceMapsEnabled(true);
