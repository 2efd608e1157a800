import { col } from "../../batching/arrays.js";
import type { Db } from "../../db/sql.js";

/** Which of these indexes already have their run in the batch. */
export async function selectTakenIndexes(db: Db, batchId: string, indexes: number[]): Promise<Set<number>> {
  if (indexes.length === 0) return new Set();
  const rows = await db<{ index: number }[]>`
    select index from batch_items where batch_id = ${batchId} and index = any(${col(db, indexes)}::int[])`;
  return new Set(rows.map((r) => r.index));
}

/** Records each item's run: one statement whatever the count. */
export async function insertBatchItems(db: Db, batchId: string, items: Array<{ index: number; runId: string }>): Promise<void> {
  if (items.length === 0) return;
  await db`
    insert into batch_items (batch_id, index, run_id)
    select ${batchId}, i, r from unnest(${col(db, items.map((x) => x.index))}::int[], ${col(db, items.map((x) => x.runId))}::text[]) as t(i, r)`;
}

/** A batch's runs in item order (index → run). */
export async function selectBatchRuns(db: Db, batchId: string): Promise<Array<{ index: number; runId: string }>> {
  const rows = await db<{ index: number; run_id: string }[]>`
    select index, run_id from batch_items where batch_id = ${batchId} order by index`;
  return rows.map((r) => ({ index: r.index, runId: r.run_id }));
}

/** The batches that count any of these runs. */
export async function selectBatchIdsOfRuns(db: Db, runIds: string[]): Promise<string[]> {
  if (runIds.length === 0) return [];
  const rows = await db<{ batch_id: string }[]>`
    select distinct batch_id from batch_items where run_id = any(${col(db, runIds)}::text[])`;
  return rows.map((r) => r.batch_id);
}
