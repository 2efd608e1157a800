import { DelayedError, Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { GITHUB_BUILD_QUEUE_NAME, GitHubBuildJobData } from "@gantry/sdk/contracts";
import { BuildApi } from "./build-api.js";
import type { BuildWorkerConfig } from "./config.js";
import { createInstallationTokens } from "./installation-token.js";
import { platformSdkDir } from "./platform-sdk.js";
import { runBuild } from "./run-build.js";

/** How long a build waits before asking again while another build of its branch runs. */
const BUSY_RETRY_MS = 500;

/**
 * The build worker: takes build jobs from BullMQ (api → `github-builds`), claims each at the api (one build per
 * branch at a time; a superseded or canceled build is skipped) and runs it.
 */
export function startBuildWorker(config: BuildWorkerConfig, opts: { fetch?: typeof fetch } = {}): { close(): Promise<void> } {
  const api = new BuildApi({ apiUrl: config.GANTRY_API_URL, token: config.GANTRY_GITHUB_SERVICE_TOKEN, fetch: opts.fetch });
  const installationToken = createInstallationTokens({ appId: config.APP_ID, privateKey: config.privateKey, githubApiUrl: config.githubApiUrl });
  const sdkDir = platformSdkDir(config.GANTRY_BUILD_SDK_DIR);
  const connection = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null });

  const worker = new Worker(
    GITHUB_BUILD_QUEUE_NAME,
    async (job: Job, token?: string) => {
      const { buildId } = GitHubBuildJobData.parse(job.data);
      const claim = await api.claim(buildId, config.GANTRY_BUILD_TIMEOUT_MS + 60_000);
      if (claim.outcome === "busy") {
        await job.moveToDelayed(Date.now() + BUSY_RETRY_MS, token);
        throw new DelayedError();
      }
      if (claim.outcome === "skip") return { skipped: claim.status };
      const status = await runBuild(
        {
          api,
          apiUrl: config.GANTRY_API_URL,
          githubApiUrl: config.githubApiUrl,
          installationToken,
          workDir: config.GANTRY_BUILD_DIR,
          sdkDir,
          timeoutMs: config.GANTRY_BUILD_TIMEOUT_MS,
          baseEnv: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR },
          fetch: opts.fetch,
        },
        claim,
      );
      return { status };
    },
    { connection, prefix: `{${config.GANTRY_REDIS_PREFIX}}`, concurrency: config.GANTRY_BUILD_CONCURRENCY, lockDuration: 60_000 },
  );
  worker.on("failed", (job, error) => {
    if (error instanceof DelayedError) return;
    console.error(`build ${job?.data?.buildId}: ${error.message}`);
  });
  return {
    async close() {
      await worker.close();
      connection.disconnect();
    },
  };
}
