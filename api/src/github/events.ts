import type { z } from "zod";
import type { GitHubEventResult, PullRequestEventBody, PushEventBody, RedeployBody, RedeployCommitBody, SweepTargetsResponse } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { newId } from "../crypto/ids.js";
import { conflict, forbidden, notFound } from "../errors.js";
import { promoteVersion } from "../deployments/service.js";
import { archivePreviewBranch, previewLane } from "./archive-branch.js";
import { approveBuild, insertBuildSuperseding, selectBuild, selectBuildByCheckRun, selectBuildsByIds, selectLatestBuildForSha, laneHasBuildOf, timeOutSilentBuilds, updateBuildStatus, type BuildRow, type NewBuild } from "./queries/builds.js";
import { selectConnectionByRepository, selectUsableConnections, type ConnectionRow } from "./queries/connections.js";
import { upsertRepositories } from "./queries/installations.js";
import { countActiveBranches, selectBranchEnvironmentId, selectEnvironmentKey } from "./queries/environments.js";
import { isProjectMemberByGitHub } from "./queries/members.js";
import { upsertPullRequest } from "./queries/pull-requests.js";
import { toGitHubBuild } from "./present.js";
import { enqueueBuild, enqueueReports } from "./queues.js";

const SKIP_MARKER = /\[(skip deploy|deploy skip)\]/i;

async function connectionFor(deps: ApiDeps, installationId: number, repository: PushEventBody["repository"]): Promise<ConnectionRow | string> {
  // keeps the default branch fresh: the production branch defaults to it
  await upsertRepositories(deps.sql, installationId, [repository]).catch(() => undefined);
  const conn = await selectConnectionByRepository(deps.sql, repository.id);
  if (!conn) return `${repository.fullName} is not connected to a project`;
  if (!conn.usable) return `${repository.fullName} is no longer granted by a live installation`;
  if (conn.installation_id !== installationId) return `${repository.fullName} belongs to another installation`;
  return conn;
}

async function startBuild(deps: ApiDeps, build: Omit<NewBuild, "id">, refuse?: string): Promise<GitHubEventResult> {
  const id = newId("ghb");
  const canceled = await insertBuildSuperseding(deps.sql, { ...build, id });
  // refused builds are shown failed with the reason; a fork's build is enqueued only once a member authorizes it
  if (refuse) await updateBuildStatus(deps.sql, id, { status: "FAILED", error: { message: refuse }, logs: `${refuse}\n` });
  else if (!build.awaitingApproval) await enqueueBuild(deps, id);
  await enqueueReports(deps, [id, ...canceled]);
  const rows = await selectBuildsByIds(deps.sql, [id]);
  return { builds: rows.map((r) => toGitHubBuild(deps, r)) };
}

/** `push`: the production or staging branch builds; other branches, deletions and `[skip deploy]` do not. */
export async function handlePush(deps: ApiDeps, body: PushEventBody): Promise<GitHubEventResult> {
  const conn = await connectionFor(deps, body.installationId, body.repository);
  if (typeof conn === "string") return { builds: [], skipped: conn };
  if (body.deleted || /^0+$/.test(body.after)) return { builds: [], skipped: "branch deleted" };
  const match = /^refs\/heads\/(.+)$/.exec(body.ref);
  if (!match) return { builds: [], skipped: `${body.ref} is not a branch` };
  const branch = match[1]!;
  const file = body.repoSettings ?? {};
  const production = conn.production_branch ?? file.productionBranch ?? body.repository.defaultBranch ?? conn.default_branch ?? "main";
  const staging = conn.staging_branch ?? file.stagingBranch ?? null;
  const environment = branch === production ? "prod" : branch === staging ? "staging" : null;
  if (!environment) return { builds: [], skipped: `${branch} is neither the production nor the staging branch` };
  if (body.headCommit && SKIP_MARKER.test(body.headCommit.message)) return { builds: [], skipped: "[skip deploy] in the commit message" };
  if (body.ifNotBuilt && (await laneHasBuildOf(deps.sql, `${conn.id}:${environment}`, body.after))) return { builds: [], skipped: "already built" };
  return startBuild(deps, {
    connectionId: conn.id,
    projectId: conn.project_id,
    environmentSlug: environment,
    branchName: null,
    lane: `${conn.id}:${environment}`,
    trigger: "push",
    gitRef: body.ref,
    sha: body.after,
    commitMessage: body.headCommit?.message ?? null,
    pullRequestNumber: null,
    fromFork: false,
    senderLogin: body.sender.login,
  }, body.repoSettingsError);
}

