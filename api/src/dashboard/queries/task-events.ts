import type { Db as Sql } from "../../db/sql.js";

export interface TaskEventRow {
  id: string;
  attempt_number: number;
  kind: "log" | "span";
  level: string;
  message: string;
  attributes: Record<string, unknown> | null;
  span_id: string | null;
  parent_span_id: string | null;
  duration_ms: number | null;
  time: Date;
}

/** True if the run exists in that environment (events are only shown to the run's own environment). */
export async function runInEnvironment(sql: Sql, runId: string, environmentId: string): Promise<boolean> {
  const rows = await sql`select 1 from runs where id = ${runId} and environment_id = ${environmentId}`;
  return rows.length === 1;
}

/** A run's first `limit` logs and spans in time order (index task_events_run). */
export async function selectTaskEvents(sql: Sql, runId: string, limit: number): Promise<TaskEventRow[]> {
  return sql<TaskEventRow[]>`
    select id::text, attempt_number, kind, level, message, attributes, span_id, parent_span_id, duration_ms, time
    from task_events
    where run_id = ${runId}
    order by time, id
    limit ${limit}`;
}
