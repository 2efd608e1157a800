import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, normalize, sep } from "node:path";
import { Artifact, BuildManifest } from "@gantry/sdk/contracts";

export type CachedArtifact = { dir: string; manifest: BuildManifest };

/** The artifact could not be fetched, verified or unpacked: the attempt cannot run on this runner. */
export class ArtifactError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ArtifactError";
  }
}

const MANIFEST_FILE = ".gantry-manifest.json";
const HASH = /^[A-Za-z0-9_-]{8,128}$/;

/**
 * Bundles on disk by content hash: `<cacheDir>/<hash>/`. A missing one is fetched, its sha256 checked against
 * the hash, unpacked into a temporary directory and renamed into place, so a reader never sees half a bundle
 * and concurrent runners (or attempts) fetching the same hash cannot corrupt each other.
 */
export class ArtifactCache {
  private readonly known = new Map<string, Promise<CachedArtifact>>();

  constructor(
    private readonly cacheDir: string,
    private readonly fetchArtifact: (hash: string) => Promise<Buffer>,
  ) {}

  get(hash: string): Promise<CachedArtifact> {
    if (!HASH.test(hash)) return Promise.reject(new ArtifactError(`invalid artifact hash ${JSON.stringify(hash)}`));
    let entry = this.known.get(hash);
    if (!entry) {
      entry = this.load(hash);
      this.known.set(hash, entry);
      entry.catch(() => this.known.delete(hash));
    }
    return entry;
  }

  private async load(hash: string): Promise<CachedArtifact> {
    const dir = join(this.cacheDir, hash);
    const existing = await readManifest(dir);
    if (existing) return { dir, manifest: existing };

    let bytes: Buffer;
    try {
      bytes = await this.fetchArtifact(hash);
    } catch (cause) {
      throw new ArtifactError(`could not download artifact ${hash}: ${(cause as Error).message}`, { cause });
    }
    if (/^[0-9a-f]{64}$/.test(hash)) {
      const actual = createHash("sha256").update(bytes).digest("hex");
      if (actual !== hash) throw new ArtifactError(`artifact ${hash} failed verification: its sha256 is ${actual}`);
    }
    let artifact: Artifact;
    try {
      artifact = Artifact.parse(JSON.parse(bytes.toString("utf8")));
    } catch (cause) {
      throw new ArtifactError(`artifact ${hash} is not a gantry-artifact-v1 document: ${(cause as Error).message}`, { cause });
    }

    await mkdir(this.cacheDir, { recursive: true, mode: 0o755 });
    const tmp = join(this.cacheDir, `.tmp-${hash}-${randomBytes(4).toString("hex")}`);
    try {
      for (const [path, base64] of Object.entries(artifact.files)) {
        const target = join(tmp, safeRelative(path, hash));
        await mkdir(dirname(target), { recursive: true, mode: 0o755 });
        await writeFile(target, Buffer.from(base64, "base64"), { mode: 0o644 });
      }
      await writeFile(join(tmp, MANIFEST_FILE), JSON.stringify(artifact.manifest), { mode: 0o644 });
      await rename(tmp, dir).catch(async (err: NodeJS.ErrnoException) => {
        // Another runner or attempt unpacked the same hash first: theirs is identical, keep it.
        if (err.code !== "ENOTEMPTY" && err.code !== "EEXIST") throw err;
        await rm(tmp, { recursive: true, force: true });
      });
    } catch (cause) {
      await rm(tmp, { recursive: true, force: true });
      throw new ArtifactError(`could not unpack artifact ${hash} into ${this.cacheDir}: ${(cause as Error).message}: check GANTRY_RUNNER_CACHE_DIR is writable`, { cause });
    }
    return { dir, manifest: artifact.manifest };
  }
}

async function readManifest(dir: string): Promise<BuildManifest | undefined> {
  try {
    return BuildManifest.parse(JSON.parse(await readFile(join(dir, MANIFEST_FILE), "utf8")));
  } catch {
    return undefined;
  }
}

function safeRelative(path: string, hash: string): string {
  const normalized = normalize(path);
  if (isAbsolute(normalized) || normalized.split(sep).includes("..") || normalized === MANIFEST_FILE) {
    throw new ArtifactError(`artifact ${hash} holds a file outside its root: ${path}`);
  }
  return normalized;
}
