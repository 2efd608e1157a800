import type { Sql } from "postgres";
import { col } from "../../batching/arrays.js";

export interface QueueRow {
  id: string;
  name: string;
  concurrency_limit: number | null;
  concurrency_limit_override: number | null;
  concurrency_limit_overridden_at: Date | null;
  total_concurrency_limit: number | null;
  rate_limit: { queue?: { limit: number; periodMs: number }; key?: { limit: number; periodMs: number } } | null;
  paused: boolean;
  env_concurrency_limit: number;
}

const COLUMNS = (sql: Sql) => sql`q.id, q.name, q.concurrency_limit, q.concurrency_limit_override, q.concurrency_limit_overridden_at,
  q.total_concurrency_limit, q.rate_limit, q.paused, e.concurrency_limit as env_concurrency_limit`;

/** One page of an environment's queues, by name. */
export async function selectQueuePage(sql: Sql, environmentId: string, offset: number, limit: number): Promise<{ rows: QueueRow[]; count: number }> {
  const [rows, [total]] = await Promise.all([
    sql<QueueRow[]>`
      select ${COLUMNS(sql)} from queues q join environments e on e.id = q.environment_id
      where q.environment_id = ${environmentId} order by q.name, q.id offset ${offset} limit ${limit}`,
    sql<{ count: number }[]>`select count(*)::int as count from queues where environment_id = ${environmentId}`,
  ]);
  return { rows, count: total?.count ?? 0 };
}

/** A queue by id, or by name (`task/<id>` for a task's own queue). */
export async function selectQueue(sql: Sql, environmentId: string, by: { id: string } | { name: string }): Promise<QueueRow | undefined> {
  const [row] = await sql<QueueRow[]>`
    select ${COLUMNS(sql)} from queues q join environments e on e.id = q.environment_id
    where q.environment_id = ${environmentId} and ${"id" in by ? sql`q.id = ${by.id}` : sql`q.name = ${by.name}`}`;
  return row;
}

/** Running (DEQUEUED, EXECUTING) and queued (QUEUED) runs per queue name, over the live-runs index. */
export async function selectQueueCounts(sql: Sql, environmentId: string, names: string[]): Promise<Map<string, { running: number; queued: number }>> {
  if (names.length === 0) return new Map();
  const rows = await sql<{ queue_name: string; running: number; queued: number }[]>`
    select queue_name,
      count(*) filter (where status in ('DEQUEUED', 'EXECUTING'))::int as running,
      count(*) filter (where status = 'QUEUED')::int as queued
    from runs
    where status in ('QUEUED', 'DEQUEUED', 'EXECUTING') and environment_id = ${environmentId}
      and queue_name = any(${col(sql, names)}::text[])
    group by queue_name`;
  return new Map(rows.map((r) => [r.queue_name, { running: r.running, queued: r.queued }]));
}

export async function updateQueuePaused(sql: Sql, id: string, paused: boolean): Promise<void> {
  await sql`
    update queues set paused = ${paused}, paused_at = case when ${paused} then coalesce(paused_at, now()) end, updated_at = now()
    where id = ${id}`;
}

/** Sets (a number) or clears (null) the API override of the queue's concurrency limit. */
export async function updateQueueOverride(sql: Sql, id: string, limit: number | null): Promise<void> {
  await sql`
    update queues set concurrency_limit_override = ${limit},
      concurrency_limit_overridden_at = case when ${limit}::int is null then null else now() end, updated_at = now()
    where id = ${id}`;
}
