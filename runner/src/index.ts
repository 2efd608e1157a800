import { Worker, type Job } from "bullmq";
import { Redis } from "ioredis";
import { RUNS_QUEUE_NAME, type RunJobData } from "@gantry/sdk/contracts";
import { RunnerApiClient } from "./api-client/runner-api-client.js";
import { ArtifactCache } from "./artifacts/artifact-cache.js";
import { RunnerConfigError, type RunnerConfig } from "./config.js";
import { DockerExecutor, dockerAvailable } from "./executor/docker-executor.js";
import { ProcessExecutor } from "./executor/process-executor.js";
import type { Executor } from "./executor/types.js";
import { subscribeToCancels } from "./worker/cancel-subscriber.js";
import { startHeartbeat } from "./worker/heartbeat.js";
import { HeldAttempts } from "./worker/held-attempts.js";
import { createRunProcessor, type ProcessRunOutcome } from "./worker/process-run.js";
import { SuspendedAttempts } from "./worker/suspended-attempts.js";
import { subscribeToResumes } from "./worker/resume-subscriber.js";

export { loadRunnerConfig, RunnerConfigError, type RunnerConfig } from "./config.js";

export type Runner = {
  id: string;
  /** Stops taking runs, lets running attempts finish within the shutdown grace period, then stops. */
  close(): Promise<void>;
};

export type RunnerOptions = {
  /** Use this executor instead of the one GANTRY_EXECUTOR selects. */
  executor?: Executor;
  warn?: (message: string) => void;
};

/** Starts a runner: a BullMQ worker on the runs queue that executes attempts and reports them to the api. */
export async function startRunner(config: RunnerConfig, options: RunnerOptions = {}): Promise<Runner> {
  const warn = options.warn ?? ((message: string) => console.warn(`[runner ${config.runnerId}] ${message}`));
  const executor = options.executor ?? (await createExecutor(config, warn));
  const client = new RunnerApiClient({ apiUrl: config.apiUrl, token: config.runnerToken, runnerId: config.runnerId, warn });
  const cache = new ArtifactCache(config.cacheDir, (hash) => client.fetchArtifact(hash));
  const held = new HeldAttempts((runId) => executor.cancel(runId));
  // attempts suspended at a wait stay in their processes only with an executor that can resume them
  const suspended = executor.resume ? new SuspendedAttempts() : undefined;
  let abandoning = false;
  let closingStarted = false;

  const connection = new Redis(config.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  connection.on("error", () => {}); // reported by BullMQ's own error events below
  try {
    await connection.connect();
  } catch (cause) {
    connection.disconnect();
    throw new RunnerConfigError(
      `REDIS_URL ${config.redisUrl} refused the connection: start Redis (see README) or set REDIS_URL`,
      { cause },
    );
  }
  const cancels = await subscribeToCancels({ redisUrl: config.redisUrl, redisPrefix: config.redisPrefix, onCancel: (id) => held.cancel(id) || (suspended?.get(id) !== undefined && executor.cancel(id)), warn });
  const heartbeat = startHeartbeat({ client, held, intervalMs: config.heartbeatIntervalMs, warn, holdsSuspended: () => (suspended?.size ?? 0) > 0 });

  const processRun = createRunProcessor({ client, cache, executor, held, ...(suspended ? { suspended } : {}), isAbandoning: () => abandoning });
  // a resumed run whose job reached another runner is handed back here, to continue its suspended attempt in place
  const resumes = suspended
    ? await subscribeToResumes({
        redisUrl: config.redisUrl,
        redisPrefix: config.redisPrefix,
        runnerId: config.runnerId,
        onResume: (runId) => {
          if (abandoning || closingStarted) return;
          processRun({ data: { runId } } as Job<RunJobData>).catch((err: unknown) => warn(`resuming run ${runId}: ${(err as Error).message}`));
        },
        warn,
      })
    : undefined;
  const worker = new Worker<RunJobData, ProcessRunOutcome>(
    RUNS_QUEUE_NAME,
    processRun,
    {
      connection,
      prefix: config.queuePrefix,
      concurrency: config.concurrency,
      // A runner that dies keeps its jobs' locks until they expire; then another runner's stalled check
      // takes them back, however many times that happens (the api decides through the lease what to redo).
      lockDuration: config.jobLockMs,
      stalledInterval: config.jobLockMs,
      maxStalledCount: 1_000_000,
    },
  );
  worker.on("error", (err) => warn(`queue: ${err.message}`));
  worker.on("failed", (job, err) => {
    if (!abandoning) warn(`run ${job?.data.runId ?? "?"}: ${err.message}`);
  });
  await worker.waitUntilReady();

  let closing: Promise<void> | undefined;
  return {
    id: config.runnerId,
    close() {
      closing ??= (async () => {
        closingStarted = true;
        await resumes?.close();
        await worker.pause(true); // take no new jobs
        const deadline = Date.now() + config.shutdownGraceMs;
        while (held.size > 0 && Date.now() < deadline) await sleep(50);
        if (held.size > 0) {
          // Force-close leaves their jobs locked: once the locks expire another runner's stalled check takes
          // them, and the api (lease) decides whether to redo the attempt.
          abandoning = true;
          warn(`shutdown grace period over with ${held.size} attempt(s) running: stopping them; another runner takes them over`);
          await worker.close(true);
        } else {
          await worker.close();
        }
        heartbeat.stop();
        await client.flushLogs();
        client.close();
        await executor.close();
        await cancels.close();
        await connection.quit().catch(() => connection.disconnect());
      })();
      return closing;
    },
  };
}

async function createExecutor(config: RunnerConfig, warn: (message: string) => void): Promise<Executor> {
  switch (config.executor) {
    case "process":
      return new ProcessExecutor({
        warmProcesses: config.warmProcesses,
        maxConcurrentAttemptsPerProcess: config.attemptsPerProcess,
        cancelGraceMs: config.cancelGraceMs,
        baseEnv: config.childBaseEnv,
        runAs: config.runAs,
        apiUrl: config.apiUrl,
        warn,
      });
    case "docker":
      if (!(await dockerAvailable())) {
        throw new RunnerConfigError("GANTRY_EXECUTOR=docker but `docker info` fails: start the Docker engine, or set GANTRY_EXECUTOR=process");
      }
      return new DockerExecutor({ defaultImage: config.dockerImage, cancelGraceMs: config.cancelGraceMs, apiUrl: config.apiUrl });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