/**
 * The preview branch a pull request deploys to: its head branch; a fork's is `<owner>:<branch>` (":" cannot
 * appear in a git branch name, so it never collides with the repository's own branches or another fork's).
 */
export function previewBranchName(headRef: string, forkOwner: string | null | undefined): string {
  return forkOwner ? `${forkOwner}:${headRef}` : headRef;
}

/** `pull_request` opened / synchronize / reopened → preview build; closed → branch archived. */
export async function handlePullRequest(deps: ApiDeps, body: z.infer<typeof PullRequestEventBody>): Promise<GitHubEventResult> {
  const conn = await connectionFor(deps, body.installationId, body.repository);
  if (typeof conn === "string") return { builds: [], skipped: conn };
  const branch = previewBranchName(body.headRef, body.forkOwner);
  await upsertPullRequest(deps.sql, {
    connectionId: conn.id,
    number: body.number,
    title: body.title,
    url: body.url,
    state: body.action === "closed" ? "closed" : "open",
    headRef: body.headRef,
    headSha: body.headSha,
    forkOwner: body.forkOwner ?? null,
    branchName: branch,
  });
  if (body.action === "closed") {
    await archivePreviewBranch(deps, { projectId: conn.project_id, branch, connectionId: conn.id });
    return { builds: [], archivedBranch: branch };
  }
  if (!conn.previews || body.repoSettings?.previews === false) return { builds: [], skipped: "previews are off for this repository" };
  if (body.ifNotBuilt && (await laneHasBuildOf(deps.sql, previewLane(conn.id, branch), body.headSha))) return { builds: [], skipped: "already built" };
  return startBuild(deps, {
    connectionId: conn.id,
    projectId: conn.project_id,
    environmentSlug: "preview",
    branchName: branch,
    lane: previewLane(conn.id, branch),
    trigger: "pull_request",
    gitRef: `refs/heads/${body.headRef}`,
    sha: body.headSha,
    commitMessage: body.title,
    pullRequestNumber: body.number,
    fromFork: Boolean(body.forkOwner),
    // code from a fork never runs on Gantry's builders before a project member has looked at it
    awaitingApproval: Boolean(body.forkOwner),
    senderLogin: body.sender.login,
  }, body.repoSettingsError ?? (await previewCapRefusal(deps, conn, branch)));
}

/** A new (or archived) preview branch past the connection's cap is refused with the fix. */
async function previewCapRefusal(deps: ApiDeps, conn: ConnectionRow, branch: string): Promise<string | undefined> {
  if (conn.max_active_previews === null) return undefined;
  const existing = await selectBranchEnvironmentId(deps.sql, conn.project_id, branch);
  if (existing && !existing.archived_at) return undefined;
  const active = await countActiveBranches(deps.sql, conn.project_id);
  if (active < conn.max_active_previews) return undefined;
  return `Project ${conn.project_ref} already has ${active} active preview branches (the cap is ${conn.max_active_previews}): close a pull request or run \`gantry preview archive --branch <name>\`, then push again`;
}

/** The Authorize button on a fork's `action_required` check run: a project member lets the build run. */
export async function authorizeCheckRun(deps: ApiDeps, checkRunId: number, body: z.infer<typeof RedeployBody>): Promise<GitHubEventResult> {
  const build = await buildOfCheckRun(deps, checkRunId, body);
  if (!(await isProjectMemberByGitHub(deps.sql, build.project_id, body.sender.id))) {
    throw forbidden(`GitHub user ${body.sender.login} is not a member of project ${build.project_ref}: only members may authorize builds of forks`);
  }
  if (await approveBuild(deps.sql, build.id, body.sender.login)) {
    await enqueueBuild(deps, build.id);
    await enqueueReports(deps, [build.id]);
  }
  return { builds: (await selectBuildsByIds(deps.sql, [build.id])).map((r) => toGitHubBuild(deps, r)) };
}

/** `check_run.rerequested` / the Redeploy button: builds the same commit again. Only project members may. */
export async function redeployCheckRun(deps: ApiDeps, checkRunId: number, body: z.infer<typeof RedeployBody>): Promise<GitHubEventResult> {
  return redeploy(deps, await buildOfCheckRun(deps, checkRunId, body), body);
}

