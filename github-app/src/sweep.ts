import { randomUUID } from "node:crypto";
import type { Probot } from "probot";
import type { GantryClient } from "./gantry-client.js";
import { honourSecondaryRateLimits } from "./rate-limits.js";
import { readRepoSettings } from "./repo-settings.js";

type Pull = { number: number; title: string; html_url: string; state: string; merged_at: string | null; head: { ref: string; sha: string; repo: { full_name: string; owner?: { login: string } } | null }; base: { ref: string }; user: { login: string; id?: number } | null };

/**
 * Catches up what webhooks missed: for every connected repository, the head of the production and staging
 * branches and every open pull request are built unless already built, and pull requests Gantry believes open
 * but GitHub has closed are archived. Safe to run any time (the api skips commits already built).
 */
export async function sweepRepositories(probot: Probot, gantry: GantryClient): Promise<{ checked: number }> {
  const { targets } = await gantry.sweepTargets();
  for (const target of targets) {
    const [owner, repo] = target.repository.fullName.split("/") as [string, string];
    const octokit = honourSecondaryRateLimits(await probot.auth(target.installationId));
    const sender = { login: "gantry-sweep", id: 0 };
    for (const branch of [target.productionBranch, target.stagingBranch]) {
      if (!branch) continue;
      const found = await octokit.request("GET /repos/{owner}/{repo}/branches/{branch}", { owner, repo, branch }).catch(() => undefined);
      if (!found) continue;
      const commit = found.data.commit as { sha: string; commit?: { message?: string } };
      const file = await readRepoSettings(octokit, owner, repo, commit.sha);
      await gantry.push({
        ...(file.settings ? { repoSettings: file.settings } : {}),
        ...(file.error ? { repoSettingsError: file.error } : {}),
        deliveryId: `sweep-${randomUUID()}`,
        installationId: target.installationId,
        repository: target.repository,
        ref: `refs/heads/${branch}`,
        before: "0".repeat(40),
        after: commit.sha,
        headCommit: { message: commit.commit?.message ?? "" },
        sender,
        ifNotBuilt: true,
      });
    }
    const { data: open } = (await octokit.request("GET /repos/{owner}/{repo}/pulls", { owner, repo, state: "open", per_page: 100 })) as { data: Pull[] };
    const seen = new Set<number>();
    const report = async (pr: Pull, action: "synchronize" | "closed") => {
      const fork = pr.head.repo !== null && pr.head.repo.full_name.toLowerCase() !== target.repository.fullName.toLowerCase();
      const file = action === "closed" ? {} : await readRepoSettings(octokit, owner, repo, fork ? pr.base.ref : pr.head.sha);
      await gantry.pullRequest({
        ...(file.settings ? { repoSettings: file.settings } : {}),
        ...(file.error ? { repoSettingsError: file.error } : {}),
        deliveryId: `sweep-${randomUUID()}`,
        installationId: target.installationId,
        repository: target.repository,
        action,
        number: pr.number,
        title: pr.title,
        url: pr.html_url,
        headRef: pr.head.ref,
        headSha: pr.head.sha,
        baseRef: pr.base.ref,
        forkOwner: fork ? (pr.head.repo?.full_name.split("/")[0] ?? null) : null,
        merged: pr.merged_at !== null,
        sender: { login: pr.user?.login ?? "gantry-sweep", id: pr.user?.id ?? 0 },
        ifNotBuilt: true,
      });
    };
    for (const pr of open) {
      seen.add(pr.number);
      await report(pr, "synchronize");
    }
    for (const number of target.openPullRequests) {
      if (seen.has(number)) continue;
      const { data: pr } = (await octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", { owner, repo, pull_number: number })) as { data: Pull };
      if (pr.state === "closed") await report(pr, "closed");
    }
  }
  return { checked: targets.length };
}
