import type { ApiDeps } from "../context.js";
import { notFound } from "../errors.js";
import { requireProjectMember } from "../projects/service.js";
import { selectBuildLogTail, selectDeploymentLogSource, selectInstalledRepositories, selectRecentBuilds, type BuildSummaryRow } from "./queries/github.js";
import { selectConnectionByProject } from "../github/queries/connections.js";
import { selectOrgRole } from "../github/queries/members.js";

const FINAL = new Set(["DEPLOYED", "FAILED", "CANCELED", "TIMED_OUT"]);
const MAX_LOG_CHUNK = 256 * 1024;

function presentBuild(b: BuildSummaryRow) {
  return {
    id: b.id,
    environment: b.environment_slug,
    branchName: b.branch_name,
    trigger: b.trigger,
    ref: b.git_ref,
    sha: b.sha,
    commitMessage: b.commit_message,
    pullRequestNumber: b.pull_request_number,
    status: b.status,
    awaitingApproval: b.awaiting_approval,
    deploymentId: b.deployment_id,
    version: b.version,
    error: b.error?.message ?? null,
    logBytes: b.logs_length,
    createdAt: b.created_at,
    startedAt: b.started_at,
    finishedAt: b.finished_at,
  };
}

/**
 * The GitHub page: the project's connection (repository, tracked branches, build settings), the repositories
 * the App is installed on that it could connect, whether this user may change it, and the latest builds.
 */
export async function githubOverview(deps: ApiDeps, userId: string, projectRef: string) {
  const project = await requireProjectMember(deps, userId, projectRef);
  const [connection, repositories, builds, role] = await Promise.all([
    selectConnectionByProject(deps.sql, project.id),
    selectInstalledRepositories(deps.sql),
    selectRecentBuilds(deps.sql, project.id, 20),
    selectOrgRole(deps.sql, project.organization_id, userId),
  ]);
  return {
    canEdit: role === "ADMIN",
    connection: connection
      ? {
          repository: connection.repository,
          defaultBranch: connection.default_branch,
          productionBranch: connection.production_branch,
          stagingBranch: connection.staging_branch,
          previews: connection.previews,
          maxActivePreviews: connection.max_active_previews,
          configPath: connection.config_path,
          rootDir: connection.root_dir,
          installCommand: connection.install_command,
          preBuildCommand: connection.pre_build_command,
          usable: connection.usable,
          createdAt: connection.created_at,
        }
      : null,
    repositories: repositories
      .filter((r) => r.connected_project_id === null || r.connected_project_id === project.id)
      .map((r) => ({ fullName: r.full_name, defaultBranch: r.default_branch, private: r.private })),
    builds: builds.map(presentBuild),
  };
}

/** A build's log from `offset` on (poll with the returned `nextOffset` until `final`). */
export async function buildLogTail(deps: ApiDeps, userId: string, projectRef: string, buildId: string, offset: number) {
  const project = await requireProjectMember(deps, userId, projectRef);
  const row = await selectBuildLogTail(deps.sql, project.id, buildId, offset);
  if (!row) throw notFound(`GitHub build ${buildId} not found in project ${projectRef}`, "buildId");
  const chunk = row.chunk.slice(0, MAX_LOG_CHUNK);
  const nextOffset = Math.min(offset, row.logs_length) + chunk.length;
  return { build: presentBuild(row), logs: chunk, offset, nextOffset, final: FINAL.has(row.status) && nextOffset >= row.logs_length };
}

/** A deployment's build log: its GitHub build's (live while building), else the log the deploy recorded. */
export async function deploymentLogs(deps: ApiDeps, userId: string, projectRef: string, deploymentId: string, offset: number) {
  const project = await requireProjectMember(deps, userId, projectRef);
  const source = await selectDeploymentLogSource(deps.sql, project.id, deploymentId);
  if (!source) throw notFound(`Deployment ${deploymentId} not found in project ${projectRef}`, "deploymentId");
  if (source.build_id) return { source: "github" as const, ...(await buildLogTail(deps, userId, projectRef, source.build_id, offset)) };
  const chunk = source.build_logs.slice(offset, offset + MAX_LOG_CHUNK);
  const nextOffset = Math.min(offset, source.build_logs.length) + chunk.length;
  return { source: "deploy" as const, logs: chunk, offset, nextOffset, final: FINAL.has(source.status) && nextOffset >= source.build_logs.length };
}
