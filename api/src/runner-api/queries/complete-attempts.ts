import type { Sql } from "postgres";
import type { RunStatus } from "@gantry/sdk/contracts";
import { col } from "../../batching/arrays.js";
import type { AttemptScope } from "./start-attempts.js";

/** One completion, decided in JS: the final status, or a retry that SQL confirms against attempts left. */
export interface CompletionRow {
  runId: string;
  attemptNumber: number;
  /** status if this attempt ends the run (for a retry: the status when no attempts are left) */
  finalStatus: RunStatus;
  /** the attempt's own status */
  attemptStatus: "COMPLETED" | "FAILED" | "CANCELED" | "CRASHED" | "TIMED_OUT" | "SYSTEM_FAILURE";
  /** retry at this time if attempts are left */
  retryAt?: Date;
  /** ...on this machine (an out-of-memory attempt's `retry.outOfMemory.machine`): the run's machine becomes it */
  retryMachine?: string;
  output?: string;
  outputType?: string;
  /** JSON text of a TaskRunError */
  error?: string;
  durationMs: number;
}

export interface CompletedRow {
  id: string;
  status: RunStatus;
  environment_id: string;
  attempt_number: number;
  available_at: Date;
}

/**
 * Completes many attempts in one statement, fenced by attempt number (invariant 3): only a run still
 * EXECUTING the same attempt changes; anything else is stale and absent from the result. A retry goes back to
 * QUEUED (available at its backoff time, on its retry machine if it has one) while attempt_number < max_attempts;
 * otherwise it takes finalStatus.
 */
export async function completeAttempts(sql: Sql, rows: CompletionRow[], scope: AttemptScope): Promise<CompletedRow[]> {
  // the ids again as a redundant condition on each write's target, so both updates use their indexes
  const runIds = col(sql, rows.map((r) => r.runId));
  return sql<CompletedRow[]>`
    with i as (
      select * from unnest(
        ${runIds}::text[],
        ${col(sql, rows.map((r) => r.attemptNumber))}::int[],
        ${col(sql, rows.map((r) => r.finalStatus))}::text[],
        ${col(sql, rows.map((r) => r.attemptStatus))}::text[],
        ${col(sql, rows.map((r) => r.retryAt))}::timestamptz[],
        ${col(sql, rows.map((r) => r.output))}::text[],
        ${col(sql, rows.map((r) => r.outputType))}::text[],
        ${col(sql, rows.map((r) => r.error))}::text[],
        ${col(sql, rows.map((r) => Math.round(r.durationMs)))}::bigint[],
        ${col(sql, rows.map((r) => r.retryMachine))}::text[]
      ) as i(run_id, attempt_number, final_status, attempt_status, retry_at, output, output_type, error, duration_ms, retry_machine)
      order by 1
    ),
    -- by primary key, one lateral lookup per completion (PERFORMANCE.md #2), locked in id order
    decided as (
      select i.*, r.retrying from i
      cross join lateral (
        select (i.retry_at is not null and r.attempt_number < coalesce(r.max_attempts, 1)) as retrying
        from runs r
        where r.id = i.run_id and r.status = 'EXECUTING' and r.attempt_number = i.attempt_number
          and ${scope.kind === "runner"
            ? sql`not exists (select 1 from environments e where e.id = r.environment_id and e.type = 'DEVELOPMENT')`
            : sql`r.environment_id = ${scope.environmentId}`}
        for update of r
      ) r
    ),
    upd as (
      update runs r set
        status = case when d.retrying then 'QUEUED' else d.final_status end,
        output = case when d.final_status = 'COMPLETED' then d.output else r.output end,
        output_type = case when d.final_status = 'COMPLETED' then d.output_type else r.output_type end,
        error = case when d.error is null then r.error else d.error::jsonb end,
        available_at = case when d.retrying then d.retry_at else r.available_at end,
        machine = case when d.retrying and d.retry_machine is not null then d.retry_machine else r.machine end,
        queued_at = case when d.retrying then now() else r.queued_at end,
        completed_at = case when d.retrying then null else now() end,
        usage_duration_ms = r.usage_duration_ms + coalesce(d.duration_ms, 0),
        updated_at = now()
      from decided d where r.id = d.run_id and r.id = any(${runIds}::text[])
      returning r.id, r.status, r.environment_id, r.attempt_number, r.available_at
    ),
    -- Each completion's attempt row is found through the (run_id, number) index (OFFSET 0 keeps the lateral
    -- subquery per row) and updated by tuple id. Joined on (run_id, number) instead, Postgres' cost model hashes
    -- the whole attempts table once a batch is a few hundred rows, however large the table. The tuple id is
    -- stable here: an attempt changes only together with its run, whose row \`decided\` holds locked (a run that
    -- changed meanwhile drops out of \`decided\`).
    att as (
      update attempts a set status = d.attempt_status, error = d.error::jsonb, completed_at = now()
      from decided d
      cross join lateral (
        select a2.ctid as row_id from attempts a2 where a2.run_id = d.run_id and a2.number = d.attempt_number offset 0
      ) x
      where a.ctid = x.row_id
      returning a.id
    )
    select * from upd`;
}
