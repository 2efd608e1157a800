import type { GitHubBuild, GitHubConnection } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import type { BuildRow } from "./queries/builds.js";
import type { ConnectionRow } from "./queries/connections.js";

export function toGitHubBuild(deps: ApiDeps, b: BuildRow, runs: Array<{ id: string; task_identifier: string; status: string }> = []): GitHubBuild {
  const base = `${deps.config.publicUrl}/projects/${b.project_ref}`;
  return {
    id: b.id,
    status: b.status,
    projectRef: b.project_ref,
    repository: b.repository,
    installationId: b.installation_id,
    environment: b.environment_slug,
    branch: b.branch_name,
    gitRef: b.git_ref,
    sha: b.sha,
    commitMessage: b.commit_message,
    pullRequest:
      b.pull_request_number !== null && b.pr_url !== null
        ? { number: b.pull_request_number, title: b.pr_title ?? "", url: b.pr_url, state: b.pr_state ?? "open", commentId: b.pr_comment_id }
        : null,
    fromFork: b.from_fork,
    awaitingApproval: b.awaiting_approval,
    deploymentId: b.deployment_id,
    version: b.version,
    tasks: b.tasks,
    error: b.error,
    archived: b.branch_archived,
    supersededBy: b.superseded_by,
    dashboardUrl: b.deployment_short_code ? `${base}/deployments/${b.deployment_short_code}` : `${base}/deployments`,
    logsUrl: `${deps.config.publicUrl}/api/v1/projects/${b.project_ref}/github/builds/${b.id}/logs`,
    createdAt: b.created_at,
    startedAt: b.started_at,
    finishedAt: b.finished_at,
    github: { checkRunId: b.check_run_id, deploymentId: b.github_deployment_id },
    recentRuns: runs.map((r) => ({ id: r.id, taskIdentifier: r.task_identifier, status: r.status, url: `${base}/runs/${r.id}` })),
  };
}

export function toGitHubConnection(c: ConnectionRow): GitHubConnection {
  return {
    id: c.id,
    projectRef: c.project_ref,
    repository: c.repository,
    repositoryId: c.repository_id,
    installationId: c.installation_id,
    productionBranch: c.production_branch ?? c.default_branch ?? "main",
    stagingBranch: c.staging_branch,
    previews: c.previews,
    maxActivePreviews: c.max_active_previews,
    configPath: c.config_path,
    rootDir: c.root_dir,
    installCommand: c.install_command,
    preBuildCommand: c.pre_build_command,
    createdAt: c.created_at,
  };
}
