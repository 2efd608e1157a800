import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { RUNS_QUEUE_NAME, type RunJobData } from "@gantry/sdk/contracts";
import { loadRunnerConfig, startRunner, type Runner } from "./index.js";
import { fixtureArtifact, startFakeApi } from "./testing/fake-api.js";
import { cancelChannel } from "./worker/cancel-subscriber.js";

const REDIS_URL = "redis://127.0.0.1:6379";
const TOKEN = "gr_runner_test";
const prefix = `gantry-test-runner-${randomBytes(4).toString("hex")}`;

let api: Awaited<ReturnType<typeof startFakeApi>>;
let runner: Runner;
let queue: Queue<RunJobData>;
let redis: Redis;
let cacheDir: string;

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "gantry-runner-test-"));
  api = await startFakeApi({ token: TOKEN, startDelayMs: 50, artifact: fixtureArtifact() });
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  queue = new Queue<RunJobData>(RUNS_QUEUE_NAME, { connection: redis, prefix: `{${prefix}}` });
  const config = loadRunnerConfig({
    GANTRY_API_URL: api.url,
    GANTRY_RUNNER_TOKEN: TOKEN,
    REDIS_URL,
    GANTRY_REDIS_PREFIX: prefix,
    GANTRY_RUNNER_CACHE_DIR: cacheDir,
    GANTRY_HEARTBEAT_INTERVAL_MS: "100",
    GANTRY_CANCEL_GRACE_MS: "200",
    GANTRY_SHUTDOWN_GRACE_MS: "5000",
    PATH: process.env.PATH,
  });
  runner = await startRunner(config, { warn: () => {} });
});

afterAll(async () => {
  await runner?.close();
  await queue?.obliterate({ force: true }).catch(() => {});
  await queue?.close();
  redis?.disconnect();
  await api?.close();
  await rm(cacheDir, { recursive: true, force: true });
});

function enqueue(runIds: string[]) {
  return queue.addBulk(runIds.map((runId) => ({ name: "run", data: { runId }, opts: { jobId: `${runId}-1`, removeOnComplete: true } })));
}

describe("runner", () => {
  it("takes runs from the queue, starts and completes them in batches, from a bundle fetched once", async () => {
    const before = api.completions.length;
    const ids = Array.from({ length: 12 }, () => api.addRun({ action: "echo" }));
    await enqueue(ids);
    const completions = await api.waitForCompletions(before + ids.length);

    const mine = completions.filter((c) => ids.includes(c.runId));
    expect(mine).toHaveLength(ids.length);
    expect(mine.every((c) => c.result.ok)).toBe(true);
    expect(Math.max(...api.startBatches.map((b) => b.length))).toBeGreaterThan(1);
    expect(api.artifactFetches).toBe(1);
  });

  it("ships a run's logs before its completion", async () => {
    const runId = api.addRun({ action: "log" });
    const before = api.completions.length;
    await enqueue([runId]);
    await api.waitForCompletions(before + 1);
    const messages = api.logs.filter((l) => l.runId === runId).map((l) => l.message);
    expect(messages).toEqual(expect.arrayContaining(["hello from stdout", "warning on stderr", "logger.info line"]));
  });

  it("completes a job the api refuses to start without executing anything", async () => {
    const unknown = `run_unknown_${randomBytes(4).toString("hex")}`;
    const job = (await enqueue([unknown]))[0]!;
    await waitFor(async () => (await queue.getJobState(job.id!)) !== "active" && (await queue.getJobState(job.id!)) !== "waiting");
    expect(api.startBatches.flat()).toContain(unknown);
    expect(api.completions.some((c) => c.runId === unknown)).toBe(false);
  });

  it("cancels a running attempt announced on the Redis cancel channel", async () => {
    const runId = api.addRun({ action: "hang" });
    const before = api.completions.length;
    await enqueue([runId]);
    await waitFor(async () => api.heartbeats.some((h) => h.some((a) => a.runId === runId)));
    await redis.publish(cancelChannel(prefix), JSON.stringify({ runId }));
    await api.waitForCompletions(before + 1);
    const completion = api.completions.find((c) => c.runId === runId);
    expect(completion?.result.outcome).toBe("CANCELED");
  });

  it("renews leases by heartbeat and cancels the attempts the heartbeat answer names", async () => {
    const runId = api.addRun({ action: "hang" });
    const before = api.completions.length;
    await enqueue([runId]);
    await waitFor(async () => api.heartbeats.some((h) => h.some((a) => a.runId === runId && a.attemptNumber === 1)));
    api.cancelOnHeartbeat.add(runId);
    await api.waitForCompletions(before + 1);
    expect(api.completions.find((c) => c.runId === runId)?.result.outcome).toBe("CANCELED");
  });
});

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
}
