import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ACTION_DIR, buildDist, listFiles } from "./build-dist.js";

// actions/checkout's check-dist: the committed dist/ is what runs in users' workflows, so it must be exactly
// what src/ builds to.
describe("action/dist", () => {
  const tempDir = mkdtempSync(join(tmpdir(), "gantry-action-dist-"));
  const outDir = join(tempDir, "dist");
  afterAll(() => rmSync(tempDir, { recursive: true, force: true }));

  it("matches a fresh build of src/ (otherwise run `npm run build -w action` and commit dist/)", async () => {
    await buildDist(outDir);
    const committedDir = join(ACTION_DIR, "dist");
    const fresh = listFiles(outDir);
    expect(listFiles(committedDir), "files in action/dist").toEqual(fresh);
    const stale = fresh.filter((file) => !readFileSync(join(outDir, file)).equals(readFileSync(join(committedDir, file))));
    expect(stale, "action/dist is stale (src/, or the builder/ and sdk/ code it bundles, changed): run `npm run build -w action` and commit action/dist").toEqual([]);
  });
});
