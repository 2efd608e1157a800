import type { Db } from "../../db/sql.js";
import { col } from "../../batching/arrays.js";

export type WaitpointKind = "RUN" | "DATETIME" | "MANUAL" | "BATCH";

export interface WaitpointRow {
  id: string;
  environment_id: string;
  kind: WaitpointKind;
  status: "PENDING" | "COMPLETED";
  output: string | null;
  output_type: string;
  output_is_error: boolean;
  completed_at: Date | null;
  completed_after: Date | null;
  idempotency_key: string | null;
  idempotency_key_expires_at: Date | null;
  tags: string[];
  child_run_id: string | null;
  batch_id: string | null;
  batch_run_ids: string[] | null;
  created_at: Date;
}

export interface NewWaitpoint {
  id: string;
  environmentId: string;
  projectId: string;
  kind: WaitpointKind;
  completedAfter?: Date;
  idempotencyKey?: string;
  idempotencyKeyExpiresAt?: Date;
  tags?: string[];
  childRunId?: string;
  batchId?: string;
  batchRunIds?: string[];
}

/**
 * Inserts a waitpoint, or returns the live one holding its idempotency key (`isCached`). A key past its expiry
 * is released first, so it yields a new waitpoint.
 */
export async function insertWaitpoint(sql: Db, w: NewWaitpoint): Promise<{ row: WaitpointRow; isCached: boolean }> {
  if (w.idempotencyKey) {
    await sql`
      update waitpoints set idempotency_key = null
      where environment_id = ${w.environmentId} and idempotency_key = ${w.idempotencyKey} and idempotency_key_expires_at <= now()`;
  }
  const [inserted] = await sql<WaitpointRow[]>`
    insert into waitpoints (id, environment_id, project_id, kind, completed_after, idempotency_key, idempotency_key_expires_at,
      tags, child_run_id, batch_id, batch_run_ids)
    values (${w.id}, ${w.environmentId}, ${w.projectId}, ${w.kind}, ${w.completedAfter ?? null}, ${w.idempotencyKey ?? null},
      ${w.idempotencyKeyExpiresAt ?? null}, ${col(sql, w.tags ?? [])}::text[], ${w.childRunId ?? null}, ${w.batchId ?? null},
      ${w.batchRunIds ? col(sql, w.batchRunIds) : null}::text[])
    on conflict do nothing
    returning *`;
  if (inserted) return { row: inserted, isCached: false };
  const [existing] = await sql<WaitpointRow[]>`
    select * from waitpoints where environment_id = ${w.environmentId} and idempotency_key = ${w.idempotencyKey ?? null}`;
  if (!existing) throw new Error(`waitpoint ${w.id} was neither inserted nor found by its idempotency key`);
  return { row: existing, isCached: true };
}

export async function selectWaitpoint(sql: Db, environmentId: string, id: string): Promise<WaitpointRow | undefined> {
  const [row] = await sql<WaitpointRow[]>`select * from waitpoints where id = ${id} and environment_id = ${environmentId}`;
  return row;
}

/** The RUN waitpoint of a child run, if one was made (a replayed triggerAndWait finds it). */
export async function selectRunWaitpoint(sql: Db, childRunId: string): Promise<WaitpointRow | undefined> {
  const [row] = await sql<WaitpointRow[]>`select * from waitpoints where child_run_id = ${childRunId} and kind = 'RUN' limit 1`;
  return row;
}

export interface CompletedWaitpoint {
  id: string;
}

/** Completes PENDING waitpoints with the given outputs (a token completed, a timeout, a due datetime). */
export async function completeWaitpoints(
  sql: Db,
  items: { id: string; output: string | undefined; outputType: string; isError: boolean }[],
  environmentId?: string,
): Promise<CompletedWaitpoint[]> {
  if (items.length === 0) return [];
  return sql<CompletedWaitpoint[]>`
    update waitpoints w set status = 'COMPLETED', output = i.output, output_type = i.output_type,
      output_is_error = i.is_error, completed_at = now()
    from unnest(${col(sql, items.map((i) => i.id))}::text[], ${col(sql, items.map((i) => i.output))}::text[],
      ${col(sql, items.map((i) => i.outputType))}::text[], ${col(sql, items.map((i) => i.isError))}::bool[])
      as i(id, output, output_type, is_error)
    where w.id = i.id and w.status = 'PENDING' ${environmentId ? sql`and w.environment_id = ${environmentId}` : sql``}
    returning w.id`;
}

/**
 * Of these runs, the ones someone may wait for: triggered by triggerAndWait or batchTriggerAndWait, or with a
 * pending RUN waitpoint (a run an idempotency key handed to a triggerAndWait). Index lookups only.
 */
