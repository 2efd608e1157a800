import type { Sql } from "postgres";
import { col } from "../../batching/arrays.js";

export type BulkActionKind = "REPLAY" | "CANCEL";
export type BulkActionStatus = "PENDING" | "RUNNING" | "COMPLETED" | "ABORTED";

export interface BulkActionRow {
  id: string;
  environment_id: string;
  kind: BulkActionKind;
  name: string | null;
  run_ids: string[] | null;
  filter: Record<string, unknown> | null;
  status: BulkActionStatus;
  total: number;
  succeeded: number;
  failed: number;
  cursor_index: number;
  cursor_created_us: string | null;
  cursor_id: string | null;
  locked_by: string | null;
  created_at: Date;
  updated_at: Date;
  completed_at: Date | null;
  /** microseconds since the epoch (keyset position and the filter's upper bound) */
  created_us: string;
}

const columns = (sql: Sql) => sql`
  id, environment_id, kind, name, run_ids, filter, status, total, succeeded, failed, cursor_index,
  cursor_created_us::text as cursor_created_us, cursor_id, locked_by, created_at, updated_at, completed_at,
  (extract(epoch from created_at) * 1000000)::bigint::text as created_us`;

export async function insertBulkAction(
  sql: Sql,
  a: { id: string; environmentId: string; kind: BulkActionKind; name?: string; runIds?: string[]; filter?: unknown; total: number; createdAt: Date },
): Promise<BulkActionRow> {
  const [row] = await sql<BulkActionRow[]>`
    insert into bulk_actions (id, environment_id, kind, name, run_ids, filter, total, created_at, updated_at)
    values (${a.id}, ${a.environmentId}, ${a.kind}, ${a.name ?? null},
      ${a.runIds ? col(sql, a.runIds) : null}::text[], ${a.filter === undefined ? null : sql.json(a.filter as never)}, ${a.total},
      ${a.createdAt}, ${a.createdAt})
    returning ${columns(sql)}`;
  return row!;
}

export async function selectBulkAction(sql: Sql, environmentId: string, id: string): Promise<BulkActionRow | undefined> {
  const [row] = await sql<BulkActionRow[]>`select ${columns(sql)} from bulk_actions where id = ${id} and environment_id = ${environmentId}`;
  return row;
}

/** Newest first, keyset-paginated like the runs list; fetches `limit` rows. */
export async function listBulkActions(
  sql: Sql,
  environmentId: string,
  page: { limit: number; after?: { createdUs: string; id: string }; before?: { createdUs: string; id: string } },
): Promise<BulkActionRow[]> {
  const at = (c: { createdUs: string; id: string }) =>
    sql`(timestamptz 'epoch' + ${c.createdUs}::bigint * interval '1 microsecond', ${c.id}::text)`;
  const rows = await sql<BulkActionRow[]>`
    select ${columns(sql)} from bulk_actions
    where environment_id = ${environmentId}
      ${page.after ? sql`and (created_at, id) < ${at(page.after)}` : sql``}
      ${page.before ? sql`and (created_at, id) > ${at(page.before)}` : sql``}
    order by ${page.before ? sql`created_at asc, id asc` : sql`created_at desc, id desc`}
    limit ${page.limit}`;
  return page.before ? [...rows].reverse() : [...rows];
}

/**
 * PENDING/RUNNING → ABORTED; a finished action is left as it is. Returns the row either way (undefined: no such
 * action). `locked_by` stays, so a worker in the middle of a chunk still records what it did (and then stops).
 */
export async function abortBulkAction(sql: Sql, environmentId: string, id: string): Promise<BulkActionRow | undefined> {
  const [updated] = await sql<BulkActionRow[]>`
    update bulk_actions set status = 'ABORTED', completed_at = now(), updated_at = now(), locked_until = null
    where id = ${id} and environment_id = ${environmentId} and status in ('PENDING', 'RUNNING')
    returning ${columns(sql)}`;
  return updated ?? selectBulkAction(sql, environmentId, id);
}

/**
 * Leases the oldest live action whose lease is free or expired (a crashed instance's), or the one named.
 * `for update skip locked`: two instances never take the same one.
 */
