import { readFileSync } from "node:fs";
import type { GitMeta } from "@gantry/sdk/contracts";

/** What the Actions runner tells a step about the workflow run (the GITHUB_* variables and the event payload). */
export interface GithubContext {
  eventName: string;
  /** The webhook payload of the event that started the workflow ({} when GITHUB_EVENT_PATH is absent). */
  payload: EventPayload;
  sha?: string;
  refName?: string;
  refType?: string;
  headRef?: string;
  workspace: string;
  serverUrl: string;
  repository?: string;
  runId?: string;
  /** GITHUB_STEP_SUMMARY: where @actions/core appends the job summary. */
  stepSummaryPath?: string;
}

/** The few fields of push / pull_request payloads the action reads. */
export interface EventPayload {
  action?: string;
  after?: string;
  head_commit?: { id?: string; message?: string; author?: { name?: string } } | null;
  pull_request?: {
    number?: number;
    title?: string;
    html_url?: string;
    merged?: boolean;
    head?: { ref?: string; sha?: string };
    user?: { login?: string };
  };
  repository?: { full_name?: string; html_url?: string };
}

export function readGithubContext(env: Record<string, string | undefined>): GithubContext {
  return {
    eventName: env.GITHUB_EVENT_NAME ?? "",
    payload: readPayload(env.GITHUB_EVENT_PATH),
    sha: env.GITHUB_SHA || undefined,
    refName: env.GITHUB_REF_NAME || undefined,
    refType: env.GITHUB_REF_TYPE || undefined,
    headRef: env.GITHUB_HEAD_REF || undefined,
    workspace: env.GITHUB_WORKSPACE || process.cwd(),
    serverUrl: (env.GITHUB_SERVER_URL || "https://github.com").replace(/\/+$/, ""),
    repository: env.GITHUB_REPOSITORY || undefined,
    runId: env.GITHUB_RUN_ID || undefined,
    stepSummaryPath: env.GITHUB_STEP_SUMMARY || undefined,
  };
}

function readPayload(path: string | undefined): EventPayload {
  if (!path) return {};
  try {
    return JSON.parse(readFileSync(path, "utf8")) as EventPayload;
  } catch (error) {
    throw new Error(`GITHUB_EVENT_PATH ${path} could not be read as JSON (${(error as Error).message}): the action must run inside a GitHub Actions job`);
  }
}

export function isPullRequestEvent(ctx: GithubContext): boolean {
  return ctx.eventName === "pull_request" || ctx.eventName === "pull_request_target";
}

/** A closed (or merged) pull request: its preview branch should be archived. */
export function isClosedPullRequest(ctx: GithubContext): boolean {
  return isPullRequestEvent(ctx) && ctx.payload.action === "closed";
}

/** The preview branch for this event: the pull request's head branch, else the pushed branch. */
export function branchFromContext(ctx: GithubContext): string | undefined {
  return ctx.payload.pull_request?.head?.ref ?? ctx.headRef ?? (ctx.refType === "tag" ? undefined : ctx.refName);
}

/**
 * Git metadata recorded on the deployment. For pull requests the commit is the head commit the author pushed
 * (GITHUB_SHA there is GitHub's temporary merge commit, which no one can find later).
 */
export function gitMetaFromContext(ctx: GithubContext): GitMeta {
  const pr = ctx.payload.pull_request;
  const repoUrl = ctx.payload.repository?.html_url ?? (ctx.repository ? `${ctx.serverUrl}/${ctx.repository}` : undefined);
  const meta: GitMeta = {
    commitSha: pr?.head?.sha ?? ctx.payload.head_commit?.id ?? ctx.sha,
    commitRef: pr?.head?.ref ?? ctx.headRef ?? ctx.refName,
    commitMessage: ctx.payload.head_commit?.message ?? undefined,
    authorName: ctx.payload.head_commit?.author?.name ?? pr?.user?.login,
    remoteUrl: repoUrl,
    pullRequestNumber: pr?.number,
    pullRequestTitle: pr?.title,
    pullRequestUrl: pr?.html_url,
    provider: "github",
  };
  return Object.fromEntries(Object.entries(meta).filter(([, v]) => v !== undefined)) as GitMeta;
}

/** Link to this workflow run, for the job summary. */
export function runUrl(ctx: GithubContext): string | undefined {
  return ctx.repository && ctx.runId ? `${ctx.serverUrl}/${ctx.repository}/actions/runs/${ctx.runId}` : undefined;
}
