import type { ApplicationFunction, Context } from "probot";
import type { GantryClient } from "./gantry-client.js";
import { readRepoSettings } from "./repo-settings.js";

type RepoPayload = { id: number; full_name: string; private?: boolean; default_branch?: string };
const repoRef = (r: RepoPayload) => ({ id: r.id, fullName: r.full_name, private: r.private ?? false, ...(r.default_branch ? { defaultBranch: r.default_branch } : {}) });

/**
 * The Gantry GitHub App: a pure `(app) => void` function. Webhooks are translated into calls on Gantry's api
 * (which owns the records and the build queue); what GitHub shows is written by the reporter (reporter/),
 * driven by the builds' state, never from here.
 */
export function gantryApp(deps: { gantry: GantryClient }): ApplicationFunction {
  const { gantry } = deps;
  return (app) => {
    app.on(["installation.created", "installation.new_permissions_accepted", "installation.unsuspend", "installation.suspend"], async (context) => {
      const p = context.payload;
      const account = p.installation.account as { login?: string; slug?: string; id: number } | null;
      await gantry.recordInstallation({
        installationId: p.installation.id,
        account: { login: account?.login ?? account?.slug ?? "unknown", id: account?.id ?? 0 },
        repositories: (p.repositories ?? []).map((r) => repoRef(r as RepoPayload)),
        suspended: p.action === "suspend",
      });
    });

    app.on("installation.deleted", async (context) => {
      await gantry.deleteInstallation(context.payload.installation.id);
    });

    app.on(["installation_repositories.added", "installation_repositories.removed"], async (context) => {
      const p = context.payload;
      await gantry.changeRepositories(p.installation.id, {
        added: p.repositories_added.map((r) => repoRef(r as RepoPayload)),
        removed: p.repositories_removed.flatMap((r) => (r.id === undefined ? [] : [{ id: r.id }])),
      });
    });

    app.on("push", async (context) => {
      const p = context.payload;
      if (!p.installation) return;
      const [owner, repo] = p.repository.full_name.split("/") as [string, string];
      const file = p.deleted ? {} : await readRepoSettings(context.octokit, owner, repo, p.after);
      await gantry.push({
        ...(file.settings ? { repoSettings: file.settings } : {}),
        ...(file.error ? { repoSettingsError: file.error } : {}),
        deliveryId: context.id,
        installationId: p.installation.id,
        repository: repoRef(p.repository as RepoPayload),
        ref: p.ref,
        before: p.before,
        after: p.after,
        deleted: p.deleted,
        headCommit: p.head_commit ? { message: p.head_commit.message, author: p.head_commit.author?.name } : null,
        sender: { login: p.sender?.login ?? "unknown", id: p.sender?.id ?? 0 },
      });
    });

    app.on(["pull_request.opened", "pull_request.synchronize", "pull_request.reopened", "pull_request.closed"], async (context) => {
      const p = context.payload;
      if (!p.installation) return;
      const pr = p.pull_request;
      const headRepo = pr.head.repo as { full_name: string; owner: { login: string } } | null;
      const fork = headRepo !== null && headRepo.full_name.toLowerCase() !== p.repository.full_name.toLowerCase();
      // a fork's file is not trusted for settings: the base repository's decides
      const [owner, repo] = p.repository.full_name.split("/") as [string, string];
      const file = p.action === "closed" ? {} : await readRepoSettings(context.octokit, owner, repo, fork ? pr.base.ref : pr.head.sha);
      await gantry.pullRequest({
        ...(file.settings ? { repoSettings: file.settings } : {}),
        ...(file.error ? { repoSettingsError: file.error } : {}),
        deliveryId: context.id,
        installationId: p.installation.id,
        repository: repoRef(p.repository as RepoPayload),
        action: p.action as "opened" | "synchronize" | "reopened" | "closed",
        number: pr.number,
        title: pr.title,
        url: pr.html_url,
        headRef: pr.head.ref,
        headSha: pr.head.sha,
        baseRef: pr.base.ref,
        forkOwner: fork ? headRepo.owner.login : null,
        merged: pr.merged ?? false,
        sender: { login: p.sender.login, id: p.sender.id },
      });
    });

    app.on(["check_run.rerequested", "check_run.requested_action"], async (context) => {
      const p = context.payload;
      if (!p.installation) return;
      if (p.action === "requested_action" && p.requested_action?.identifier === "authorize") {
        await memberAction(context, () => gantry.authorize(p.check_run.id, { deliveryId: context.id, installationId: p.installation!.id, sender: { login: p.sender.login, id: p.sender.id }, ...buildIdOf(p.check_run) }));
        return;
      }
      if (p.action === "requested_action" && p.requested_action?.identifier === "promote") {
        await memberAction(context, () => gantry.promote(p.check_run.id, { deliveryId: context.id, installationId: p.installation!.id, sender: { login: p.sender.login, id: p.sender.id }, ...buildIdOf(p.check_run) }));
        return;
      }
      if (p.action === "requested_action" && p.requested_action?.identifier !== "redeploy") return;
      await memberAction(context, () => gantry.redeploy(p.check_run.id, { deliveryId: context.id, installationId: p.installation!.id, sender: { login: p.sender.login, id: p.sender.id }, ...buildIdOf(p.check_run) }));
    });

    app.on("check_suite.rerequested", async (context) => {
      const p = context.payload;
      if (!p.installation) return;
      await memberAction(context, () =>
        gantry.redeployCommit({ deliveryId: context.id, installationId: p.installation!.id, repositoryId: p.repository.id, sha: p.check_suite.head_sha, sender: { login: p.sender.login, id: p.sender.id } }),
      );
    });
  };
}

/** Gantry sets a check run's external_id to its build id. */
function buildIdOf(checkRun: { external_id?: string | null }): { buildId?: string } {
  return checkRun.external_id?.startsWith("ghb_") ? { buildId: checkRun.external_id } : {};
}

/** Redeploy / Authorize: the api checks the sender is a project member. A refusal is final, not retried. */
async function memberAction(context: Context<"check_run" | "check_suite">, action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 403 || status === 404 || status === 409) {
      context.log.warn(`${context.name}: ${(error as Error).message}`);
      return;
    }
    throw error;
  }
}
