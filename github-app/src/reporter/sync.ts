import type { GitHubBuild } from "@gantry/sdk/contracts";
import type { GantryClient } from "../gantry-client.js";
import { COMMENT_MARKER, checkRunBody, commentBody, deploymentStateOf, githubEnvironmentName } from "./render.js";

/** The part of Octokit the reporter uses (ProbotOctokit satisfies it). */
export interface ReporterOctokit {
  request(route: string, params?: Record<string, unknown>): Promise<{ data: any }>;
}

/**
 * What this process last wrote for each build (check run body, deployment state) and each PR comment, so a
 * burst of report jobs for one build costs GitHub one write per surface, not one per job. GitHub asks
 * integrations to space content writes about a second apart (Octokit's throttling does), so this matters.
 * Lost on restart: then a surface is simply written once more.
 */
export class SyncMemory {
  private readonly entries = new Map<string, string>();
  constructor(private readonly limit = 5000) {}
  same(key: string, value: string): boolean {
    return this.entries.get(key) === value;
  }
  remember(key: string, value: string): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
  }
}

/**
 * Makes GitHub show `build` as it is now: its check run, its GitHub deployment's latest status and (previews)
 * the pull request's one comment. Idempotent: it may run any number of times for any state, in any order of
 * builds; ids of what it created are recorded on the build through the api, so later states edit them.
 */
export async function syncBuildToGitHub(octokit: ReporterOctokit, gantry: GantryClient, build: GitHubBuild, memory = new SyncMemory()): Promise<void> {
  const [owner, repo] = build.repository.split("/") as [string, string];
  await syncCheckRun(octokit, gantry, build, owner, repo, memory);
  // a build canceled before it started (superseded) never became a deployment
  const neverStarted = (build.status === "CANCELED" || build.awaitingApproval) && build.startedAt === null && build.github.deploymentId === null;
  if (!neverStarted) await syncDeployment(octokit, gantry, build, owner, repo, memory);
  if (build.pullRequest && build.supersededBy === null) await syncComment(octokit, gantry, build, owner, repo, memory);
}

async function syncCheckRun(octokit: ReporterOctokit, gantry: GantryClient, build: GitHubBuild, owner: string, repo: string, memory: SyncMemory): Promise<void> {
  const body = checkRunBody(build, build.sha);
  const key = `check:${build.id}`;
  const fingerprint = JSON.stringify({ ...body, completed_at: undefined });
  if (build.github.checkRunId !== null && memory.same(key, fingerprint)) return;
  if (build.github.checkRunId === null) {
    const { data } = await octokit.request("POST /repos/{owner}/{repo}/check-runs", { owner, repo, ...body });
    await gantry.recordGitHubRefs(build.id, { checkRunId: data.id });
    build.github.checkRunId = data.id;
  } else {
    const { head_sha: _sha, ...update } = body;
    await octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { owner, repo, check_run_id: build.github.checkRunId, ...update });
  }
  memory.remember(key, fingerprint);
}

async function syncDeployment(octokit: ReporterOctokit, gantry: GantryClient, build: GitHubBuild, owner: string, repo: string, memory: SyncMemory): Promise<void> {
  const environment = githubEnvironmentName(build);
  let deploymentId = build.github.deploymentId;
  if (deploymentId === null) {
    const { data } = await octokit.request("POST /repos/{owner}/{repo}/deployments", {
      owner,
      repo,
      ref: build.sha,
      task: "deploy",
      environment,
      description: `Gantry ${build.environment} deploy of ${build.sha.slice(0, 7)}`,
      auto_merge: false,
      // Gantry's own check run is the gate; other commit statuses must not block recording the deployment
      required_contexts: [],
      payload: { gantryBuildId: build.id, projectRef: build.projectRef },
      transient_environment: build.environment === "preview",
      production_environment: build.environment === "prod",
    });
    deploymentId = data.id as number;
    await gantry.recordGitHubRefs(build.id, { githubDeploymentId: deploymentId });
    build.github.deploymentId = deploymentId;
  }
  const state = deploymentStateOf(build);
  const key = `deployment:${deploymentId}`;
  if (memory.same(key, state)) return;
  const { data: statuses } = await octokit.request("GET /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", { owner, repo, deployment_id: deploymentId, per_page: 1 });
  if ((statuses as Array<{ state: string }>)[0]?.state === state) return memory.remember(key, state);
  await octokit.request("POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses", {
    owner,
    repo,
    deployment_id: deploymentId,
    state,
    environment,
    environment_url: build.dashboardUrl,
    log_url: build.logsUrl,
    description: (build.error?.message ?? `${build.status.toLowerCase()}${build.version ? ` ${build.version}` : ""}`).slice(0, 140),
    auto_inactive: build.environment !== "preview",
  });
  memory.remember(key, state);
}

async function findComment(octokit: ReporterOctokit, owner: string, repo: string, issue: number): Promise<number | null> {
  for (let page = 1; page <= 10; page++) {
    const { data } = await octokit.request("GET /repos/{owner}/{repo}/issues/{issue_number}/comments", { owner, repo, issue_number: issue, per_page: 100, page });
    const found = (data as Array<{ id: number; body?: string }>).find((c) => c.body?.includes(COMMENT_MARKER));
    if (found) return found.id;
    if ((data as unknown[]).length < 100) break;
  }
  return null;
}

async function syncComment(octokit: ReporterOctokit, gantry: GantryClient, build: GitHubBuild, owner: string, repo: string, memory: SyncMemory): Promise<void> {
  const pr = build.pullRequest!;
  const body = commentBody(build);
  const commentId = pr.commentId ?? (await findComment(octokit, owner, repo, pr.number));
  if (commentId !== null && memory.same(`comment:${commentId}`, body)) return;
  if (commentId !== null) {
    try {
      await octokit.request("PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}", { owner, repo, comment_id: commentId, body });
      if (pr.commentId === null) await gantry.recordGitHubRefs(build.id, { commentId });
      memory.remember(`comment:${commentId}`, body);
      return;
    } catch (error) {
      // deleted by someone: write a new one
      if ((error as { status?: number }).status !== 404) throw error;
    }
  }
  const { data } = await octokit.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", { owner, repo, issue_number: pr.number, body });
  await gantry.recordGitHubRefs(build.id, { commentId: data.id });
  memory.remember(`comment:${data.id}`, body);
}
