import type { Sql } from "postgres";
import type { RunStatus } from "@gantry/sdk/contracts";
import { col } from "../../batching/arrays.js";

/** What the gate needs to place a run: its queue, key, order and when it may start. */
export interface GateRunRow {
  id: string;
  environment_id: string;
  status: RunStatus;
  queue_name: string;
  concurrency_key: string | null;
  attempt_number: number;
  /** queued_at − priority, ms: the order inside one (queue, key) */
  order_ms: number;
  available_at_ms: number;
}

/**
 * The gate's view of runs handed to dispatch, one primary-key lookup per id (PERFORMANCE.md #2): callers pass
 * ids only, and Postgres decides the queue (`task/<id>` by default) and the order.
 */
export async function selectGateRuns(sql: Sql, runIds: string[]): Promise<GateRunRow[]> {
  if (runIds.length === 0) return [];
  return sql<GateRunRow[]>`
    select r.* from unnest(${col(sql, runIds)}::text[]) as x(id)
    cross join lateral (
      select r.id, r.environment_id, r.status, r.queue_name, r.concurrency_key, r.attempt_number,
        (extract(epoch from coalesce(r.queued_at, r.created_at)) * 1000 - r.priority_ms)::float8 as order_ms,
        (extract(epoch from r.available_at) * 1000)::float8 as available_at_ms
      from runs r where r.id = x.id limit 1
    ) r`;
}

/** Statuses of runs holding a slot (the reconciler releases slots of runs that left DEQUEUED/EXECUTING). */
export async function selectRunStatuses(sql: Sql, runIds: string[]): Promise<Map<string, { status: RunStatus; attempt: number }>> {
  if (runIds.length === 0) return new Map();
  const rows = await sql<{ id: string; status: RunStatus; attempt_number: number }[]>`
    select r.* from unnest(${col(sql, runIds)}::text[]) as x(id)
    cross join lateral (select r.id, r.status, r.attempt_number from runs r where r.id = x.id limit 1) r`;
  return new Map(rows.map((r) => [r.id, { status: r.status, attempt: r.attempt_number }]));
}

/**
 * Live runs, a page at a time in id order (the rebuild after a Redis loss): QUEUED and
 * DELAYED ones go back in line, DEQUEUED and EXECUTING ones hold their slots.
 */
export async function selectLiveGateRuns(sql: Sql, afterId: string, limit: number): Promise<GateRunRow[]> {
  return sql<GateRunRow[]>`
    select r.id, r.environment_id, r.status, r.queue_name, r.concurrency_key, r.attempt_number,
      (extract(epoch from coalesce(r.queued_at, r.created_at)) * 1000 - r.priority_ms)::float8 as order_ms,
      (extract(epoch from r.available_at) * 1000)::float8 as available_at_ms
    from runs r
    where r.status in ('QUEUED', 'DELAYED', 'DEQUEUED', 'EXECUTING') and r.id > ${afterId}
    order by r.id limit ${limit}`;
}
