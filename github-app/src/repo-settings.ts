import { parse } from "yaml";
import { GitHubRepoSettings } from "@gantry/sdk/contracts";

export const REPO_SETTINGS_FILE = ".github/gantry.yml";

interface ContentsOctokit {
  request(route: string, params: Record<string, unknown>): Promise<{ data: any }>;
}

/**
 * The settings committed in the repository at `ref` (`.github/gantry.yml`), for the decisions taken when an
 * event arrives (which branches build, previews on/off). `{}` when there is no file; `{ error }` naming the file
 * and field when it is invalid, so the build fails with the fix instead of silently using defaults.
 */
export async function readRepoSettings(octokit: ContentsOctokit, owner: string, repo: string, ref: string): Promise<{ settings?: GitHubRepoSettings; error?: string }> {
  let content: string;
  try {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/contents/{path}", { owner, repo, path: REPO_SETTINGS_FILE, ref });
    if (data?.type !== "file" || typeof data.content !== "string") return {};
    content = Buffer.from(data.content, "base64").toString("utf8");
  } catch (error) {
    if ((error as { status?: number }).status === 404) return {};
    throw error;
  }
  let raw: unknown;
  try {
    raw = parse(content) ?? {};
  } catch (error) {
    return { error: `${REPO_SETTINGS_FILE} is not valid YAML: ${(error as Error).message}` };
  }
  const parsed = GitHubRepoSettings.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { error: `${REPO_SETTINGS_FILE}: ${issue.path.join(".") || "(root)"}: ${issue.message}` };
  }
  return { settings: parsed.data };
}
