import { RUNS_QUEUE_NAME } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { dispatchRuns, type ReadyRun } from "../engine/dispatch.js";
import { releasePendingVersionRuns } from "../engine/pending-version.js";
import { readLeases } from "../queue/leases.js";
import { publishRunChanges } from "../realtime/publish.js";
import { notifyRunsFinished } from "../engine/run-finished.js";
import { repairBatches } from "../batches/completion.js";
import { runJobId, runQueuePrefix } from "../queue/run-queue.js";
import { withReconcileLock } from "./lock.js";
import { pruneExpiredTokenUses } from "./prune-token-uses.js";
import { notWaitingInGate, reconcileGate } from "./gate.js";
import { expireDueRuns, queueDueDelayedRuns, redriveRuns, selectOverdueQueuedRuns, selectQuietExecutingRuns, type LiveRun } from "./queries.js";

/** Most runs each step looks at per pass; a backlog is worked through over several passes. */
const BATCH = 1000;

export interface ReconcileReport {
  delayedQueued: number;
  pendingReleased: number;
  reEnqueued: number;
  redriven: number;
  expired: number;
  /** sealed batches whose runs were all final but whose completion had been missed */
  batchesCompleted: number;
  /** the gate's Redis state was gone and was re-derived from Postgres */
  gateRebuilt: boolean;
  /** slots released because their run had left DEQUEUED/EXECUTING without releasing them */
  staleSlots: number;
  /** records of one-time public token uses deleted because their token expired long ago */
  tokenUsesPruned: number;
}

/**
 * One pass of re-deriving Redis from Postgres (invariant 1): due DELAYED runs are queued; PENDING_VERSION runs
 * whose version has arrived are released; QUEUED runs overdue by a grace period get their BullMQ job back if
 * it is missing (after a Redis flush or a crash between commit and enqueue); EXECUTING runs whose lease has
 * been gone for a heartbeat timeout are redriven; runs not started within their ttl expire. Under a Redis lock: one api instance at a time.
 * Returns undefined if another instance holds the lock.
 */
export async function reconcileOnce(deps: ApiDeps, opts: { graceMs?: number } = {}): Promise<ReconcileReport | undefined> {
  const interval = deps.config.GANTRY_RECONCILE_INTERVAL_MS;
  const graceMs = opts.graceMs ?? interval;
  return withReconcileLock(deps, Math.max(interval * 3, 10_000), async () => {
    const gate = await reconcileGate(deps);
    const delayed = await queueDueDelayedRuns(deps.sql, BATCH);
    publishRunChanges(deps, delayed.map((r) => ({ runId: r.id, environmentId: r.environment_id })));
    await dispatchRuns(deps, delayed.map(ready));
    const pendingReleased = await releasePendingVersionRuns(deps, undefined, BATCH);
    const reEnqueued = await reEnqueueLostJobs(deps, graceMs);
    const redriven = await redriveLostAttempts(deps);
    const expired = await expireDueRuns(deps.sql, BATCH);
    const batchesCompleted = await repairBatches(deps, 100);
    const tokenUsesPruned = await pruneExpiredTokenUses(deps.sql, BATCH);
    publishRunChanges(deps, expired.map((r) => ({ runId: r.id, environmentId: r.environment_id })));
    await notifyRunsFinished(deps, expired.map((r) => ({ runId: r.id, environmentId: r.environment_id, status: "EXPIRED" as const })));
    // runs the gate put back in line after Redis lost it were re-enqueued too
    return { delayedQueued: delayed.length, pendingReleased, reEnqueued: reEnqueued + gate.requeued, redriven, expired: expired.length, batchesCompleted, gateRebuilt: gate.rebuilt, staleSlots: gate.staleSlots, tokenUsesPruned };
  });
}

function ready(run: LiveRun): ReadyRun {
  return { runId: run.id, environmentId: run.environment_id, attemptNumberToStart: run.attempt_number + 1 };
}

async function reEnqueueLostJobs(deps: ApiDeps, graceMs: number): Promise<number> {
  const overdue = await selectOverdueQueuedRuns(deps.sql, graceMs, BATCH);
  if (overdue.length === 0) return 0;
  const prefix = runQueuePrefix(deps.config.GANTRY_REDIS_PREFIX);
  const pipeline = deps.redis.pipeline();
  for (const run of overdue) pipeline.exists(`${prefix}:${RUNS_QUEUE_NAME}:${runJobId(run.id, run.attempt_number + 1)}`);
  const exists = (await pipeline.exec()) ?? [];
  const jobless = overdue.filter((_, i) => exists[i]?.[1] !== 1);
  // runs waiting in the gate for room have no job yet, and are not lost
  const lost = await notWaitingInGate(deps, jobless.map((r) => ({ runId: r.id, attempt: r.attempt_number + 1 })));
  await dispatchRuns(deps, jobless.filter((r) => lost.has(r.id)).map(ready));
  return lost.size;
}

async function redriveLostAttempts(deps: ApiDeps): Promise<number> {
  const timeout = deps.config.GANTRY_HEARTBEAT_TIMEOUT_MS;
  const quiet = await selectQuietExecutingRuns(deps.sql, timeout, BATCH);
  if (quiet.length === 0) return 0;
  const leases = await readLeases(deps, quiet.map((r) => r.id));
  const missingKey = `{${deps.config.GANTRY_REDIS_PREFIX}}:lease-missing`;
  const now = Date.now();
  const present = quiet.filter((_, i) => leases[i] !== null);
  const missing = quiet.filter((_, i) => leases[i] === null);
  if (present.length > 0) await deps.redis.hdel(missingKey, ...present.map((r) => r.id));
  if (missing.length === 0) return 0;
  // the first pass that sees a lease gone only notes when; a Redis that lost every key must not redrive
  // attempts whose runners are alive and will re-take their leases on their next heartbeat
  const pipeline = deps.redis.pipeline();
  for (const run of missing) pipeline.hsetnx(missingKey, run.id, String(now));
  for (const run of missing) pipeline.hget(missingKey, run.id);
  const replies = (await pipeline.exec()) ?? [];
  const since = replies.slice(missing.length).map((r) => Number(r[1]));
  const lost = missing.filter((_, i) => now - (since[i] ?? now) >= timeout);
  if (lost.length === 0) return 0;
  const changed = await redriveRuns(deps.sql, lost.map((r) => ({ id: r.id, attemptNumber: r.attempt_number })));
  publishRunChanges(deps, lost.map((r) => ({ runId: r.id, environmentId: r.environment_id })));
  await deps.redis.hdel(missingKey, ...lost.map((r) => r.id));
  const crashed = changed.filter((r) => r.status === "CRASHED");
  await notifyRunsFinished(deps, crashed.map((r) => ({ runId: r.id, environmentId: r.environment_id, status: r.status })));
  await dispatchRuns(deps, changed.filter((r) => r.status === "QUEUED").map(ready));
  return lost.length;
}
