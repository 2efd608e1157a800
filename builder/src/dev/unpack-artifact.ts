import { createHash, randomUUID } from "node:crypto";
import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { Artifact } from "@gantry/sdk/contracts";

/**
 * Unpacks an artifact document `gantry dev` did not build itself (a run locked to an earlier session's dev
 * version) into `dir`: sha256 checked against the hash, written to a temp folder, renamed into place.
 */
export async function unpackArtifact(bytes: Buffer, hash: string, dir: string): Promise<void> {
  const actual = createHash("sha256").update(bytes).digest("hex");
  if (actual !== hash) throw new Error(`artifact ${hash} failed verification (sha256 ${actual})`);
  const artifact = Artifact.parse(JSON.parse(bytes.toString("utf8")));
  const tmp = `${dir}.tmp-${randomUUID().slice(0, 8)}`;
  for (const [path, base64] of Object.entries(artifact.files)) {
    const target = normalize(join(tmp, path));
    if (!target.startsWith(tmp + "/")) throw new Error(`artifact ${hash} has a file outside its root: ${path}`);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, Buffer.from(base64, "base64"));
  }
  mkdirSync(dirname(dir), { recursive: true });
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}
