import type { ApiDeps } from "../context.js";
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
