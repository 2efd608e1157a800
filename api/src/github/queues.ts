import { Queue } from "bullmq";
import { GITHUB_BUILD_QUEUE_NAME, GITHUB_REPORT_QUEUE_NAME, type GitHubBuildJobData, type GitHubReportJobData } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";

/**
 * BullMQ producers of the GitHub integration: build jobs (→ build worker, jobId = build id, so enqueueing twice
 * is a no-op) and report jobs (→ github-app reporter, one per state change; the reporter shows the build's
 * latest state, so extra jobs are harmless). Prefix `{<GANTRY_REDIS_PREFIX>}` as the runs queue.
 */
interface Queues {
  builds: Queue<GitHubBuildJobData>;
  reports: Queue<GitHubReportJobData>;
}
const handles = new WeakMap<ApiDeps, Queues>();

export function githubQueuePrefix(redisPrefix: string): string {
  return `{${redisPrefix}}`;
}

function queues(deps: ApiDeps): Queues {
  let q = handles.get(deps);
  if (!q) {
    const prefix = githubQueuePrefix(deps.config.GANTRY_REDIS_PREFIX);
    q = {
      builds: new Queue<GitHubBuildJobData>(GITHUB_BUILD_QUEUE_NAME, { connection: deps.redis, prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000 } }),
      reports: new Queue<GitHubReportJobData>(GITHUB_REPORT_QUEUE_NAME, { connection: deps.redis, prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: 1000, attempts: 5, backoff: { type: "exponential", delay: 1000 } } }),
    };
    handles.set(deps, q);
  }
  return q;
}

export async function enqueueBuild(deps: ApiDeps, buildId: string): Promise<void> {
  await queues(deps).builds.add("build", { buildId }, { jobId: buildId });
}

export async function enqueueReports(deps: ApiDeps, buildIds: string[]): Promise<void> {
  if (buildIds.length === 0) return;
  await queues(deps).reports.addBulk(buildIds.map((buildId) => ({ name: "report", data: { buildId } })));
}

export async function closeGitHubQueues(deps: ApiDeps): Promise<void> {
  const q = handles.get(deps);
  if (!q) return;
  handles.delete(deps);
  await Promise.all([q.builds.close(), q.reports.close()]);
}
