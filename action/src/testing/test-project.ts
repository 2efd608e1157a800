import { cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { ACTION_DIR } from "../bundle/build-dist.js";

/** What a checked-out user repository has after `npm install`: @gantry/sdk and its dependencies. */
const PROJECT_PACKAGES = ["@gantry/sdk", "zod", "superjson"];

/**
 * A repository checkout in a temp folder (GITHUB_WORKSPACE) holding a fixture project from action/test/fixtures
 * at `subdir`, with its own node_modules linking the packages a user's install would bring (and esbuild, as
 * many projects have through their tools, when `withEsbuild`).
 */
export function makeWorkspace(fixture: string, subdir = ".", opts: { withEsbuild?: boolean } = {}): { workspace: string; projectDir: string } {
  const workspace = mkdtempSync(join(tmpdir(), "gantry-workspace-"));
  const projectDir = join(workspace, subdir);
  cpSync(join(ACTION_DIR, "test/fixtures", fixture), projectDir, { recursive: true });
  const require = createRequire(join(ACTION_DIR, "package.json"));
  for (const name of opts.withEsbuild ? [...PROJECT_PACKAGES, "esbuild"] : PROJECT_PACKAGES) {
    const target = packageDir(require, name);
    const link = join(projectDir, "node_modules", name);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(target, link, "dir");
  }
  return { workspace, projectDir };
}

/** The installed folder of a package (its exports may hide package.json from require.resolve). */
function packageDir(require: NodeJS.Require, name: string): string {
  for (const base of require.resolve.paths(name) ?? []) {
    if (existsSync(join(base, name, "package.json"))) return realpathSync(join(base, name));
  }
  throw new Error(`${name} is not installed: run npm install at the repository root`);
}
