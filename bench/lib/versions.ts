import { readFileSync } from "node:fs";

const ROOT = new URL("../../", import.meta.url);

/** The installed version of a root dependency (read from its package.json, which `exports` may hide from import). */
export function installedVersion(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, ROOT), "utf8")) as { version?: string };
    return pkg.version ?? "?";
  } catch {
    return "?";
  }
}
