import * as core from "@actions/core";
import type { DeploymentInfo } from "@gantry/sdk/contracts";
import { runUrl, type GithubContext } from "./github-context.js";

/** What command archive did: archived, or found nothing to archive (with the api's reason). */
export type ArchiveOutcome = { archived: true; branch: string; archivedAt: Date } | { archived: false; branch: string; reason: string };

/** The job summary of a deploy: version, environment, tasks, and a link to the deployment on the dashboard. */
export async function writeDeploySummary(deployment: DeploymentInfo, opts: { ctx: GithubContext; promoted: boolean }): Promise<void> {
  const env = environmentLabel(deployment);
  const summary = core.summary
    .addHeading(`Gantry: deployed version ${deployment.version} to ${env}`, 2)
    .addTable([
      [th("Version"), th("Environment"), th("Status"), th("Tasks"), th("Commit")],
      [
        code(deployment.version),
        env,
        `${deployment.status}${opts.promoted ? "" : " (not promoted)"}`,
        String(deployment.tasks.length),
        deployment.git?.commitSha ? code(deployment.git.commitSha.slice(0, 7)) : "-",
      ],
    ]);
  if (deployment.tasks.length > 0) {
    summary.addDetails(`Tasks (${deployment.tasks.length})`, deployment.tasks.map((t) => `<code>${escape(t.id)}</code> ${escape(t.filePath)}`).join("<br>"));
  }
  summary.addRaw(`<p><a href="${escape(deployment.dashboardUrl)}">Open the deployment on the dashboard</a></p>`, true);
  if (!opts.promoted) {
    summary.addRaw(`<p>Not promoted: runs keep using the current version until <code>command: promote</code> with <code>version: ${escape(deployment.version)}</code>.</p>`, true);
  }
  await write(summary, opts.ctx);
}

export async function writePromoteSummary(deployment: DeploymentInfo, opts: { ctx: GithubContext }): Promise<void> {
  const summary = core.summary
    .addHeading(`Gantry: promoted version ${deployment.version} in ${environmentLabel(deployment)}`, 2)
    .addRaw(`<p>New runs now use version <code>${escape(deployment.version)}</code>. <a href="${escape(deployment.dashboardUrl)}">Open it on the dashboard</a></p>`, true);
  await write(summary, opts.ctx);
}

export async function writeArchiveSummary(outcome: ArchiveOutcome, opts: { ctx: GithubContext; projectRef: string }): Promise<void> {
  const summary = outcome.archived
    ? core.summary
        .addHeading(`Gantry: archived preview branch ${outcome.branch}`, 2)
        .addRaw(`<p>Project <code>${escape(opts.projectRef)}</code>: the branch can no longer be triggered; its runs and deployments stay on the dashboard.</p>`, true)
    : core.summary.addHeading(`Gantry: preview branch ${outcome.branch} was not archived`, 2).addRaw(`<p>${escape(outcome.reason)}</p>`, true);
  await write(summary, opts.ctx);
}

/** On failure the summary carries the error too, so it is found without opening the log. */
export async function writeFailureSummary(message: string, location: { file: string; line: number } | undefined, ctx: GithubContext): Promise<void> {
  const summary = core.summary.addHeading("Gantry: failed", 2);
  if (location) summary.addRaw(`<p>At <code>${escape(location.file)}:${location.line}</code></p>`, true);
  summary.addCodeBlock(message);
  const url = runUrl(ctx);
  if (url) summary.addRaw(`<p><a href="${escape(url)}">Workflow run</a></p>`, true);
  await write(summary, ctx);
}

/** Outside the Actions runner (no GITHUB_STEP_SUMMARY) a summary is skipped rather than failing the deploy. */
async function write(summary: typeof core.summary, ctx: GithubContext): Promise<void> {
  if (!ctx.stepSummaryPath) {
    summary.emptyBuffer();
    return;
  }
  await summary.write();
}

function environmentLabel(deployment: DeploymentInfo): string {
  return deployment.environment.branchName ? `${deployment.environment.slug} (branch ${deployment.environment.branchName})` : deployment.environment.slug;
}

function th(data: string) {
  return { data, header: true };
}

function code(text: string): string {
  return `<code>${escape(text)}</code>`;
}

function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
