import { execFileSync } from "node:child_process";
import type { GitMeta } from "@gantry/sdk/contracts";

function git(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { cwd, stdio: ["ignore", "pipe", "ignore"], encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Git metadata of the project folder for the deployment record (empty outside a repository or without git). */
export function readGitMeta(cwd: string): GitMeta {
  const commitSha = git(cwd, ["rev-parse", "HEAD"]);
  if (!commitSha) return {};
  const status = git(cwd, ["status", "--porcelain"]);
  return {
    commitSha,
    commitMessage: git(cwd, ["log", "-1", "--pretty=%s"]),
    commitRef: git(cwd, ["rev-parse", "--abbrev-ref", "HEAD"]),
    authorName: git(cwd, ["log", "-1", "--pretty=%an"]),
    remoteUrl: git(cwd, ["config", "--get", "remote.origin.url"]),
    dirty: status !== undefined,
    provider: "cli",
  };
}

/** The current branch (for preview deploys): GitHub Actions' head ref, else git's. */
export function detectBranch(cwd: string, env: Record<string, string | undefined>): string | undefined {
  if (env.GITHUB_HEAD_REF) return env.GITHUB_HEAD_REF;
  if (env.GITHUB_REF_NAME && env.GITHUB_REF_TYPE === "branch") return env.GITHUB_REF_NAME;
  const ref = git(cwd, ["rev-parse", "--abbrev-ref", "HEAD"]);
  return ref && ref !== "HEAD" ? ref : undefined;
}
