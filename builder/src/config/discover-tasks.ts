import { readdirSync, existsSync, statSync } from "node:fs";
import { basename, join, relative, sep } from "node:path";
import { glob } from "tinyglobby";

const SKIP_DIRS = new Set(["node_modules", ".git", ".gantry", "dist", "build", ".next", "coverage"]);
const TASK_FILE_GLOB = "**/*.{ts,tsx,mts,cts,js,jsx,mjs,cjs}";
const DEFAULT_IGNORES = ["**/*.test.*", "**/*.spec.*", "**/*.d.ts", "**/*.d.mts", "**/*.d.cts", "**/node_modules/**"];

/** Folders named `trigger` under the project root (the reference's auto-detection), else ["src/trigger"]. */
export function discoverTaskDirs(rootDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || SKIP_DIRS.has(entry.name) || entry.name.startsWith(".")) continue;
      const full = join(dir, entry.name);
      if (entry.name === "trigger") found.push(relative(rootDir, full).split(sep).join("/"));
      else walk(full, depth + 1);
    }
  };
  walk(rootDir, 0);
  return found.length > 0 ? found.sort() : ["src/trigger"];
}

/**
 * Task files under `dirs` (paths relative to the root, "/" separators): every TS/JS file except tests, specs
 * and declarations; `init.*` files at the root of a task folder come first, the rest in path order.
 */
export async function discoverTaskFiles(rootDir: string, dirs: string[], ignorePatterns: string[] = []): Promise<string[]> {
  const files = new Set<string>();
  const inits: string[] = [];
  for (const dir of dirs) {
    const abs = join(rootDir, dir);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) continue;
    const matches = await glob(TASK_FILE_GLOB, { cwd: abs, ignore: [...DEFAULT_IGNORES, ...ignorePatterns], onlyFiles: true });
    for (const match of matches.sort()) {
      const rel = join(dir, match).split(sep).join("/").replace(/^\.\//, "");
      const isInit = !match.includes("/") && /^init\.(ts|tsx|mts|js|mjs|jsx)$/.test(basename(match));
      if (isInit) inits.push(rel);
      else files.add(rel);
    }
  }
  return [...inits, ...[...files].filter((f) => !inits.includes(f)).sort()];
}
