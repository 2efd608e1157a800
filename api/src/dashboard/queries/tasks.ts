import type { Sql } from "../../db/sql.js";

export interface TaskRow {
  slug: string;
  file_path: string;
  trigger_source: string;
  queue_name: string;
  machine: string | null;
  payload_schema: unknown;
}

/** The tasks of the environment's current deployment. */
export async function selectCurrentTasks(sql: Sql, environmentId: string): Promise<TaskRow[]> {
  return sql<TaskRow[]>`
    select t.slug, t.file_path, t.trigger_source, t.queue_name, t.machine, t.payload_schema
    from environments e join tasks t on t.deployment_id = e.current_deployment_id
    where e.id = ${environmentId}
    order by t.slug`;
}

export interface TaskStatRow {
  task_identifier: string;
  count: number;
  by_status: Record<string, number>;
  avg_duration_ms: number | null;
  p95_duration_ms: number | null;
}

/**
 * Run counts per task and status since `from`, and durations of its finished runs: one read of the window's
 * rows (runs_environment_created or a scan, as the planner sees fit; a 7-day window of a busy environment is a
 * few hundred thousand rows, so dashboard/task-stats-cache.ts keeps the result for a few seconds). JIT is off:
 * at this size compiling the expressions cost more than it saved.
 */
export async function selectTaskStats(sql: Sql, environmentId: string, from: Date): Promise<TaskStatRow[]> {
  return sql.begin(async (tx) => {
    await tx`set local jit = off`;
    return tx<TaskStatRow[]>`
      with recent as materialized (
        select task_identifier, status, usage_duration_ms, completed_at is not null as finished from runs
        where environment_id = ${environmentId} and created_at >= ${from}
      ), counts as (
        select task_identifier, status, count(*)::int as n from recent group by task_identifier, status
      ), durations as (
        select task_identifier, avg(usage_duration_ms)::float8 as avg_duration_ms,
          percentile_cont(0.95) within group (order by usage_duration_ms)::float8 as p95_duration_ms
        from recent where finished group by task_identifier
      )
      select c.task_identifier, sum(c.n)::int as count, jsonb_object_agg(c.status, c.n) as by_status,
        d.avg_duration_ms, d.p95_duration_ms
      from counts c left join durations d using (task_identifier)
      group by c.task_identifier, d.avg_duration_ms, d.p95_duration_ms`;
  });
}
