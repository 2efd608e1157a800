import { FINAL_RUN_STATUSES } from "@gantry/sdk/contracts";
import { col } from "../../batching/arrays.js";
import type { Db } from "../../db/sql.js";

/** Adds newly recorded items to a batch's accepted count and seals it once every index has its run. */
export async function addAcceptedItems(db: Db, batchId: string, added: number): Promise<{ acceptedCount: number; sealed: boolean }> {
  const [row] = await db<{ accepted_count: number; sealed: boolean }[]>`
    update batches set accepted_count = accepted_count + ${added},
      sealed = accepted_count + ${added} >= run_count,
      sealed_at = case when accepted_count + ${added} >= run_count then coalesce(sealed_at, now()) end,
      updated_at = now()
    where id = ${batchId}
    returning accepted_count, sealed`;
  return { acceptedCount: row!.accepted_count, sealed: row!.sealed };
}

export interface CompletedBatchRow {
  id: string;
  environment_id: string;
  run_count: number;
  parent_run_id: string | null;
  resume_parent_on_completion: boolean;
}

/**
 * Recounts the final runs of these PENDING batches from the record (so a repeated call changes nothing) and
 * completes the sealed ones whose runs are all final. Returns the batches this call completed: a batch
 * completes once, whoever gets there first (the row lock re-checks `status = 'PENDING'`).
 */
export async function recountBatches(db: Db, batchIds: string[]): Promise<CompletedBatchRow[]> {
  if (batchIds.length === 0) return [];
  const rows = await db<(CompletedBatchRow & { status: string })[]>`
    with c as (
      select bi.batch_id, count(*) filter (where r.status = any(${col(db, [...FINAL_RUN_STATUSES])}::text[]))::int as finished
      from batch_items bi
      -- lateral + limit: each run is one primary-key lookup (PERFORMANCE.md #2)
      cross join lateral (select r.status from runs r where r.id = bi.run_id limit 1) r
      where bi.batch_id = any(${col(db, batchIds)}::text[])
      group by bi.batch_id
    )
    update batches b set finished_count = greatest(b.finished_count, c.finished),
      status = case when b.sealed and c.finished >= b.run_count then 'COMPLETED' else 'PENDING' end,
      completed_at = case when b.sealed and c.finished >= b.run_count then now() end,
      updated_at = now()
    from c
    where b.id = c.batch_id and b.id = any(${col(db, batchIds)}::text[]) and b.status = 'PENDING'
    returning b.id, b.environment_id, b.run_count, b.parent_run_id, b.resume_parent_on_completion, b.status`;
  return rows.filter((r) => r.status === "COMPLETED").map(({ status: _status, ...r }) => r);
}

/**
 * Locks these batches' rows (PENDING ones, in id order so concurrent callers cannot deadlock) for the rest of
 * the transaction. A recount run after it reads everything committed before the lock was granted, items
 * stored by a concurrent request included.
 */
export async function lockPendingBatches(db: Db, batchIds: string[]): Promise<string[]> {
  if (batchIds.length === 0) return [];
  const rows = await db<{ id: string }[]>`
    select id from batches where id = any(${col(db, batchIds)}::text[]) and status = 'PENDING' order by id for update`;
  return rows.map((r) => r.id);
}

/** Sealed batches still PENDING, least recently touched first (the repair pass). */
export async function selectSealedPendingBatchIds(db: Db, limit: number): Promise<string[]> {
  const rows = await db<{ id: string }[]>`
    select id from batches where status = 'PENDING' and sealed order by updated_at limit ${limit}`;
  return rows.map((r) => r.id);
}