export async function selectAwaitedChildren(sql: Db, runIds: string[]): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select r.id from runs r where r.id = any(${col(sql, runIds)}::text[])
      and (r.trigger_function in ('triggerAndWait', 'batchTriggerAndWait')
        or exists (select 1 from waitpoints w where w.child_run_id = r.id and w.status = 'PENDING'))`;
  return rows.map((r) => r.id);
}

const FINAL = ["COMPLETED", "CANCELED", "FAILED", "CRASHED", "SYSTEM_FAILURE", "EXPIRED", "TIMED_OUT"];

/** RUN waitpoints of child runs that are final now: completed with the child's output or error. */
export async function completeChildRunWaitpoints(sql: Db, childRunIds: string[]): Promise<CompletedWaitpoint[]> {
  if (childRunIds.length === 0) return [];
  return sql<CompletedWaitpoint[]>`
    update waitpoints w set status = 'COMPLETED', completed_at = now(),
      output = case when r.status = 'COMPLETED' then r.output else r.error::text end,
      output_type = case when r.status = 'COMPLETED' then coalesce(r.output_type, 'application/json') else 'application/json' end,
      output_is_error = r.status <> 'COMPLETED'
    from runs r
    where w.child_run_id = any(${col(sql, childRunIds)}::text[]) and w.kind = 'RUN' and w.status = 'PENDING'
      and r.id = w.child_run_id and r.status = any(${col(sql, FINAL)}::text[])
    returning w.id`;
}

/**
 * BATCH waitpoints all of whose runs are final now: completed with every run's outcome in item order
 * (a JSON array of BatchWaitItem). Looked up from the batches of the given runs, or by batch id.
 */
export async function completeBatchWaitpoints(
  sql: Db,
  by: { runIds?: string[]; batchIds?: string[]; /** the batches module says these completed: do not recount */ whenBatchCompleted?: boolean },
): Promise<CompletedWaitpoint[]> {
  const batchIds = by.batchIds ?? [];
  const runIds = by.runIds ?? [];
  if (batchIds.length === 0 && runIds.length === 0) return [];
  return sql<CompletedWaitpoint[]>`
    with b as (
      select distinct r.batch_id as id from runs r where r.id = any(${col(sql, runIds)}::text[]) and r.batch_id is not null
      union select unnest(${col(sql, batchIds)}::text[])
    ),
    w as (
      select w.id, w.batch_run_ids from waitpoints w join b on w.batch_id = b.id
      where w.kind = 'BATCH' and w.status = 'PENDING'
        and (${by.whenBatchCompleted ?? false} or not exists (
          select 1 from runs r where r.id = any(w.batch_run_ids) and not (r.status = any(${col(sql, FINAL)}::text[]))))
      for update of w
    )
    update waitpoints t set status = 'COMPLETED', completed_at = now(), output_type = 'application/json', output_is_error = false,
      output = (
        select coalesce(json_agg(json_build_object('id', r.id, 'taskIdentifier', r.task_identifier, 'ok', r.status = 'COMPLETED',
          'output', r.output, 'outputType', r.output_type, 'error', r.error) order by o.ord), '[]'::json)::text
        from unnest(w.batch_run_ids) with ordinality as o(id, ord) join runs r on r.id = o.id)
    from w where t.id = w.id and t.status = 'PENDING'
    returning t.id`;
}

/** DATETIME waitpoints due and MANUAL ones past their timeout (the timers' sweep). */
export async function selectDueWaitpoints(sql: Db, limit: number): Promise<Array<{ id: string; kind: WaitpointKind; environment_id: string }>> {
  return sql`
    select id, kind, environment_id from waitpoints
    where status = 'PENDING' and completed_after is not null and completed_after <= now()
    order by completed_after limit ${limit}`;
}

/** Pending waits on children that are all final already (their completion was lost): the children, the batches. */
export async function selectLostChildCompletions(sql: Db, limit: number): Promise<{ runIds: string[]; batchIds: string[] }> {
  const rows = await sql<{ kind: "RUN" | "BATCH"; child_run_id: string | null; batch_id: string | null }[]>`
    select w.kind, w.child_run_id, w.batch_id from waitpoints w
    where w.status = 'PENDING' and w.kind in ('RUN', 'BATCH')
      and (
        (w.kind = 'RUN' and exists (select 1 from runs r where r.id = w.child_run_id and r.status = any(${col(sql, FINAL)}::text[])))
        or (w.kind = 'BATCH' and not exists (
          select 1 from runs r where r.id = any(w.batch_run_ids) and not (r.status = any(${col(sql, FINAL)}::text[]))))
      )
    limit ${limit}`;
  return {
    runIds: rows.flatMap((r) => (r.kind === "RUN" && r.child_run_id ? [r.child_run_id] : [])),
    batchIds: rows.flatMap((r) => (r.kind === "BATCH" && r.batch_id ? [r.batch_id] : [])),
  };
}
