import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { RUNS_QUEUE_NAME, type RunJobData } from "@gantry/sdk/contracts";
import { loadRunnerConfig, startRunner } from "./index.js";
import { fixtureArtifact, startFakeApi } from "./testing/fake-api.js";

const REDIS_URL = "redis://127.0.0.1:6379";
const TOKEN = "gr_runner_test";
const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

let api: Awaited<ReturnType<typeof startFakeApi>>;
let redis: Redis;
let cacheDir: string;
const queues: Queue[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "gantry-runner-failover-"));
  api = await startFakeApi({ token: TOKEN, artifact: fixtureArtifact() });
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  for (const queue of queues) {
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  }
  redis?.disconnect();
  await api?.close();
  await rm(cacheDir, { recursive: true, force: true });
});

function setup() {
  const prefix = `gantry-test-failover-${randomBytes(4).toString("hex")}`;
  const queue = new Queue<RunJobData>(RUNS_QUEUE_NAME, { connection: redis, prefix: `{${prefix}}` });
  queues.push(queue);
  const env = {
    GANTRY_API_URL: api.url,
    GANTRY_RUNNER_TOKEN: TOKEN,
    REDIS_URL,
    GANTRY_REDIS_PREFIX: prefix,
    GANTRY_RUNNER_CACHE_DIR: cacheDir,
    GANTRY_HEARTBEAT_INTERVAL_MS: "100",
    GANTRY_JOB_LOCK_MS: "1000",
    PATH: process.env.PATH ?? "",
  };
  const spawnRunner = () => {
    const child = spawn(process.execPath, ["--import", "tsx", MAIN], { env, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    return child;
  };
  const enqueue = (runId: string) => queue.add("run", { runId }, { jobId: `${runId}-1`, removeOnComplete: true });
  return { env, queue, spawnRunner, enqueue };
}

describe("runner processes", () => {
  it("a run held by a runner killed with SIGKILL is taken over by another runner", async () => {
    const { env, spawnRunner, enqueue } = setup();
    const doomed = spawnRunner();
    const runId = api.addRun({ action: "sleep", ms: 300 });
    // Hold it on the doomed runner: the fake api starts it there; kill the runner as soon as it executes.
    await enqueue(runId);
    await waitFor(() => api.heartbeats.some((h) => h.some((a) => a.runId === runId)));
    doomed.kill("SIGKILL");
    await new Promise((r) => doomed.once("exit", r));
    expect(api.completions.some((c) => c.runId === runId)).toBe(false);

    const survivor = await startRunner(loadRunnerConfig(env), { warn: () => {} });
    try {
      await waitFor(() => api.completions.some((c) => c.runId === runId));
      expect(api.startBatches.flat().filter((id) => id === runId)).toHaveLength(2);
      expect(api.completions.find((c) => c.runId === runId)?.result.ok).toBe(true);
    } finally {
      await survivor.close();
    }
  });

  it("on SIGTERM stops taking runs, lets the running attempt finish and report, then exits 0", async () => {
    const { spawnRunner, enqueue } = setup();
    const runner = spawnRunner();
    const runId = api.addRun({ action: "sleep", ms: 800 });
    await enqueue(runId);
    await waitFor(() => api.heartbeats.some((h) => h.some((a) => a.runId === runId)));
    runner.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => runner.once("exit", (exitCode) => r(exitCode)));
    expect(code).toBe(0);
    expect(api.completions.find((c) => c.runId === runId)?.result.ok).toBe(true);
  });
});

async function waitFor(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 20));
}
