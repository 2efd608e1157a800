import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Worker } from "bullmq";
import { Redis } from "ioredis";
import { RUNS_QUEUE_NAME } from "@gantry/sdk/contracts";
import { startTestApi, type TestApi } from "../testing/harness.js";
import { client, deployTasks, fakeRunner, success, type Client } from "../runner-api/test-helpers.js";
import { reconcileOnce } from "./reconcile.js";

/** This file flushes Redis, so it runs its own redis-server rather than touching the shared one. */
let redisServer: ChildProcess;
let redisUrl: string;
let api: TestApi;
let http: Client;
let prodKey: string;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

beforeAll(async () => {
  const port = await freePort();
  redisServer = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  redisUrl = `redis://127.0.0.1:${port}`;
  const probe = new Redis(redisUrl, { lazyConnect: true, retryStrategy: () => null });
  probe.on("error", () => {});
  for (let i = 0; i < 100; i++) {
    try {
      await probe.connect();
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  probe.disconnect();
  api = await startTestApi({ env: { REDIS_URL: redisUrl, GANTRY_RECONCILE_INTERVAL_MS: "600000", GANTRY_HEARTBEAT_TIMEOUT_MS: "1000" } });
  http = client(api.url);
  prodKey = api.seed.environments.prod.apiKey;
});

afterAll(async () => {
  await api?.close();
  redisServer?.kill("SIGTERM");
});

const trigger = (taskId: string, body: unknown, key = prodKey) => http.call("POST", `/api/v1/tasks/${taskId}/trigger`, { key, body });
const status = async (id: string, key = prodKey) => (await http.call("GET", `/api/v3/runs/${id}`, { key })).body.status as string;

/** A BullMQ consumer standing in for the runner: takes jobs, starts and completes their runs over HTTP. */
function consume(handled: string[]) {
  const runner = fakeRunner(http, api.seed.runnerToken, "consumer");
  return new Worker(
    RUNS_QUEUE_NAME,
    async (job) => {
      const started = await runner.start([job.data.runId]);
      const result = started.body.results[0];
      if (!result.ok) return;
      await runner.complete(job.data.runId, result.execution.attempt.number, success("ok"));
      handled.push(job.data.runId);
    },
    { connection: new Redis(redisUrl, { maxRetriesPerRequest: null }), prefix: `{${api.deps.config.GANTRY_REDIS_PREFIX}}` },
  );
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("PENDING_VERSION", () => {
  it("waits for a version with the task, then is queued when one deploys", async () => {
    await deployTasks(http, prodKey, [{ id: "alpha" }]);
    const id = (await trigger("beta", { payload: {} })).body.id as string;
    expect(await status(id)).toBe("PENDING_VERSION");
    expect((await fakeRunner(http, api.seed.runnerToken).start([id])).body.results[0]).toMatchObject({ ok: false, reason: "pending_version" });
    await deployTasks(http, prodKey, [{ id: "alpha" }, { id: "beta" }]);
    expect(await status(id)).toBe("QUEUED");
    const runner = fakeRunner(http, api.seed.runnerToken);
    const started = await runner.start([id]);
    expect(started.body.results[0].ok).toBe(true);
    await runner.complete(id, 1, success("done"));
    expect(await status(id)).toBe("COMPLETED");
  });
});

describe("Redis loses everything", () => {
  it("re-enqueues every queued run after FLUSHALL, and they all complete", async () => {
    await deployTasks(http, prodKey, [{ id: "alpha" }, { id: "beta" }, { id: "gamma" }]);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await trigger("gamma", { payload: { i } })).body.id);
    const redis = new Redis(redisUrl);
    await until(async () => (await redis.keys("*gantry-runs*")).length > 0, "the jobs to be enqueued");
    await redis.flushall();
    redis.disconnect();
    const handled: string[] = [];
    const worker = consume(handled);
    try {
      const report = await reconcileOnce(api.deps, { graceMs: 0 });
      expect(report?.reEnqueued).toBe(5);
      await until(async () => (await Promise.all(ids.map((id) => status(id)))).every((s) => s === "COMPLETED"), "every run to complete");
      expect(handled.sort()).toEqual([...ids].sort());
    } finally {
      await worker.close();
    }
  });

  it("redrives an executing run whose runner stopped heartbeating", async () => {
    const id = (await trigger("alpha", { payload: {} })).body.id as string;
    const runner = fakeRunner(http, api.seed.runnerToken, "doomed");
    expect((await runner.start([id])).body.results[0].ok).toBe(true);
    // the runner vanishes: no heartbeats; its lease expires after the 1 s timeout
    await api.deps.sql`update runs set updated_at = now() - interval '5 seconds' where id = ${id}`;
    await until(async () => (await api.deps.redis.exists(`{${api.deps.config.GANTRY_REDIS_PREFIX}}:lease:${id}`)) === 0, "the lease to expire");
    const first = await reconcileOnce(api.deps, { graceMs: 0 });
    expect(first?.redriven).toBe(0); // the first pass only notes the lease is gone
    await new Promise((r) => setTimeout(r, 1100));
    const second = await reconcileOnce(api.deps, { graceMs: 0 });
    expect(second?.redriven).toBe(1);
    expect(await status(id)).toBe("QUEUED");
    // the vanished runner's late completion is stale; a new attempt runs the run to the end
    expect((await runner.complete(id, 1, success("late"))).body.results[0].action).toBe("stale");
    const again = (await fakeRunner(http, api.seed.runnerToken).start([id])).body.results[0];
    expect(again.execution.attempt.number).toBe(2);
  });
});

describe("runner failover through BullMQ", () => {
  it("lets another runner start the run again once the first one's lease is gone", async () => {
    const id = (await trigger("alpha", { payload: {} })).body.id as string;
    const doomed = fakeRunner(http, api.seed.runnerToken, "doomed");
    const other = fakeRunner(http, api.seed.runnerToken, "other");
    expect((await doomed.start([id])).body.results[0].ok).toBe(true);
    // while the lease is held, nobody else may start it
    expect((await other.start([id])).body.results[0]).toMatchObject({ ok: false, reason: "not_startable" });
    await api.deps.sql`update runs set updated_at = now() - interval '5 seconds' where id = ${id}`;
    await api.deps.redis.del(`{${api.deps.config.GANTRY_REDIS_PREFIX}}:lease:${id}`);
    const again = (await other.start([id])).body.results[0];
    expect(again.ok).toBe(true);
    expect(again.execution.attempt.number).toBe(2);
    expect((await doomed.complete(id, 1, success("late"))).body.results[0].action).toBe("stale");
    expect((await other.complete(id, 2, success("ok"))).body.results[0].status).toBe("COMPLETED");
    const run = (await http.call("GET", `/api/v3/runs/${id}`, { key: prodKey })).body;
    expect(run.attempts.map((a: { status: string }) => a.status)).toEqual(["SYSTEM_FAILURE", "COMPLETED"]);
  });
});

describe("delay", () => {
  it("keeps a delayed run DELAYED until its time; then its delayed job starts it, or the reconciler queues it", async () => {
    // far enough ahead that a loaded machine still asks before it is due
    const due = Date.now() + 3000;
    const at = new Date(due).toISOString();
    const viaJob = (await trigger("alpha", { payload: {}, options: { delay: at } })).body.id as string;
    const viaReconciler = (await trigger("alpha", { payload: {}, options: { delay: at } })).body.id as string;
    expect(await status(viaJob)).toBe("DELAYED");
    const runner = fakeRunner(http, api.seed.runnerToken);
    expect((await runner.start([viaJob])).body.results[0]).toMatchObject({ ok: false, reason: "delayed" });
    const jobKey = `{${api.deps.config.GANTRY_REDIS_PREFIX}}:${RUNS_QUEUE_NAME}:${viaJob}-1`;
    await until(async () => (await api.deps.redis.hget(jobKey, "delay")) !== null, "the delayed job");
    await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now()) + 100));
    expect((await runner.start([viaJob])).body.results[0].ok).toBe(true);
    await reconcileOnce(api.deps, { graceMs: 60_000 });
    expect(await status(viaReconciler)).toBe("QUEUED");
  });
});

