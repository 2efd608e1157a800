import type { ApiDeps, AuthContext } from "../context.js";
import { forbidden, notFound } from "../errors.js";
import { requireProjectMember } from "../projects/service.js";
import { selectConnectionByProject } from "./queries/connections.js";
import { invalidateAuthCaches } from "../auth/environment-cache.js";
import { cancelRun } from "../runs/cancel.js";
import { cancelPendingBuildsOfLane, selectLatestBuildOfLane } from "./queries/builds.js";
import { archiveEnvironment, selectBranchEnvironmentId, selectLiveRunIds } from "./queries/environments.js";
import { enqueueReports } from "./queues.js";

export function previewLane(connectionId: string, branch: string): string {
  return `${connectionId}:preview:${branch}`;
}

/**
 * Archives a preview branch (a closed or merged pull request, `gantry preview archive`): the environment is
 * archived (triggering it is then refused), its live runs are canceled, its queued builds too, and GitHub is
 * told (the deployment goes inactive, the PR comment says so). Safe to call again.
 */
export async function archivePreviewBranch(deps: ApiDeps, opts: { projectId: string; branch: string; connectionId?: string }): Promise<{ archived: boolean; canceledRuns: number }> {
  const env = await selectBranchEnvironmentId(deps.sql, opts.projectId, opts.branch);
  let archived = false;
  let canceledRuns = 0;
  if (env) {
    archived = await archiveEnvironment(deps.sql, env.id);
    invalidateAuthCaches(deps);
    for (const runId of await selectLiveRunIds(deps.sql, env.id)) {
      await cancelRun(deps, env.id, runId).catch(() => undefined);
      canceledRuns++;
    }
  }
  if (opts.connectionId) {
    const lane = previewLane(opts.connectionId, opts.branch);
    const canceled = await cancelPendingBuildsOfLane(deps.sql, lane, "The pull request was closed");
    const latest = await selectLatestBuildOfLane(deps.sql, lane);
    await enqueueReports(deps, [...new Set([...canceled, ...(latest ? [latest.id] : [])])]);
  }
  return { archived, canceledRuns };
}

/**
 * `gantry preview archive` and the dashboard: archive a preview branch of a project, as a closed pull request does
 * (GitHub is told when the project has a connected repository). A personal access token of a member, or the
 * project's preview secret key.
 */
export async function archiveBranchFor(
  deps: ApiDeps,
  auth: AuthContext,
  projectRef: string,
  branch: string,
): Promise<{ id: string; branchName: string; archivedAt: Date | null; archived: boolean; canceledRuns: number }> {
  let projectId: string;
  if (auth.kind === "user") {
    projectId = (await requireProjectMember(deps, auth.userId, projectRef)).id;
  } else if (auth.kind === "environment" && auth.via === "secretKey" && auth.environment.type === "PREVIEW" && auth.environment.projectRef === projectRef) {
    projectId = auth.environment.projectId;
  } else {
    throw forbidden(`Archive a preview branch of ${projectRef} with a personal access token of a member or the project's preview secret key`);
  }
  const env = await selectBranchEnvironmentId(deps.sql, projectId, branch);
  if (!env) throw notFound(`Preview branch "${branch}" not found in project ${projectRef}`, "branch");
  const conn = await selectConnectionByProject(deps.sql, projectId);
  const result = await archivePreviewBranch(deps, { projectId, branch, connectionId: conn?.id });
  const after = await selectBranchEnvironmentId(deps.sql, projectId, branch);
  return { id: env.id, branchName: branch, archivedAt: after?.archived_at ?? null, ...result };
}
