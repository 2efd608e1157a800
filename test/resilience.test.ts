// Invariants 1-3 end to end: a runner killed mid-attempt loses no run, and neither does Redis losing everything.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { Redis } from "ioredis";
import { eventually, startPlatform, type Platform } from "./helpers/platform.js";
import { http, type Http } from "./helpers/http.js";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

let redisServer: ChildProcess;
let redisUrl: string;
let platform: Platform;
let prod: Http;

beforeAll(async () => {
  // a Redis of this test's own, so FLUSHALL touches nothing else
  const port = await freePort();
  redisServer = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  redisUrl = `redis://127.0.0.1:${port}`;
  await eventually(async () => {
    const probe = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      await probe.connect();
      return (await probe.ping()) === "PONG" ? true : undefined;
    } finally {
      probe.disconnect();
    }
  });
  platform = await startPlatform({
    apiEnv: { REDIS_URL: redisUrl, GANTRY_HEARTBEAT_TIMEOUT_MS: "2000", GANTRY_RECONCILE_INTERVAL_MS: "500" },
  });
  prod = http(platform.api.url, platform.api.seed.environments.prod.apiKey);
  await platform.deployProject();
}, 120_000);

afterAll(async () => {
  await platform?.close();
  redisServer?.kill("SIGKILL");
});

const statusOf = async (id: string) => (await prod.get(`/api/v3/runs/${id}`)).body;

describe("no run is lost", () => {
  it("a runner killed with SIGKILL mid-attempt: the run completes on a second runner", async () => {
    const first = platform.spawnRunner({ REDIS_URL: redisUrl });
    const { body } = await prod.post(`/api/v1/tasks/slow/trigger`, { payload: { ms: 1500 } });
    await eventually(async () => ((await statusOf(body.id)).status === "EXECUTING" ? true : undefined), { what: "EXECUTING" });
    first.kill("SIGKILL");
    const second = await platform.startRunner({ REDIS_URL: redisUrl });
    const run = await eventually(async () => {
      const r = await statusOf(body.id);
      return r.isCompleted ? r : undefined;
    }, { timeoutMs: 45_000, what: "completion on the second runner" });
    expect(run.status).toBe("COMPLETED");
    expect(run.attemptCount).toBeGreaterThanOrEqual(2);
    expect(run.output).toEqual({ sleptMs: 1500 });
    await second.close();
  });

  it("Redis emptied (FLUSHALL) while runs are queued: every run still completes", { timeout: 120_000 }, async () => {
    // no runner is running: the runs wait in the queue, then Redis loses everything
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push((await prod.post(`/api/v1/tasks/echo/trigger`, { payload: { i } })).body.id);
    expect(new Set(await Promise.all(ids.map(async (id) => (await statusOf(id)).status)))).toEqual(new Set(["QUEUED"]));
    const redis = new Redis(redisUrl);
    await redis.flushall();
    redis.disconnect();
    await platform.startRunner({ REDIS_URL: redisUrl });
    const done = await eventually(async () => {
      const statuses = await Promise.all(ids.map(async (id) => (await statusOf(id)).status));
      return statuses.every((s) => s === "COMPLETED") ? statuses : undefined;
    }, { timeoutMs: 100_000, what: "all 40 runs to complete after FLUSHALL" });
    expect(done).toHaveLength(40);
  });
});
