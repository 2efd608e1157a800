import { createHash } from "node:crypto";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Artifact } from "@gantry/sdk/contracts";
import { ArtifactCache, ArtifactError } from "./artifact-cache.js";

let cacheDir: string;
beforeEach(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "gantry-artifacts-"));
});
afterEach(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

function artifact(files: Record<string, string>): { hash: string; bytes: Buffer } {
  const doc: Artifact = {
    format: "gantry-artifact-v1",
    files: Object.fromEntries(Object.entries(files).map(([p, c]) => [p, Buffer.from(c).toString("base64")])),
    manifest: { contentHash: "x", sdkVersion: "0.1.0", runtime: "node", entryPoint: "index.mjs", config: { project: "p" }, tasks: [], queues: [] },
  };
  const bytes = Buffer.from(JSON.stringify(doc));
  return { hash: createHash("sha256").update(bytes).digest("hex"), bytes };
}

describe("ArtifactCache", () => {
  it("unpacks a bundle under its hash once and reuses it, also across runner restarts", async () => {
    const { hash, bytes } = artifact({ "index.mjs": "export {}", "node_modules/dep/index.js": "module.exports = 1" });
    let fetches = 0;
    const cache = new ArtifactCache(cacheDir, async () => {
      fetches += 1;
      return bytes;
    });
    const [a, b] = await Promise.all([cache.get(hash), cache.get(hash)]);
    expect(a.dir).toBe(join(cacheDir, hash));
    expect(b.dir).toBe(a.dir);
    expect(await readFile(join(a.dir, "node_modules/dep/index.js"), "utf8")).toBe("module.exports = 1");
    expect(a.manifest.entryPoint).toBe("index.mjs");
    expect(fetches).toBe(1);

    const restarted = new ArtifactCache(cacheDir, async () => {
      throw new Error("must not fetch again");
    });
    expect((await restarted.get(hash)).dir).toBe(a.dir);
    expect((await readdir(cacheDir)).filter((n) => n.startsWith(".tmp"))).toEqual([]);
  });

  it("rejects a download whose sha256 differs from its hash, leaving nothing behind", async () => {
    const { hash } = artifact({ "index.mjs": "export {}" });
    const other = artifact({ "index.mjs": "tampered" });
    const cache = new ArtifactCache(cacheDir, async () => other.bytes);
    await expect(cache.get(hash)).rejects.toThrow(/failed verification/);
    expect(await readdir(cacheDir)).toEqual([]);
  });

  it("refuses files outside the bundle's root", async () => {
    const evil = artifact({ "../escape.mjs": "export {}" });
    const cache = new ArtifactCache(cacheDir, async () => evil.bytes);
    await expect(cache.get(evil.hash)).rejects.toThrow(ArtifactError);
    await expect(readFile(join(cacheDir, "..", "escape.mjs"))).rejects.toThrow();
  });

  it("retries a failed download on the next attempt", async () => {
    const { hash, bytes } = artifact({ "index.mjs": "export {}" });
    let calls = 0;
    const cache = new ArtifactCache(cacheDir, async () => {
      calls += 1;
      if (calls === 1) throw new Error("connection reset");
      return bytes;
    });
    await expect(cache.get(hash)).rejects.toThrow(/connection reset/);
    expect((await cache.get(hash)).dir).toBe(join(cacheDir, hash));
  });
});
