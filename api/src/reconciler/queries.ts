import type { Sql } from "postgres";
import type { EnvironmentType } from "@gantry/sdk/contracts";
import { col } from "../batching/arrays.js";
import { assertTransition } from "../engine/transitions.js";

assertTransition("DELAYED", "QUEUED");
assertTransition("EXECUTING", "QUEUED");
assertTransition("EXECUTING", "CRASHED");
assertTransition("QUEUED", "EXPIRED");
assertTransition("PENDING_VERSION", "EXPIRED");

export interface LiveRun {
  id: string;
  environment_id: string;
  env_type: EnvironmentType;
  attempt_number: number;
  max_attempts: number | null;
  available_at: Date;
}

/** DELAYED runs whose delay has passed → QUEUED. */
export async function queueDueDelayedRuns(sql: Sql, limit: number): Promise<LiveRun[]> {
  return sql<LiveRun[]>`
    with due as (
      select r.id, e.type from runs r join environments e on e.id = r.environment_id
      where r.status = 'DELAYED' and coalesce(r.delay_until, r.available_at) <= now()
      order by r.available_at limit ${limit}
      for update of r skip locked
    )
    update runs r set status = 'QUEUED', queued_at = now(), available_at = now(), updated_at = now()
    from due where r.id = due.id
    returning r.id, r.environment_id, due.type as env_type, r.attempt_number, r.max_attempts, r.available_at`;
}

/** QUEUED runs of deployed environments that should have been taken by now (their job may be lost). */
export async function selectOverdueQueuedRuns(sql: Sql, graceMs: number, limit: number): Promise<LiveRun[]> {
  return sql<LiveRun[]>`
    select r.id, r.environment_id, e.type as env_type, r.attempt_number, r.max_attempts, r.available_at
    from runs r join environments e on e.id = r.environment_id
    where r.status = 'QUEUED' and r.available_at <= now() - ${graceMs} * interval '1 millisecond'
      and e.type <> 'DEVELOPMENT'
    order by r.available_at limit ${limit}`;
}

/** EXECUTING runs not touched for a heartbeat timeout (candidates whose lease may be gone). */
export async function selectQuietExecutingRuns(sql: Sql, quietMs: number, limit: number): Promise<LiveRun[]> {
  return sql<LiveRun[]>`
    select r.id, r.environment_id, e.type as env_type, r.attempt_number, r.max_attempts, r.available_at
    from runs r join environments e on e.id = r.environment_id
    where r.status = 'EXECUTING' and r.updated_at <= now() - ${quietMs} * interval '1 millisecond'
    order by r.updated_at limit ${limit}`;
}

/**
 * Runs whose runner vanished: back to QUEUED for a new attempt (redrive), or CRASHED once the extra attempt
 * a vanished runner earns is used up. Fenced by attempt number, so a run that moved on is left alone.
 */
export async function redriveRuns(sql: Sql, runs: { id: string; attemptNumber: number }[]): Promise<Array<LiveRun & { status: "QUEUED" | "CRASHED" }>> {
  if (runs.length === 0) return [];
  const error = JSON.stringify({
    type: "INTERNAL_ERROR",
    code: "RUNNER_LOST",
    message: "The runner executing this attempt stopped heartbeating (host died or lost its connection)",
  });
  return sql<Array<LiveRun & { status: "QUEUED" | "CRASHED" }>>`
    with i as (
      select * from unnest(${col(sql, runs.map((r) => r.id))}::text[], ${col(sql, runs.map((r) => r.attemptNumber))}::int[]) as i(id, attempt_number)
    ),
    lost as (
      select r.id, r.attempt_number, r.attempt_number < coalesce(r.max_attempts, 1) + 1 as again
      from runs r join i on i.id = r.id and i.attempt_number = r.attempt_number
      where r.status = 'EXECUTING'
      order by r.id
      for update of r
    ),
    upd as (
      update runs r set
        status = case when l.again then 'QUEUED' else 'CRASHED' end,
        available_at = case when l.again then now() else r.available_at end,
        queued_at = case when l.again then now() else r.queued_at end,
        completed_at = case when l.again then null else now() end,
        error = case when l.again then r.error else ${error}::jsonb end,
        updated_at = now()
      from lost l where r.id = l.id
      returning r.id, r.environment_id, r.attempt_number, r.max_attempts, r.available_at, r.status
    ),
    att as (
      update attempts a set status = 'SYSTEM_FAILURE', error = ${error}::jsonb, completed_at = now()
      from lost l where a.run_id = l.id and a.number = l.attempt_number and a.status = 'EXECUTING'
      returning a.id
    )
    select u.id, u.environment_id, e.type as env_type, u.attempt_number, u.max_attempts, u.available_at, u.status
    from upd u join environments e on e.id = u.environment_id`;
}

/**
 * Runs that never started within their ttl → EXPIRED (a QUEUED run waiting for a retry has started: it is not
 * expired). Locked rows are skipped: a start that holds one wins, and the next pass looks again.
 */
export async function expireDueRuns(sql: Sql, limit: number): Promise<Array<{ id: string; environment_id: string }>> {
  return sql<{ id: string; environment_id: string }[]>`
    with due as (
      select id from runs
      where ttl_expires_at <= now() and status in ('QUEUED', 'PENDING_VERSION') and attempt_number = 0
      order by ttl_expires_at limit ${limit}
      for update skip locked
    )
    update runs r set status = 'EXPIRED', expired_at = now(), completed_at = now(), updated_at = now(),
      error = jsonb_build_object('type', 'INTERNAL_ERROR', 'code', 'TTL_EXPIRED',
        'message', 'The run did not start within its ttl (' || coalesce(r.ttl, '?') || ')')
    from due where r.id = due.id
    returning r.id, r.environment_id`;
}