/** The build behind a check run: by its recorded id, else by the check run's external_id (same installation only). */
async function buildOfCheckRun(deps: ApiDeps, checkRunId: number, body: z.infer<typeof RedeployBody>): Promise<BuildRow> {
  const byId = await selectBuildByCheckRun(deps.sql, checkRunId);
  if (byId) return byId;
  const byExternal = body.buildId ? await selectBuild(deps.sql, body.buildId) : undefined;
  if (byExternal && byExternal.installation_id === body.installationId) return byExternal;
  throw notFound(`No Gantry build has check run ${checkRunId}`);
}

/** `check_suite.rerequested` ("Re-run all checks"): the commit's latest build again. */
export async function redeployCommit(deps: ApiDeps, body: z.infer<typeof RedeployCommitBody>): Promise<GitHubEventResult> {
  const conn = await selectConnectionByRepository(deps.sql, body.repositoryId);
  if (!conn) return { builds: [], skipped: "repository not connected" };
  const previous = await selectLatestBuildForSha(deps.sql, conn.id, body.sha);
  if (!previous) return { builds: [], skipped: `no Gantry build for ${body.sha.slice(0, 7)}` };
  return redeploy(deps, previous, body);
}

async function redeploy(deps: ApiDeps, previous: BuildRow, body: { sender: { login: string; id: number } }): Promise<GitHubEventResult> {
  if (!(await isProjectMemberByGitHub(deps.sql, previous.project_id, body.sender.id))) {
    throw forbidden(`GitHub user ${body.sender.login} is not a member of project ${previous.project_ref}: only members may redeploy`);
  }
  return startBuild(deps, {
    connectionId: previous.connection_id,
    projectId: previous.project_id,
    environmentSlug: previous.environment_slug,
    branchName: previous.branch_name,
    lane: previous.lane,
    trigger: "redeploy",
    gitRef: previous.git_ref,
    sha: previous.sha,
    commitMessage: previous.commit_message,
    pullRequestNumber: previous.pull_request_number,
    fromFork: previous.from_fork,
    senderLogin: body.sender.login,
  });
}

/** A build worker that died mid-build leaves a build nobody will finish: the sweep gives up on it after this. */
const SILENT_BUILD_MS = 5 * 60_000;

/**
 * The github-app's sweep: every usable connection, with the pull requests Gantry believes open. On the way,
 * builds whose worker went silent are timed out (and shown so on GitHub), so their branch builds again.
 */
export async function sweepTargets(deps: ApiDeps): Promise<z.infer<typeof SweepTargetsResponse>> {
  await enqueueReports(deps, await timeOutSilentBuilds(deps.sql, SILENT_BUILD_MS));
  const rows = await selectUsableConnections(deps.sql);
  return {
    targets: rows.map((c) => ({
      installationId: c.installation_id,
      repository: { id: c.repository_id, fullName: c.repository, ...(c.default_branch ? { defaultBranch: c.default_branch } : {}) },
      productionBranch: c.production_branch ?? c.default_branch,
      stagingBranch: c.staging_branch,
      openPullRequests: c.open_pull_requests,
    })),
  };
}

/** The Promote button on a deployed build's check run: make its version the environment's current one (a rollback). */
export async function promoteCheckRun(deps: ApiDeps, checkRunId: number, body: z.infer<typeof RedeployBody>): Promise<{ version: string; environment: string }> {
  const build = await buildOfCheckRun(deps, checkRunId, body);
  if (!(await isProjectMemberByGitHub(deps.sql, build.project_id, body.sender.id))) {
    throw forbidden(`GitHub user ${body.sender.login} is not a member of project ${build.project_ref}: only members may promote`);
  }
  if (build.status !== "DEPLOYED" || !build.version) throw conflict(`Build ${build.id} is ${build.status}: only a deployed version can be promoted`);
  const env = build.branch_name
    ? await selectBranchEnvironmentId(deps.sql, build.project_id, build.branch_name)
    : await selectEnvironmentKey(deps.sql, build.project_id, build.environment_slug);
  if (!env) throw notFound(`The ${build.branch_name ?? build.environment_slug} environment of ${build.project_ref} no longer exists`);
  await promoteVersion(deps, env.id, build.version);
  return { version: build.version, environment: build.branch_name ?? build.environment_slug };
}
