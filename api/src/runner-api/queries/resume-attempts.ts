import type { Sql } from "postgres";
import { col } from "../../batching/arrays.js";
import type { AttemptScope, StartedRunRow } from "./start-attempts.js";

/**
 * QUEUED runs whose suspended attempt the calling runner holds → EXECUTING in that same attempt (no new
 * attempt row: the attempt's process continues where it waited). Fenced by the attempt number the runner
 * names, which must still be the run's suspended one; a run that moved on is simply not resumed here.
 */
export async function resumeAttempts(
  sql: Sql,
  runs: { runId: string; attemptNumber: number }[],
  scope: AttemptScope,
): Promise<StartedRunRow[]> {
  if (runs.length === 0) return [];
  const ids = col(sql, runs.map((r) => r.runId));
  const runScope =
    scope.kind === "environment"
      ? sql`r.environment_id = ${scope.environmentId}`
      : sql`exists (select 1 from environments e where e.id = r.environment_id and e.type <> 'DEVELOPMENT')`;
  return sql<StartedRunRow[]>`
    with i as (select * from unnest(${ids}::text[], ${col(sql, runs.map((r) => r.attemptNumber))}::int[]) as i(id, att)),
    picked as materialized (
      select r.id from i cross join lateral (
        select r.id from runs r
        where r.id = i.id and r.status = 'QUEUED' and r.suspended_attempt = i.att and r.attempt_number = i.att
          and r.available_at <= now() and ${runScope}
        for no key update of r skip locked
      ) r
    ),
    upd as (
      update runs r set status = 'EXECUTING', suspended_attempt = null, updated_at = now()
      from picked p where r.id = p.id and r.id = any(${ids}::text[])
      returning r.*
    )
    select u.id, u.environment_id, u.task_identifier, u.locked_deployment_id, u.attempt_number,
      a.id as attempt_id, a.started_at as attempt_started_at, u.payload, u.payload_type, u.tags, u.is_test,
      u.created_at, u.started_at, u.idempotency_key, u.max_attempts, u.max_duration, u.metadata, u.parent_run_id,
      u.root_run_id, u.depth, u.queue_name, u.machine, u.usage_duration_ms, u.batch_id, null::int as suspended_attempt
    from upd u
    join lateral (select a.id, a.started_at from attempts a where a.run_id = u.id and a.number = u.attempt_number offset 0) a on true`;
}

/**
 * Runs that started a new attempt while an earlier one was suspended (its runner or process was lost): the
 * suspended attempt is closed, and the run gets one attempt more, so a replay does not use up a retry.
 */
export async function closeLostSuspendedAttempts(sql: Sql, runs: { runId: string; suspendedAttempt: number }[]): Promise<void> {
  if (runs.length === 0) return;
  const ids = col(sql, runs.map((r) => r.runId));
  await sql`
    with i as (select * from unnest(${ids}::text[], ${col(sql, runs.map((r) => r.suspendedAttempt))}::int[]) as i(id, att)),
    att as (
      update attempts a set status = 'SYSTEM_FAILURE', completed_at = now(),
        error = '{"type":"INTERNAL_ERROR","code":"SUSPENDED_ATTEMPT_LOST","message":"The process holding this attempt at a wait was lost; a new attempt replays the run from its recorded waits"}'::jsonb
      from i where a.run_id = i.id and a.number = i.att and a.status = 'EXECUTING'
      returning a.id
    )
    update runs r set suspended_attempt = null, max_attempts = coalesce(r.max_attempts, 1) + 1
    where r.id = any(${ids}::text[]) and r.suspended_attempt is not null and (select count(*) from att) >= 0`;
}
