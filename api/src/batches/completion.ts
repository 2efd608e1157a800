import type { ApiDeps } from "../context.js";
import { onRunsFinished, type FinishedRun } from "../engine/run-finished.js";
import { selectBatchIdsOfRuns } from "./queries/batch-items.js";
import { lockPendingBatches, recountBatches, selectSealedPendingBatchIds, type CompletedBatchRow } from "./queries/update-batches.js";

/** A batch whose item runs are all final (it was sealed: every item has its run). */
export interface CompletedBatch {
  batchId: string;
  environmentId: string;
  runCount: number;
  /** the run that created the batch from inside a task, if any */
  parentRunId: string | null;
  /** batchTriggerAndWait: the parent waits for this batch */
  resumeParentOnCompletion: boolean;
}

/**
 * A reaction to completed batches (batchTriggerAndWait resuming its parent...). Called once per batch, after the
 * commit that completed it. Must be idempotent anyway: if it fails, the record still says COMPLETED.
 */
export type BatchesCompletedListener = (deps: ApiDeps, batches: CompletedBatch[]) => Promise<void>;

const listeners: Array<{ name: string; listener: BatchesCompletedListener }> = [];

/** Registers a reaction to completed batches; `name` appears in the log when it fails. */
export function onBatchCompleted(name: string, listener: BatchesCompletedListener): void {
  if (!listeners.some((l) => l.name === name)) listeners.push({ name, listener });
}

/** Tells every listener about batches that just completed. Never throws. */
export async function notifyBatchesCompleted(deps: ApiDeps, rows: CompletedBatchRow[]): Promise<void> {
  if (rows.length === 0) return;
  const batches = rows.map((r) => ({
    batchId: r.id,
    environmentId: r.environment_id,
    runCount: r.run_count,
    parentRunId: r.parent_run_id,
    resumeParentOnCompletion: r.resume_parent_on_completion,
  }));
  await Promise.all(
    listeners.map(async ({ name, listener }) => {
      try {
        await listener(deps, batches);
      } catch (error) {
        console.error(`[batches] after ${batches.length} batch(es) completed, ${name} failed:`, error);
      }
    }),
  );
}

/** Finished runs → recount their batches (one lookup when none of them is in a batch). */
export async function countFinishedBatchRuns(deps: ApiDeps, runs: FinishedRun[]): Promise<void> {
  const batchIds = await selectBatchIdsOfRuns(deps.sql, runs.map((r) => r.runId));
  if (batchIds.length === 0) return;
  // lock first, count after: the count's snapshot then includes items a concurrent stream just committed
  const completed = await deps.sql.begin(async (tx) => recountBatches(tx, await lockPendingBatches(tx, batchIds)));
  await notifyBatchesCompleted(deps, completed);
}

/**
 * Repairs batches a lost listener call left PENDING (the listener failed, or the process died between a run's
 * commit and its listener): recounts up to `limit` sealed PENDING batches, least recently touched first, and
 * completes those whose runs are all final. Idempotent; meant for the reconciler's pass. Returns how many
 * it completed.
 */
export async function repairBatches(deps: ApiDeps, limit = 100): Promise<number> {
  const batchIds = await selectSealedPendingBatchIds(deps.sql, limit);
  if (batchIds.length === 0) return 0;
  const completed = await deps.sql.begin(async (tx) => recountBatches(tx, await lockPendingBatches(tx, batchIds)));
  await notifyBatchesCompleted(deps, completed);
  return completed.length;
}

/** Keeps batch counts and statuses as runs finish. Idempotent; called where the routes are built. */
export function registerBatchCompletion(): void {
  onRunsFinished("batches", countFinishedBatchRuns);
}
