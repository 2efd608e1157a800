import { Probot } from "probot";
import { gantryApp } from "./app.js";
import type { GitHubAppConfig } from "./config.js";
import { GantryClient } from "./gantry-client.js";
import { startReportWorker } from "./reporter/worker.js";
import { replayFailedDeliveries } from "./replay-deliveries.js";
import { sweepRepositories } from "./sweep.js";
import { createWebhookHandler, WEBHOOK_PATH, type WebhookHandler } from "./webhook-handler.js";

export { gantryApp } from "./app.js";
export { loadGitHubAppConfig, type GitHubAppConfig } from "./config.js";
export { GantryClient } from "./gantry-client.js";
export { createWebhookHandler, WEBHOOK_PATH, type WebhookHandler } from "./webhook-handler.js";
export { syncBuildToGitHub } from "./reporter/sync.js";
export { replayFailedDeliveries } from "./replay-deliveries.js";
export { sweepRepositories } from "./sweep.js";

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
  return new Probot({
    appId: config.APP_ID,
    privateKey: config.privateKey,
    secret: config.WEBHOOK_SECRET,
    baseUrl: config.githubApiUrl,
    logLevel: config.LOG_LEVEL,
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
  const reporter = startReportWorker({ probot, gantry, redisUrl: config.REDIS_URL, redisPrefix: config.GANTRY_REDIS_PREFIX });
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
      await reporter.close();
    },
  };
}
