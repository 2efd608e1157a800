import { Queue } from "bullmq";
import { RUNS_QUEUE_NAME, type RunJobData } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";

/**
 * The BullMQ queue that carries ready runs to runners. Jobs carry the run id only; jobId is
 * `${runId}-${attemptNumberToStart}`, so re-adding the same run for the same attempt is a no-op (BullMQ dedupes
 * by id) and the reconciler may re-add freely. Prefix `{<GANTRY_REDIS_PREFIX>}`: hash-tagged for Redis Cluster.
 */
export interface RunJob {
  runId: string;
  environmentId: string;
  attemptNumberToStart: number;
  /** not before this time (retry backoff) */
  availableAt?: Date;
}

interface RunQueueHandle {
  queue: Queue<RunJobData>;
  /** addBulks in flight (closing waits for them) */
  adding: Set<Promise<unknown>>;
}

const handles = new WeakMap<ApiDeps, RunQueueHandle>();

export function runQueuePrefix(redisPrefix: string): string {
  return `{${redisPrefix}}`;
}

export function runJobId(runId: string, attemptNumberToStart: number): string {
  return `${runId}-${attemptNumberToStart}`;
}

export function getRunQueue(deps: ApiDeps): RunQueueHandle {
  let handle = handles.get(deps);
  if (!handle) {
    const queue = new Queue<RunJobData>(RUNS_QUEUE_NAME, {
      connection: deps.redis,
      prefix: runQueuePrefix(deps.config.GANTRY_REDIS_PREFIX),
      defaultJobOptions: { removeOnComplete: true, removeOnFail: true },
    });
    handle = { queue, adding: new Set() };
    handles.set(deps, handle);
  }
  return handle;
}

/**
 * Adds jobs for runs already committed as QUEUED, in one addBulk. Its callers hand over whole batches (one gate
 * flush's admitted runs), so the jobs go out at once rather than behind another flush's addBulk.
 */
export async function enqueueRuns(deps: ApiDeps, jobs: RunJob[]): Promise<void> {
  if (jobs.length === 0) return;
  const { queue, adding } = getRunQueue(deps);
  const now = deps.clock().getTime();
  const added = queue.addBulk(
    jobs.map((job) => {
      const delay = job.availableAt ? Math.max(0, job.availableAt.getTime() - now) : 0;
      return {
        name: "run",
        data: { runId: job.runId, envId: job.environmentId },
        opts: { jobId: runJobId(job.runId, job.attemptNumberToStart), ...(delay > 0 ? { delay } : {}) },
      };
    }),
  );
  adding.add(added);
  try {
    await added;
  } finally {
    adding.delete(added);
  }
}

/**
 * After commit, in the background: the 2xx already means durable and the reconciler re-adds anything lost
 * between commit and enqueue (PERFORMANCE.md, choice 6).
 */
export function enqueueRunsInBackground(deps: ApiDeps, jobs: RunJob[]): void {
  if (jobs.length === 0) return;
  enqueueRuns(deps, jobs).catch((error: unknown) => {
    console.error(`[engine] enqueue of ${jobs.length} run(s) failed; the reconciler will re-add them:`, error);
  });
}

export async function closeRunQueue(deps: ApiDeps): Promise<void> {
  const handle = handles.get(deps);
  if (!handle) return;
  handles.delete(deps);
  await Promise.allSettled([...handle.adding]);
  await handle.queue.close();
}
