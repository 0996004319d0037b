#!/usr/bin/env node
// gradc is written in TypeScript; tsx loads it directly, so the package needs no build step.
import { register } from "tsx/esm/api";

register();
await import("../cli/gradc.ts");
