/**
 * Pins the generated code of a few examples (as Clad's tests do), so a change to what gradc emits
 * is a visible diff in review. The numbers these functions compute are checked elsewhere against
 * finite differences; these files are for reading next to the source.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { transformOrThrow } from "../compiler/index.js";

const examples = ["dsl-examples/lecture.ts", "test/fixtures/snapshots/loops.ts"];

describe("generated code", () => {
  for (const file of examples) {
    it(`is stable for ${file}`, async () => {
      const source = fs.readFileSync(file, "utf8");
      // A fixed file name keeps absolute paths out of the snapshot.
      const { code } = transformOrThrow(source, path.resolve(file));
      await expect(code).toMatchFileSnapshot(`__snapshots__/${path.basename(file, ".ts")}.emit.ts`);
    });
  }
});
