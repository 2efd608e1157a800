// Starts the GitHub side of Gantry for an end-to-end test file: the api (A1's test harness) with the GitHub
// routes and the webhook endpoint mounted, the GitHub simulator (bodies validated against GitHub's OpenAPI
// description), the github-app (Probot + reporter) and the build worker.
import { serve } from "@hono/node-server";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { createApp } from "../../api/src/app.js";
import { issueGitHubServiceToken } from "../../api/src/github/service-token.js";
import { closeGitHubQueues } from "../../api/src/github/queues.js";
import { startTestApi, type TestApi } from "../../api/src/testing/harness.js";
import { loadGitHubAppConfig, startGitHubApp, WEBHOOK_PATH, type GitHubAppHandle } from "../../github-app/src/index.js";
import { startGitHubSimulator, type GitHubSimulator } from "../../github-app/src/simulator/server.js";
import { validateRequestBody } from "../../github-app/src/simulator/openapi.js";
import { loadBuildWorkerConfig } from "../../builder/src/build-worker/config.js";
import { startBuildWorker } from "../../builder/src/build-worker/worker.js";
import { loadRunnerConfig } from "../../runner/src/config.js";
import { startRunner } from "../../runner/src/index.js";

const ROOT = resolve(import.meta.dirname, "../..");

export interface GitHubStack {
  api: TestApi;
  /** base URL serving the whole api plus the GitHub routes and POST /api/github/webhooks */
  url: string;
  sim: GitHubSimulator;
  app: GitHubAppHandle;
  serviceToken: string;
  /** a runner executing this api's runs (stopped by close) */
  startRunner(): Promise<void>;
  /** PAT request to the api */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startGitHubStack(opts: { buildTimeoutMs?: number } = {}): Promise<GitHubStack> {
  const api = await startTestApi();
  const serviceToken = await issueGitHubServiceToken(api.deps);
  const sim = await startGitHubSimulator({ validateBody: validateRequestBody });

  let app: GitHubAppHandle | undefined;
  const hono = createApp(api.deps);
  hono.post(WEBHOOK_PATH, async (c): Promise<Response> => (app ? app.handler(c.req.raw) : new Response("starting", { status: 503 })));
  const server = serve({ fetch: hono.fetch, port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((r) => server.once("listening", () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sim.setWebhookUrl(`${url}${WEBHOOK_PATH}`);

  const shared = {
    APP_ID: String(sim.appId),
    PRIVATE_KEY: sim.privateKey,
    GHE_HOST: sim.host,
    GHE_PROTOCOL: "http",
    GANTRY_API_URL: url,
    GANTRY_GITHUB_SERVICE_TOKEN: serviceToken,
    REDIS_URL: api.deps.config.REDIS_URL,
    GANTRY_REDIS_PREFIX: api.deps.config.GANTRY_REDIS_PREFIX,
  };
  app = await startGitHubApp(loadGitHubAppConfig({ ...shared, WEBHOOK_SECRET: sim.webhookSecret, LOG_LEVEL: "fatal", GANTRY_GITHUB_RUNS_REPORT_INTERVAL_MS: "0", GANTRY_GITHUB_WRITE_INTERVAL_MS: "20" }), { replay: false });
  const closers: Array<() => Promise<void>> = [];
  const buildDir = join(ROOT, "test/.tmp", `github-builds-${randomBytes(4).toString("hex")}`);
  const worker = startBuildWorker(
    loadBuildWorkerConfig({ ...shared, GANTRY_BUILD_DIR: buildDir, ...(opts.buildTimeoutMs ? { GANTRY_BUILD_TIMEOUT_MS: String(opts.buildTimeoutMs) } : {}) }),
  );

  return {
    api,
    url,
    sim,
    app,
    serviceToken,
    async startRunner() {
      const runner = await startRunner(
        loadRunnerConfig({
          GANTRY_API_URL: url,
          GANTRY_RUNNER_TOKEN: api.seed.runnerToken,
          REDIS_URL: api.deps.config.REDIS_URL,
          GANTRY_REDIS_PREFIX: api.deps.config.GANTRY_REDIS_PREFIX,
          GANTRY_RUNNER_CACHE_DIR: join(buildDir, "runner-cache"),
          GANTRY_HEARTBEAT_INTERVAL_MS: "500",
        }),
      );
      closers.push(() => runner.close());
    },
    async request(method, path, body) {
      const response = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${api.seed.accessToken}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // text
      }
      return { status: response.status, body: parsed };
    },
    async close() {
      for (const close of closers.reverse()) await close().catch(() => {});
      await worker.close().catch(() => {});
      await app?.close().catch(() => {});
      await closeGitHubQueues(api.deps).catch(() => {});
      await new Promise<void>((r) => server.close(() => r()));
      await sim.close();
      await api.close();
      rmSync(buildDir, { recursive: true, force: true });
    },
  };
}

/** A small task project as it would sit in a user's repository. */
export function taskProjectFiles(projectRef: string, opts: { taskId?: string; broken?: boolean } = {}): Record<string, string> {
  const taskId = opts.taskId ?? "hello-github";
  return {
    "package.json": JSON.stringify({ name: "acme-tasks", private: true, type: "module", dependencies: { "@gantry/sdk": "0.1.0" } }, null, 2),
    "gantry.config.ts": `import { defineConfig } from "@gantry/sdk";\nexport default defineConfig({ project: "${projectRef}", dirs: ["src/trigger"], maxDuration: 60 });\n`,
    "src/trigger/hello.ts": opts.broken
      ? `import { task } from "@gantry/sdk";\nexport const hello = task({ id: "${taskId}", run: async () => { return { ok: true } ;\n`
      : `import { task } from "@gantry/sdk";\nexport const hello = task({ id: "${taskId}", run: async () => ({ ok: true }) });\n`,
  };
}

/** Polls until `fn` returns a value, or throws after `timeoutMs` with the last seen state. */
export async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await fn();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
