import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { GitHubRepoSettings } from "@gantry/sdk/contracts";

export const REPO_SETTINGS_FILE = ".github/gantry.yml";

/**
 * The build settings committed in the repository (`.github/gantry.yml`: configPath, rootDir, installCommand,
 * preBuildCommand), filling what the connection's settings leave unset. Throws a message naming the file and
 * the field when it is invalid.
 */
export function mergeRepoSettings(repoDir: string, connection: GitHubRepoSettings, log: (line: string) => void): GitHubRepoSettings {
  const file = join(repoDir, REPO_SETTINGS_FILE);
  if (!existsSync(file)) return connection;
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, "utf8")) ?? {};
  } catch (error) {
    throw new Error(`${REPO_SETTINGS_FILE} is not valid YAML: ${(error as Error).message}`);
  }
  const parsed = GitHubRepoSettings.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`${REPO_SETTINGS_FILE}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  log(`Using build settings from ${REPO_SETTINGS_FILE}`);
  const fromFile = parsed.data;
  return {
    ...connection,
    configPath: connection.configPath ?? fromFile.configPath ?? null,
    rootDir: connection.rootDir ?? fromFile.rootDir ?? null,
    installCommand: connection.installCommand ?? fromFile.installCommand ?? null,
    preBuildCommand: connection.preBuildCommand ?? fromFile.preBuildCommand ?? null,
  };
}
