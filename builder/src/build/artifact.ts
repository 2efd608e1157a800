import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { Artifact, type BuildManifest } from "@gantry/sdk/contracts";

/** Every file under `dir`, as sorted "/"-separated relative paths. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) out.push(relative(dir, full).split(sep).join("/"));
    }
  };
  walk(dir);
  return out.sort();
}

/** sha256 over the files' paths and bytes, in path order: what the runner caches a bundle by. */
export function hashFiles(dir: string, files: string[]): string {
  const hash = createHash("sha256");
  for (const file of files) {
    hash.update(file);
    hash.update("\0");
    hash.update(readFileSync(join(dir, file)));
    hash.update("\0");
  }
  return hash.digest("hex");
}

export interface PackedArtifact {
  /** The serialized Artifact document (what `PUT /api/v1/artifacts/:hash` takes). */
  bytes: Buffer;
  /** sha256 of `bytes`. */
  hash: string;
  size: number;
}

/** The artifact document for a build: its files (base64) and manifest, serialized deterministically. */
export function packArtifact(dir: string, files: string[], manifest: BuildManifest): PackedArtifact {
  const encoded: Record<string, string> = {};
  for (const file of [...files].sort()) encoded[file] = readFileSync(join(dir, file)).toString("base64");
  const document = Artifact.parse({ format: "gantry-artifact-v1", files: encoded, manifest });
  const bytes = Buffer.from(JSON.stringify(document), "utf8");
  return { bytes, hash: createHash("sha256").update(bytes).digest("hex"), size: bytes.length };
}
