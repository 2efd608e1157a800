import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { detectInstallCommand } from "./commands.js";
import { mergeRepoSettings } from "./repo-settings.js";

const dirs: string[] = [];
function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "gantry-settings-"));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const none = { configPath: null, rootDir: null, installCommand: null, preBuildCommand: null };

describe(".github/gantry.yml", () => {
  it("fills build settings the connection leaves unset; the connection's own win", () => {
    const dir = repo({ ".github/gantry.yml": "rootDir: apps/tasks\npreBuildCommand: npm run codegen\ninstallCommand: pnpm i\n" });
    const merged = mergeRepoSettings(dir, { ...none, installCommand: "npm ci" }, () => {});
    expect(merged).toMatchObject({ rootDir: "apps/tasks", preBuildCommand: "npm run codegen", installCommand: "npm ci" });
  });

  it("names the file and the field when a setting is invalid", () => {
    const dir = repo({ ".github/gantry.yml": "previews: maybe\n" });
    expect(() => mergeRepoSettings(dir, none, () => {})).toThrow(/\.github\/gantry\.yml: previews/);
  });

  it("is optional", () => {
    expect(mergeRepoSettings(repo({}), none, () => {})).toEqual(none);
  });
});

describe("install command detection", () => {
  it("follows the lockfile", () => {
    expect(detectInstallCommand(repo({ "package-lock.json": "{}" }))).toBe("npm ci");
    expect(detectInstallCommand(repo({ "pnpm-lock.yaml": "" }))).toBe("pnpm install --frozen-lockfile");
    expect(detectInstallCommand(repo({ "yarn.lock": "" }))).toBe("yarn install --frozen-lockfile");
    expect(detectInstallCommand(repo({ "package.json": "{}" }))).toBeNull();
  });
});
