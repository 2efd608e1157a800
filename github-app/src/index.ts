import Bottleneck from "bottleneck";
import { Probot, ProbotOctokit } from "probot";
import { gantryApp } from "./app.js";
import type { GitHubAppConfig } from "./config.js";
import { GantryClient } from "./gantry-client.js";
import { startReportWorker } from "./reporter/worker.js";
import { SyncMemory } from "./reporter/sync.js";
import { startRunsReporter } from "./reporter/runs-report.js";
import { replayFailedDeliveries } from "./replay-deliveries.js";
import { sweepRepositories } from "./sweep.js";
import { createWebhookHandler, WEBHOOK_PATH, type WebhookHandler } from "./webhook-handler.js";

export { gantryApp } from "./app.js";
export { loadGitHubAppConfig, type GitHubAppConfig } from "./config.js";
export { GantryClient } from "./gantry-client.js";
export { createWebhookHandler, WEBHOOK_PATH, type WebhookHandler } from "./webhook-handler.js";
export { syncBuildToGitHub, SyncMemory } from "./reporter/sync.js";
export { reportRunsOnce } from "./reporter/runs-report.js";
export { replayFailedDeliveries } from "./replay-deliveries.js";
export { sweepRepositories } from "./sweep.js";
export { appManifest, createManifestSetupHandler, SETUP_PATH, SETUP_CALLBACK_PATH } from "./manifest.js";

export interface GitHubAppHandle {
  probot: Probot;
  gantry: GantryClient;
  /** mount at WEBHOOK_PATH (POST) */
  handler: WebhookHandler;
  path: typeof WEBHOOK_PATH;
  close(): Promise<void>;
}

/** A Probot instance configured with Probot's variables (GHE_HOST/GHE_PROTOCOL select an Enterprise host or the simulator). */
export function createGantryProbot(config: GitHubAppConfig): Probot {
  // GitHub asks for about a second between content-creating requests (Octokit's default spacing); a simulator or
  // an Enterprise host may allow less (GANTRY_GITHUB_WRITE_INTERVAL_MS)
  const write = new Bottleneck.Group({ id: "gantry-octokit-write", maxConcurrent: 1, minTime: config.GANTRY_GITHUB_WRITE_INTERVAL_MS });
  const Octokit = ProbotOctokit.defaults((options: Record<string, any>) => ({ ...options, throttle: { ...options.throttle, write } }));
  return new Probot({
    appId: config.APP_ID,
    privateKey: config.privateKey,
    secret: config.WEBHOOK_SECRET,
    baseUrl: config.githubApiUrl,
    logLevel: config.LOG_LEVEL,
    Octokit,
  });
}

/**
 * Starts the github-app inside another process (the launcher mounts `handler` on the api's port): the Probot
 * app, the reporter that shows builds on GitHub, and the replay of failed deliveries at start and periodically.
 */
export async function startGitHubApp(config: GitHubAppConfig, opts: { fetch?: typeof fetch; replay?: boolean } = {}): Promise<GitHubAppHandle> {
  const gantry = new GantryClient({ apiUrl: config.GANTRY_API_URL, token: config.GANTRY_GITHUB_SERVICE_TOKEN, fetch: opts.fetch });
  const probot = createGantryProbot(config);
  await probot.load(gantryApp({ gantry }));
  const handler = createWebhookHandler({ probot, secret: config.WEBHOOK_SECRET, gantry });
  // one memory of what GitHub shows, shared by both reporters, so neither rewrites what the other wrote
  const memory = new SyncMemory();
  const reporter = startReportWorker({ probot, gantry, redisUrl: config.REDIS_URL, redisPrefix: config.GANTRY_REDIS_PREFIX, memory });
  const runsReporter = config.GANTRY_GITHUB_RUNS_REPORT_INTERVAL_MS > 0 ? startRunsReporter({ probot, gantry, intervalMs: config.GANTRY_GITHUB_RUNS_REPORT_INTERVAL_MS, memory }) : undefined;
  let timer: NodeJS.Timeout | undefined;
  if (opts.replay ?? true) {
    // GitHub does not redeliver by itself: replay failed deliveries, then sweep for anything still missed
    const replay = async () => {
      await replayFailedDeliveries(probot).catch((error: unknown) => probot.log.warn({ err: error }, "replaying failed deliveries failed"));
      await sweepRepositories(probot, gantry).catch((error: unknown) => probot.log.warn({ err: error }, "sweeping repositories failed"));
    };
    void replay();
    if (config.GANTRY_GITHUB_REPLAY_INTERVAL_MS > 0) {
      timer = setInterval(replay, config.GANTRY_GITHUB_REPLAY_INTERVAL_MS);
      timer.unref();
    }
  }
  return {
    probot,
    gantry,
    handler,
    path: WEBHOOK_PATH,
    async close() {
      if (timer) clearInterval(timer);
      runsReporter?.close();
      await reporter.close();
    },
  };
}
