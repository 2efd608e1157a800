import { Worker } from "bullmq";
import { Redis } from "ioredis";
import type { Probot } from "probot";
import { GITHUB_REPORT_QUEUE_NAME, GitHubReportJobData } from "@gantry/sdk/contracts";
import type { GantryClient } from "../gantry-client.js";
import { honourSecondaryRateLimits } from "../rate-limits.js";
import { syncBuildToGitHub, type SyncMemory, type ReporterOctokit } from "./sync.js";

/**
 * Takes report jobs (one per build state change, from the api) and shows each build's current state on GitHub.
 * One at a time: two reports of one build must not both create its check run.
 */
export function startReportWorker(opts: { probot: Probot; gantry: GantryClient; redisUrl: string; redisPrefix: string; memory: SyncMemory }): { close(): Promise<void> } {
  const connection = new Redis(opts.redisUrl, { maxRetriesPerRequest: null });
  const memory = opts.memory;
  const worker = new Worker(
    GITHUB_REPORT_QUEUE_NAME,
    async (job) => {
      const { buildId } = GitHubReportJobData.parse(job.data);
      const build = await opts.gantry.build(buildId);
      const octokit = honourSecondaryRateLimits(await opts.probot.auth(build.installationId)) as unknown as ReporterOctokit;
      await syncBuildToGitHub(octokit, opts.gantry, build, memory);
    },
    { connection, prefix: `{${opts.redisPrefix}}`, concurrency: 1 },
  );
  worker.on("failed", (job, error) => opts.probot.log.warn({ err: error, buildId: job?.data?.buildId }, "reporting a build to GitHub failed (retried)"));
  return {
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
