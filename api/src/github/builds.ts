import type { z } from "zod";
import type { BuildClaimResponse, BuildGitHubRefsBody, BuildStatusBody, ClaimBuildBody, GitHubBuild } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { decrypt } from "../crypto/encryption.js";
import { ApiError, notFound } from "../errors.js";
import { resolveEnvVars } from "../envvars/service.js";
import { requireProjectMember } from "../projects/service.js";
import { claimBuild, selectBuild, selectBuildLogs, setBuildGitHubRefs, updateBuildStatus, type BuildRow } from "./queries/builds.js";
import { selectConnectionById } from "./queries/connections.js";
import { selectBranchEnvironmentId, selectEnvironmentKey } from "./queries/environments.js";
import { setPullRequestComment } from "./queries/pull-requests.js";
import { toGitHubBuild } from "./present.js";
import { selectRecentRuns } from "./queries/run-reports.js";
import { enqueueReports } from "./queues.js";

const BUILD_VAR_PREFIX = "GANTRY_BUILD_";

async function requireBuild(deps: ApiDeps, id: string): Promise<BuildRow> {
  const row = await selectBuild(deps.sql, id);
  if (!row) throw notFound(`GitHub build ${id} not found`, "buildId");
  return row;
}

/** A build as the reporter shows it; a pull request's build carries the latest runs on its version. */
export async function getBuild(deps: ApiDeps, id: string): Promise<GitHubBuild> {
  const row = await requireBuild(deps, id);
  const runs = row.pull_request_number !== null && row.deployment_id ? await selectRecentRuns(deps.sql, row.deployment_id, 5) : [];
  return toGitHubBuild(deps, row, runs);
}

/** A project member reads a build's log (the check run's and PR comment's log link). */
export async function getBuildLogsForMember(deps: ApiDeps, userId: string, projectRef: string, id: string): Promise<string> {
  const project = await requireProjectMember(deps, userId, projectRef);
  const row = await requireBuild(deps, id);
  if (row.project_id !== project.id) throw notFound(`GitHub build ${id} not found in project ${projectRef}`, "buildId");
  return getBuildLogs(deps, id);
}

export async function getBuildLogs(deps: ApiDeps, id: string): Promise<string> {
  const logs = await selectBuildLogs(deps.sql, id);
  if (logs === undefined) throw notFound(`GitHub build ${id} not found`, "buildId");
  return logs;
}

/**
 * The build worker takes a build: PENDING → BUILDING, one build per lane at a time. It gets what it needs to
 * deploy: the target environment's secret key, the repository's settings and the GANTRY_BUILD_* variables
 * (prefix stripped; none for pull requests from forks, which build without secrets).
 */
export async function claimGitHubBuild(deps: ApiDeps, id: string, body: z.infer<typeof ClaimBuildBody>): Promise<BuildClaimResponse> {
  const row = await requireBuild(deps, id);
  const { abandoned, ...claim } = await claimBuild(deps.sql, id, row.lane, body.staleAfterMs);
  await enqueueReports(deps, abandoned);
  if (claim.outcome !== "claimed") return claim;
  await enqueueReports(deps, [id]);
  const conn = await selectConnectionById(deps.sql, row.connection_id);
  const env = await selectEnvironmentKey(deps.sql, row.project_id, row.environment_slug);
  if (!conn || !env?.key_encrypted) {
    const message = `Project ${row.project_ref} has no ${row.environment_slug} environment with a live secret key`;
    await finishWithError(deps, id, message);
    throw new ApiError(409, "conflict", message);
  }
  let buildEnv: Record<string, string> = {};
  if (!row.from_fork) {
    const branchEnv = row.branch_name ? await selectBranchEnvironmentId(deps.sql, row.project_id, row.branch_name) : undefined;
    const vars = await resolveEnvVars(deps, branchEnv?.id ?? env.id);
    buildEnv = Object.fromEntries(
      Object.entries(vars)
        .filter(([name]) => name.startsWith(BUILD_VAR_PREFIX) && name.length > BUILD_VAR_PREFIX.length)
        .map(([name, value]) => [name === `${BUILD_VAR_PREFIX}NPM_RC` ? name : name.slice(BUILD_VAR_PREFIX.length), value]),
    );
  }
  const fresh = await requireBuild(deps, id);
  return {
    outcome: "claimed",
    build: toGitHubBuild(deps, fresh),
    settings: {
      productionBranch: conn.production_branch,
      stagingBranch: conn.staging_branch,
      previews: conn.previews,
      maxActivePreviews: conn.max_active_previews,
      configPath: conn.config_path,
      rootDir: conn.root_dir,
      installCommand: conn.install_command,
      preBuildCommand: conn.pre_build_command,
    },
    apiKey: decrypt(deps.config.encryptionKey, env.key_encrypted),
    buildEnv,
  };
}

async function finishWithError(deps: ApiDeps, id: string, message: string): Promise<void> {
  await updateBuildStatus(deps.sql, id, { status: "FAILED", error: { message }, logs: `${message}\n` });
  await enqueueReports(deps, [id]);
}

/** The build worker reports progress; every change is shown on GitHub (a report job). */
export async function reportBuildStatus(deps: ApiDeps, id: string, body: BuildStatusBody): Promise<GitHubBuild> {
  await requireBuild(deps, id);
  const changed = await updateBuildStatus(deps.sql, id, body);
  if (changed?.statusChanged) await enqueueReports(deps, [id]);
  return getBuild(deps, id);
}

/** The github-app records the check run, deployment and PR comment it created for a build. */
export async function recordGitHubRefs(deps: ApiDeps, id: string, body: z.infer<typeof BuildGitHubRefsBody>): Promise<void> {
  const row = await requireBuild(deps, id);
  await setBuildGitHubRefs(deps.sql, id, body);
  if (body.commentId !== undefined && row.pull_request_number !== null) {
    await setPullRequestComment(deps.sql, row.connection_id, row.pull_request_number, body.commentId);
  }
}
