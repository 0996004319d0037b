#!/usr/bin/env node
// The command line ships compiled (dist/, built by `npm run build`, which `npm ci` and `npm pack` run).
import "../dist/cli/gradc.js";
