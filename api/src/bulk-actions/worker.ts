import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { BulkActionFilter, FINAL_RUN_STATUSES, type RunStatus } from "@gantry/sdk/contracts";
import type { ApiDeps, AuthEnvironment } from "../context.js";
import { loadAuthEnvironment } from "../auth/environment-cache.js";
import { ApiError } from "../errors.js";
import { cancelRun } from "../runs/cancel.js";
import { replayRun } from "../runs/replay.js";
import { runFiltersOf } from "./filter.js";
import { leaseBulkAction, recordChunk, releaseBulkAction, renewBulkActionLease, type BulkActionRow, type ChunkResult } from "./queries/bulk-actions.js";
import { selectFilteredChunk } from "./queries/select-targets.js";

/** How long a lease lasts without a chunk renewing it: a crashed instance's action is taken over after this. */
export const LEASE_MS = 30_000;
/** Runs acted on at once inside a chunk (each cancel is one statement; replays coalesce in the trigger batcher). */
const CONCURRENCY = 10;

export type ChunkOutcome = "more" | "done" | "stopped";

/**
 * Processes the next chunk of a leased action: selects its runs (the next ids, or the filter's next keyset page),
 * cancels or replays each, then records results, counts, cursor and lease in one fenced statement. "stopped":
 * the action was aborted or its lease lost (checked before each chunk; a chunk under way when an abort comes
 * is finished and counted, the rest is not touched).
 */
export async function processChunk(deps: ApiDeps, action: BulkActionRow, workerId: string): Promise<ChunkOutcome> {
  const size = deps.config.GANTRY_BULK_ACTION_CHUNK_SIZE;
  // an abort (or a lost lease) stops the action before it touches another run
  if (!(await renewBulkActionLease(deps.sql, action.id, workerId, LEASE_MS))) return "stopped";
  const environment = await loadAuthEnvironment(deps, action.environment_id);
  let runIds: string[];
  let cursor: { index: number } | { createdUs: string; id: string };
  let done: boolean;
  if (action.run_ids) {
    runIds = action.run_ids.slice(action.cursor_index, action.cursor_index + size);
    cursor = { index: action.cursor_index + runIds.length };
    done = cursor.index >= action.run_ids.length;
  } else {
    const filters = runFiltersOf(BulkActionFilter.parse(action.filter), action.created_at, action.created_at);
    const after = action.cursor_created_us && action.cursor_id ? { createdUs: action.cursor_created_us, id: action.cursor_id } : undefined;
    const rows = await selectFilteredChunk(deps.sql, action.environment_id, filters, after, size);
    runIds = rows.map((r) => r.id);
    const last = rows[rows.length - 1];
    cursor = last ? { createdUs: last.created_us, id: last.id } : after ? { createdUs: after.createdUs, id: after.id } : { index: 0 };
    done = rows.length < size;
  }
  const results = await mapLimited(runIds, CONCURRENCY, (runId) => actOn(deps, action, environment, runId));
  const status = await recordChunk(deps.sql, { id: action.id, workerId, leaseMs: LEASE_MS, results, cursor, done });
  if (status !== "RUNNING" && status !== "COMPLETED") return "stopped";
  // the next chunk starts from the recorded position
  if ("index" in cursor) action.cursor_index = cursor.index;
  else {
    action.cursor_created_us = cursor.createdUs;
    action.cursor_id = cursor.id;
  }
  return done ? "done" : "more";
}

async function actOn(deps: ApiDeps, action: BulkActionRow, environment: AuthEnvironment, runId: string): Promise<ChunkResult> {
  try {
    if (action.kind === "CANCEL") {
      const { previous } = await cancelRun(deps, environment.id, runId);
      return (FINAL_RUN_STATUSES as readonly RunStatus[]).includes(previous)
        ? { runId, ok: false, error: `Run was already ${previous}` }
        : { runId, ok: true };
    }
    // the request idempotency key makes a chunk redone after a crash replay each run once
    const replay = await replayRun(deps, environment, runId, {}, replayRequestKey(action.id, runId));
    return { runId, ok: true, resultRunId: replay.id };
  } catch (error) {
    if (error instanceof ApiError && error.status < 500) return { runId, ok: false, error: error.message };
    throw error;
  }
}

/** The request idempotency key of an action's replay of a run: the same on every try. */
export function replayRequestKey(actionId: string, runId: string): string {
  return `bulk:${actionId}:${runId}`;
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  });
  await Promise.all(lanes);
  return out;
}

interface Worker {
  wake(): void;
  stop(): Promise<void>;
}

const workers = new WeakMap<ApiDeps, Worker>();

/** Wakes this instance's worker (a new action): it need not wait for its next poll. */
export function wakeBulkActionWorker(deps: ApiDeps): void {
  workers.get(deps)?.wake();
}

/**
 * The background side: polls (every GANTRY_RECONCILE_INTERVAL_MS, and at once when woken) for a live action
 * whose lease is free or expired, and works through it chunk by chunk. Several instances share the work safely
 * (one lease per action). Returns stop(): finishes the current chunk and gives the lease back.
 */
export function startBulkActions(deps: ApiDeps): () => Promise<void> {
  if (deps.config.GANTRY_BULK_ACTIONS_WORKER === "false") return async () => {};
  const workerId = `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  let stopped = false;
  let running: Promise<void> | undefined;
  let again = false;

  const drain = async () => {
    for (;;) {
      const action = await leaseBulkAction(deps.sql, workerId, LEASE_MS);
      if (!action) return;
      let outcome: ChunkOutcome = "more";
      while (outcome === "more" && !stopped) outcome = await processChunk(deps, action, workerId);
      if (stopped) {
        if (outcome === "more") await releaseBulkAction(deps.sql, action.id, workerId);
        return;
      }
    }
  };
  const tick = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = drain()
      .catch((error: unknown) => console.error("[bulk-actions] processing failed (retried at the next poll):", error))
      .finally(() => {
        running = undefined;
        if (again && !stopped) {
          again = false;
          tick();
        }
      });
  };
  const timer = setInterval(tick, deps.config.GANTRY_RECONCILE_INTERVAL_MS);
  timer.unref();
  const worker: Worker = {
    wake: tick,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
  workers.set(deps, worker);
  tick();
  return () => worker.stop();
}
