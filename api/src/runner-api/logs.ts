import type { LogEvent } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { col } from "../batching/arrays.js";
import type { AttemptScope } from "./queries/start-attempts.js";

/**
 * Stores log lines and spans in one statement, in the order sent (ids follow it, so equal timestamps keep
 * their order); events of runs outside the caller's scope are dropped.
 */
export async function insertLogs(deps: ApiDeps, events: LogEvent[], scope: AttemptScope): Promise<number> {
  if (events.length === 0) return 0;
  const sql = deps.sql;
  const rows = await sql`
    insert into task_events (run_id, attempt_number, kind, level, message, attributes, span_id, parent_span_id, duration_ms, time)
    select i.run_id, i.attempt_number, i.kind, i.level, i.message, i.attributes::jsonb, i.span_id, i.parent_span_id,
      i.duration_ms, i.time
    from unnest(
      ${col(sql, events.map((e) => e.runId))}::text[],
      ${col(sql, events.map((e) => e.attemptNumber))}::int[],
      ${col(sql, events.map((e) => e.kind))}::text[],
      ${col(sql, events.map((e) => e.level))}::text[],
      ${col(sql, events.map((e) => e.message))}::text[],
      ${col(sql, events.map((e) => (e.attributes === undefined ? null : JSON.stringify(e.attributes))))}::text[],
      ${col(sql, events.map((e) => e.spanId))}::text[],
      ${col(sql, events.map((e) => e.parentSpanId))}::text[],
      ${col(sql, events.map((e) => e.durationMs))}::float8[],
      ${col(sql, events.map((e) => new Date(e.time)))}::timestamptz[]
    ) with ordinality as i(run_id, attempt_number, kind, level, message, attributes, span_id, parent_span_id, duration_ms, time, ord)
    join runs r on r.id = i.run_id
    join environments e on e.id = r.environment_id
    -- the ids again as a condition on runs: reached through its primary key, never scanned (PERFORMANCE.md #2)
    where r.id = any(${col(sql, [...new Set(events.map((e) => e.runId))])}::text[])
      and ${scope.kind === "runner" ? sql`e.type <> 'DEVELOPMENT'` : sql`r.environment_id = ${scope.environmentId}`}
    order by i.ord`;
  return rows.count;
}