describe("dev claim", () => {
  it("lets gantry dev claim its own dev runs, never through BullMQ", async () => {
    const devKey = api.seed.environments.dev.apiKey;
    await deployTasks(http, devKey, [{ id: "local" }]);
    const claim = http.call("POST", "/api/v1/dev/claim", { key: devKey, body: { max: 5, waitMs: 5000 } });
    await new Promise((r) => setTimeout(r, 100));
    const id = (await trigger("local", { payload: { hi: 1 } }, devKey)).body.id as string;
    const claimed = await claim;
    expect(claimed.status).toBe(200);
    expect(claimed.body.results.map((r: { runId: string }) => r.runId)).toEqual([id]);
    const attempt = claimed.body.results[0].execution.attempt.number;
    // the runner token may not touch dev runs; the dev key completes its own
    const asRunner = await fakeRunner(http, api.seed.runnerToken).complete(id, attempt, success(1));
    expect(asRunner.body.results[0].action).toBe("stale");
    const asDev = await fakeRunner(http, devKey, "dev").complete(id, attempt, success(1));
    expect(asDev.body.results[0].status).toBe("COMPLETED");
    const jobs = await api.deps.redis.keys(`{${api.deps.config.GANTRY_REDIS_PREFIX}}:${RUNS_QUEUE_NAME}:${id}*`);
    expect(jobs).toEqual([]);
    // another environment's key cannot claim dev runs
    const prodClaim = await http.call("POST", "/api/v1/dev/claim", { key: prodKey, body: { waitMs: 0 } });
    expect(prodClaim.status).toBe(403);
  });
});

