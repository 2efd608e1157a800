import { readdir, stat } from "node:fs/promises";
import { join, resolve } from "node:path";

const FILE_RE = /^[a-z0-9][a-z0-9._-]*\.tgz$/;

/**
 * The tarball for `file` in `dir`: the file itself, or for a stable alias like `gantry-sdk.tgz` the newest
 * `gantry-sdk-<version>.tgz` (highest version). Undefined when there is none.
 */
export async function resolvePackageFile(dir: string, file: string): Promise<string | undefined> {
  if (!FILE_RE.test(file)) return undefined;
  const root = resolve(dir);
  const exact = join(root, file);
  if (await isFile(exact)) return exact;
  const base = file.slice(0, -".tgz".length);
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return undefined;
  }
  const versioned = names
    .map((name) => ({ name, version: name.startsWith(`${base}-`) && name.endsWith(".tgz") ? name.slice(base.length + 1, -4) : undefined }))
    .filter((n): n is { name: string; version: string } => n.version !== undefined && /^\d+\.\d+\.\d+/.test(n.version))
    .sort((a, b) => compareVersions(b.version, a.version));
  return versioned[0] && join(root, versioned[0].name);
}

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const pb = b.split(/[.-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    if (x === undefined) return 1; // 1.0.0 > 1.0.0-rc
    if (y === undefined) return -1;
    if (typeof x === "number" && typeof y === "number") return x - y;
    return String(x).localeCompare(String(y));
  }
  return 0;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