export async function leaseBulkAction(sql: Sql, workerId: string, leaseMs: number, id?: string): Promise<BulkActionRow | undefined> {
  const [row] = await sql<BulkActionRow[]>`
    update bulk_actions b set locked_by = ${workerId}, locked_until = now() + ${leaseMs} * interval '1 millisecond',
      status = 'RUNNING', updated_at = now()
    where b.id = (
      select id from bulk_actions
      where status in ('PENDING', 'RUNNING') and (locked_until is null or locked_until < now())
        ${id ? sql`and id = ${id}` : sql``}
      order by created_at
      limit 1
      for update skip locked
    )
    returning ${columns(sql)}`;
  return row;
}

export interface ChunkResult {
  runId: string;
  ok: boolean;
  resultRunId?: string;
  error?: string;
}

/**
 * Records one processed chunk in one statement: the runs (once each: a chunk redone after a crash counts
 * nothing twice), the counts, the cursor, the lease renewed, COMPLETED when `done`. Fenced by the lease: only
 * the worker holding it records. An abort that came in meanwhile keeps ABORTED (the chunk is still counted).
 * Returns the action's status afterwards, or undefined if this worker lost the lease.
 */
export async function recordChunk(
  sql: Sql,
  a: {
    id: string;
    workerId: string;
    leaseMs: number;
    results: ChunkResult[];
    cursor: { index: number } | { createdUs: string; id: string };
    done: boolean;
  },
): Promise<BulkActionStatus | undefined> {
  const r = a.results;
  const cursorIndex = "index" in a.cursor ? a.cursor.index : null;
  const cursorUs = "createdUs" in a.cursor ? a.cursor.createdUs : null;
  const cursorId = "createdUs" in a.cursor ? a.cursor.id : null;
  const [row] = await sql<{ status: BulkActionStatus }[]>`
    with live as (
      select id, status from bulk_actions where id = ${a.id} and locked_by = ${a.workerId} and status in ('RUNNING', 'ABORTED')
      for update
    ),
    ins as (
      insert into bulk_action_runs (bulk_action_id, run_id, ok, result_run_id, error)
      select ${a.id}, x.run_id, x.ok, x.result_run_id, x.error
      from unnest(${col(sql, r.map((x) => x.runId))}::text[], ${col(sql, r.map((x) => x.ok))}::boolean[],
        ${col(sql, r.map((x) => x.resultRunId ?? null))}::text[], ${col(sql, r.map((x) => x.error ?? null))}::text[])
        as x(run_id, ok, result_run_id, error)
      where exists (select 1 from live)
      on conflict (bulk_action_id, run_id) do nothing
      returning ok
    ),
    upd as (
      update bulk_actions b set
        succeeded = b.succeeded + (select count(*) from ins where ok),
        failed = b.failed + (select count(*) from ins where not ok),
        cursor_index = coalesce(${cursorIndex}::int, b.cursor_index),
        cursor_created_us = coalesce(${cursorUs}::bigint, b.cursor_created_us),
        cursor_id = coalesce(${cursorId}::text, b.cursor_id),
        status = case when ${a.done} and live.status = 'RUNNING' then 'COMPLETED' else live.status end,
        completed_at = case when ${a.done} and live.status = 'RUNNING' then now() else b.completed_at end,
        locked_by = case when ${a.done} or live.status = 'ABORTED' then null else b.locked_by end,
        locked_until = case when ${a.done} or live.status = 'ABORTED' then null else now() + ${a.leaseMs} * interval '1 millisecond' end,
        updated_at = now()
      from live where b.id = live.id
      returning b.status
    )
    select status from upd`;
  return row?.status;
}

/** Before a chunk: renews the lease if this worker still holds it and the action is still RUNNING (not aborted). */
export async function renewBulkActionLease(sql: Sql, id: string, workerId: string, leaseMs: number): Promise<boolean> {
  const rows = await sql`
    update bulk_actions set locked_until = now() + ${leaseMs} * interval '1 millisecond'
    where id = ${id} and locked_by = ${workerId} and status = 'RUNNING'
    returning id`;
  return rows.length > 0;
}

/** Gives the lease back without finishing (the instance is shutting down): another takes over at once. */
export async function releaseBulkAction(sql: Sql, id: string, workerId: string): Promise<void> {
  await sql`update bulk_actions set locked_by = null, locked_until = null where id = ${id} and locked_by = ${workerId}`;
}