describe("ttl", () => {
  it("a run not started within its ttl is EXPIRED; a started one is not; dev runs get the reference's 10m default", async () => {
    await deployTasks(http, prodKey, [{ id: "alpha" }]);
    // waiting for a deploy (PENDING_VERSION) counts: nothing can start it
    const pending = (await trigger("not-deployed-anywhere", { payload: {}, options: { ttl: "1s" } })).body.id as string;
    const queued = (await trigger("alpha", { payload: {}, options: { ttl: 1 } })).body.id as string;
    const started = (await trigger("alpha", { payload: {}, options: { ttl: "1s" } })).body.id as string;
    const forever = (await trigger("alpha", { payload: {}, options: { ttl: 0 } })).body.id as string;
    const runner = fakeRunner(http, api.seed.runnerToken);
    expect((await runner.start([started])).body.results[0].ok).toBe(true);
    expect(await status(pending)).toBe("PENDING_VERSION");

    await new Promise((r) => setTimeout(r, 1200));
    const report = await reconcileOnce(api.deps, { graceMs: 60_000 });
    expect(report?.expired).toBe(2);
    for (const id of [pending, queued]) {
      const run = (await http.call("GET", `/api/v3/runs/${id}`, { key: prodKey })).body;
      expect(run).toMatchObject({ status: "EXPIRED", isCompleted: true, attemptCount: 0 });
      expect(run.expiredAt).toEqual(expect.any(String));
      expect(run.error.message).toMatch(/did not start within its ttl/);
    }
    expect(await status(started)).toBe("EXECUTING");
    expect(await status(forever)).not.toBe("EXPIRED");
    // an expired run's job, if a runner takes it, starts nothing
    expect((await runner.start([queued])).body.results[0]).toMatchObject({ ok: false });

    const devKey = api.seed.environments.dev.apiKey;
    const dev = (await trigger("alpha", { payload: {} }, devKey)).body.id as string;
    expect((await http.call("GET", `/api/v3/runs/${dev}`, { key: devKey })).body.ttl).toBe("10m");
  });
});
