import type { Db } from "../../db/sql.js";
import type { BatchRow } from "./batch-row.js";

/** A batch of this environment (undefined in any other). `lock`: hold its row until the transaction ends. */
export async function selectBatch(db: Db, environmentId: string, batchId: string, lock = false): Promise<BatchRow | undefined> {
  const [row] = lock
    ? await db<BatchRow[]>`select * from batches where id = ${batchId} and environment_id = ${environmentId} for update`
    : await db<BatchRow[]>`select * from batches where id = ${batchId} and environment_id = ${environmentId}`;
  return row;
}

/** The batch holding a batch idempotency key, else the one made by the same request key. */
export async function selectBatchByKeys(
  db: Db,
  environmentId: string,
  keys: { idempotencyKey?: string; requestIdempotencyKey?: string },
): Promise<{ batch: BatchRow; by: "idempotencyKey" | "requestKey" } | undefined> {
  if (keys.idempotencyKey !== undefined) {
    const [row] = await db<BatchRow[]>`
      select * from batches where environment_id = ${environmentId} and idempotency_key = ${keys.idempotencyKey}`;
    if (row) return { batch: row, by: "idempotencyKey" };
  }
  if (keys.requestIdempotencyKey !== undefined) {
    const [row] = await db<BatchRow[]>`
      select * from batches where environment_id = ${environmentId} and request_idempotency_key = ${keys.requestIdempotencyKey}`;
    if (row) return { batch: row, by: "requestKey" };
  }
  return undefined;
}

/** Whether a run exists in this environment (a batch's parent). */
export async function runExists(db: Db, environmentId: string, runId: string): Promise<boolean> {
  const [row] = await db`select 1 from runs where id = ${runId} and environment_id = ${environmentId}`;
  return row !== undefined;
}
