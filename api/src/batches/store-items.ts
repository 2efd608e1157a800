import type { ApiDeps, AuthEnvironment } from "../context.js";
import { afterRunsReady, type ReadyRun } from "../engine/dispatch.js";
import { conflict } from "../errors.js";
import { publishRunChanges } from "../realtime/publish.js";
import { insertRuns, type InsertedRun } from "../runs/queries/insert-runs.js";
import { notifyBatchesCompleted } from "./completion.js";
import type { PreparedItem } from "./item-runs.js";
import { insertBatchItems, selectTakenIndexes } from "./queries/batch-items.js";
import { insertBatch, type NewBatch } from "./queries/insert-batch.js";
import { selectBatch } from "./queries/select-batch.js";
import { addAcceptedItems, recountBatches, type CompletedBatchRow } from "./queries/update-batches.js";

export interface StoredItems {
  /** items that got a run now */
  itemsAccepted: number;
  /** items whose index already had its run (a resent stream) */
  itemsDeduplicated: number;
  sealed: boolean;
  acceptedCount: number;
  runCount: number;
  /** index → run of the items accepted now */
  runs: Map<number, string>;
}

/**
 * Turns prepared items into runs, in one transaction holding the batch's row (so a resent stream racing the
 * first one waits, then finds its indexes taken): the runs (one batched insert), the index → run map, the
 * accepted count and, once every index has its run, the seal. A handful of statements whatever the item count.
 * After commit the new runs go to realtime and dispatch, and a batch that completed here is announced.
 * `newBatch`: create the batch in the same transaction (the one-request batch trigger).
 */
export async function storeItems(
  deps: ApiDeps,
  environment: AuthEnvironment,
  batchId: string,
  items: PreparedItem[],
  newBatch?: NewBatch,
): Promise<StoredItems> {
  const { stored, inserted, completed } = await deps.sql.begin(async (tx) => {
    if (newBatch && !(await insertBatch(tx, newBatch))) {
      // only a concurrent request with the same request key gets here; its retry finds that batch
      throw conflict("A batch with this request idempotency key is being created: retry the request", "x-trigger-request-idempotency-key");
    }
    const batch = await selectBatch(tx, environment.id, batchId, true);
    if (!batch) throw new Error(`batch ${batchId} vanished while its items were stored`);
    const none = { inserted: [] as Array<{ item: PreparedItem; run: InsertedRun }>, completed: [] as CompletedBatchRow[] };
    if (batch.sealed) {
      const stored: StoredItems = {
        itemsAccepted: 0,
        itemsDeduplicated: items.length,
        sealed: true,
        acceptedCount: batch.accepted_count,
        runCount: batch.run_count,
        runs: new Map(),
      };
      return { stored, ...none };
    }
    // the first item of an index wins, within this request and across requests
    const byIndex = new Map<number, PreparedItem>();
    for (const item of items) if (!byIndex.has(item.index)) byIndex.set(item.index, item);
    const taken = await selectTakenIndexes(tx, batchId, [...byIndex.keys()]);
    const fresh = [...byIndex.values()].filter((item) => !taken.has(item.index));
    const runs = fresh.length > 0 ? await insertRuns(tx, fresh.map((item) => item.run)) : [];
    await insertBatchItems(tx, batchId, fresh.map((item, i) => ({ index: item.index, runId: runs[i]!.id })));
    const { acceptedCount, sealed } = fresh.length > 0
      ? await addAcceptedItems(tx, batchId, fresh.length)
      : { acceptedCount: batch.accepted_count, sealed: batch.sealed };
    // runs that were final before the seal (idempotent hits on finished runs, fast runners) count here
    const completed = sealed && fresh.length > 0 ? await recountBatches(tx, [batchId]) : [];
    const stored: StoredItems = {
      itemsAccepted: fresh.length,
      itemsDeduplicated: items.length - fresh.length,
      sealed,
      acceptedCount,
      runCount: batch.run_count,
      runs: new Map(fresh.map((item, i) => [item.index, runs[i]!.id])),
    };
    return { stored, inserted: fresh.map((item, i) => ({ item, run: runs[i]! })), completed };
  });

  const created = inserted.filter(({ run }) => !run.isCached);
  publishRunChanges(deps, created.map(({ run }) => ({ runId: run.id, environmentId: environment.id })));
  const ready: ReadyRun[] = created
    .filter(({ run }) => run.status === "QUEUED" || run.status === "DELAYED")
    // a delayed run waits in the concurrency gate until its available time (read from Postgres)
    .map(({ run }) => ({ runId: run.id, environmentId: environment.id, attemptNumberToStart: 1 }));
  afterRunsReady(deps, ready);
  if (completed.length > 0) void notifyBatchesCompleted(deps, completed);
  return stored;
}
