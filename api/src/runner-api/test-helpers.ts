import { createHash } from "node:crypto";
import type { TaskManifest, TaskRunExecutionResult } from "@gantry/sdk/contracts";
import { PLATFORM_SDK_VERSION } from "../deployments/sdk-version.js";
import { startTestApi, type TestApi } from "../testing/harness.js";

/** Test helpers for the run engine: an HTTP client, a deploy of named tasks, and a runner simulated over HTTP. */
export interface Client {
  url: string;
  call(method: string, path: string, opts?: { key?: string; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
}

export function client(url: string): Client {
  return {
    url,
    async call(method, path, opts = {}) {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          "content-type": "application/json",
          ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
          ...opts.headers,
        },
        body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON
      }
      return { status: res.status, body, headers: res.headers };
    },
  };
}

/** Deploys (and promotes) a version with these tasks to the key's environment; returns its version. */
export async function deployTasks(
  api: Client,
  key: string,
  tasks: Partial<TaskManifest>[] & { id: string }[],
  opts: { skipPromotion?: boolean; retries?: unknown } = {},
): Promise<{ id: string; version: string }> {
  const manifest = {
    contentHash: createHash("sha256").update(JSON.stringify(tasks) + Math.random()).digest("hex"),
    sdkVersion: PLATFORM_SDK_VERSION,
    runtime: "node",
    entryPoint: "index.mjs",
    config: { project: "proj_gantrydemo", ...(opts.retries ? { retries: opts.retries } : {}) },
    tasks: tasks.map((t) => ({ filePath: `src/trigger/${t.id}.ts`, exportName: t.id, triggerSource: "STANDARD", ...t })),
    queues: [],
  };
  const artifact = JSON.stringify({
    format: "gantry-artifact-v1",
    files: { "index.mjs": Buffer.from("export {}").toString("base64") },
    manifest,
  });
  const hash = createHash("sha256").update(artifact).digest("hex");
  const put = await fetch(`${api.url}/api/v1/artifacts/${hash}`, { method: "PUT", headers: { authorization: `Bearer ${key}` }, body: artifact });
  if (put.status >= 300) throw new Error(`artifact upload failed: ${put.status} ${await put.text()}`);
  const created = await api.call("POST", "/api/v1/deployments", { key, body: { sdkVersion: PLATFORM_SDK_VERSION } });
  if (created.status >= 300) throw new Error(`create deployment failed: ${created.status} ${JSON.stringify(created.body)}`);
  const fin = await api.call("POST", `/api/v1/deployments/${created.body.id}/finalize`, {
    key,
    body: { artifactHash: hash, manifest, skipPromotion: opts.skipPromotion },
  });
  if (fin.status >= 300) throw new Error(`finalize failed: ${fin.status} ${JSON.stringify(fin.body)}`);
  return { id: created.body.id, version: created.body.version };
}

/** A runner, simulated by calling the runner endpoints as a real one would. */
export function fakeRunner(api: Client, token: string, runnerId = "runner-test") {
  return {
    start: (runIds: string[]) =>
      api.call("POST", "/api/runner/v1/attempts/start", { key: token, body: { runnerId, runs: runIds.map((runId) => ({ runId })) } }),
    complete: (runId: string, attemptNumber: number, result: TaskRunExecutionResult) =>
      api.call("POST", "/api/runner/v1/attempts/complete", { key: token, body: { runnerId, completions: [{ runId, attemptNumber, result }] } }),
    heartbeat: (attempts: { runId: string; attemptNumber: number }[]) =>
      api.call("POST", "/api/runner/v1/heartbeat", { key: token, body: { runnerId, attempts } }),
    logs: (events: unknown[]) => api.call("POST", "/api/runner/v1/logs", { key: token, body: { events } }),
  };
}

export const success = (output: unknown): TaskRunExecutionResult => ({
  ok: true,
  id: "attempt",
  output: JSON.stringify({ json: output }),
  outputType: "application/super+json",
});

export const failure = (message: string, retryInMs?: number): TaskRunExecutionResult => ({
  ok: false,
  id: "attempt",
  error: { type: "BUILT_IN_ERROR", name: "Error", message },
  ...(retryInMs === undefined ? {} : { retry: { timestamp: Date.now() + retryInMs, delay: retryInMs } }),
});

/**
 * The set-up most api test files share: a test api (reconciler slowed to a crawl so the test drives the engine),
 * its HTTP client, the prod secret key, and `tasks` deployed to prod.
 */
export async function startDeployedTestApi(tasks: Partial<TaskManifest>[] & { id: string }[]): Promise<{ api: TestApi; http: Client; key: string }> {
  const api = await startTestApi({ env: { GANTRY_RECONCILE_INTERVAL_MS: "600000" } });
  const http = client(api.url);
  const key = api.seed.environments.prod.apiKey;
  await deployTasks(http, key, tasks);
  return { api, http, key };
}
