import type { Db as Sql } from "../../db/sql.js";

export interface QueueRow {
  name: string;
  concurrency_limit: number | null;
  paused: boolean;
  queued: number;
  running: number;
}

/** The environment's queues with live counts (only live runs are joined, over the runs_live index). */
export async function selectQueues(sql: Sql, environmentId: string): Promise<QueueRow[]> {
  return sql<QueueRow[]>`
    select q.name, q.concurrency_limit, q.paused,
      count(r.id) filter (where r.status in ('PENDING_VERSION', 'DELAYED', 'QUEUED'))::int as queued,
      count(r.id) filter (where r.status in ('DEQUEUED', 'EXECUTING'))::int as running
    from queues q
    left join runs r on r.environment_id = q.environment_id and r.queue_name = q.name
      and r.status in ('PENDING_VERSION', 'DELAYED', 'QUEUED', 'DEQUEUED', 'EXECUTING')
    where q.environment_id = ${environmentId}
    group by q.name, q.concurrency_limit, q.paused
    order by q.name`;
}

export async function selectEnvironmentConcurrency(sql: Sql, environmentId: string): Promise<number | null> {
  const [row] = await sql<{ concurrency_limit: number }[]>`select concurrency_limit from environments where id = ${environmentId}`;
  return row?.concurrency_limit ?? null;
}
