import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BuildManifest } from "@gantry/sdk/contracts";
import { packArtifact } from "../build/artifact.js";
import { unpackArtifact } from "./unpack-artifact.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const manifest = BuildManifest.parse({ contentHash: "c".repeat(64), sdkVersion: "0.1.0", entryPoint: "index.mjs", config: { project: "proj_x" }, tasks: [] });

describe("unpackArtifact", () => {
  it("restores the files of a packed artifact", async () => {
    const src = mkdtempSync(join(tmpdir(), "gantry-pack-src-"));
    const dest = join(mkdtempSync(join(tmpdir(), "gantry-unpack-")), "out");
    dirs.push(src, dest);
    mkdirSync(join(src, "node_modules/pkg"), { recursive: true });
    writeFileSync(join(src, "index.mjs"), "export {};\n");
    writeFileSync(join(src, "node_modules/pkg/index.js"), "module.exports = 1;\n");
    const artifact = packArtifact(src, ["index.mjs", "node_modules/pkg/index.js"], manifest);
    await unpackArtifact(artifact.bytes, artifact.hash, dest);
    expect(readFileSync(join(dest, "node_modules/pkg/index.js"), "utf8")).toBe("module.exports = 1;\n");
  });

  it("rejects bytes that do not match the hash, and paths outside the folder", async () => {
    const dest = join(mkdtempSync(join(tmpdir(), "gantry-unpack-")), "out");
    dirs.push(dest);
    const evil = Buffer.from(JSON.stringify({ format: "gantry-artifact-v1", files: { "../escape.txt": "eA==" }, manifest }));
    const hash = createHash("sha256").update(evil).digest("hex");
    await expect(unpackArtifact(evil, "0".repeat(64), dest)).rejects.toThrow(/verification/);
    await expect(unpackArtifact(evil, hash, dest)).rejects.toThrow(/outside its root/);
  });
});
