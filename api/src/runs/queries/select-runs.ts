import type { Sql } from "postgres";
import type { RunStatus } from "@gantry/sdk/contracts";
import { col } from "../../batching/arrays.js";

/** A run row as the API presents it, with its locked version and environment name. */
export interface RunRow {
  id: string;
  environment_id: string;
  environment_slug: string;
  environment_user: string | null;
  task_identifier: string;
  status: RunStatus;
  payload: string | null;
  payload_type: string;
  output: string | null;
  output_type: string | null;
  error: Record<string, unknown> | null;
  idempotency_key: string | null;
  tags: string[];
  metadata: Record<string, unknown> | null;
  machine: string | null;
  ttl: string | null;
  delay_until: Date | null;
  version: string | null;
  is_test: boolean;
  depth: number;
  parent_run_id: string | null;
  root_run_id: string | null;
  batch_id: string | null;
  trigger_function: string;
  replayed_from_id: string | null;
  schedule_id: string | null;
  attempt_number: number;
  usage_duration_ms: string;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  expired_at: Date | null;
  /** microseconds since the epoch: the exact keyset position */
  created_us: string;
}

export function runColumns(sql: Sql, withPayload: boolean) {
  return sql`
    r.id, r.environment_id, e.slug as environment_slug, u.email as environment_user, r.task_identifier, r.status,
    ${withPayload ? sql`r.payload, r.output,` : sql`null as payload, null as output,`}
    r.payload_type, r.output_type, r.error, r.idempotency_key, r.tags, r.metadata, r.machine, r.ttl, r.delay_until,
    d.version, r.is_test, r.depth, r.parent_run_id, r.root_run_id, r.batch_id, r.trigger_function, r.replayed_from_id,
    r.schedule_id, r.attempt_number, r.usage_duration_ms, r.created_at, r.updated_at, r.started_at, r.completed_at, r.expired_at,
    (extract(epoch from r.created_at) * 1000000)::bigint::text as created_us`;
}

export function runJoins(sql: Sql) {
  return sql`
    join environments e on e.id = r.environment_id
    left join users u on u.id = e.user_id
    left join deployments d on d.id = r.locked_deployment_id`;
}

export async function selectRun(sql: Sql, environmentId: string, runId: string): Promise<RunRow | undefined> {
  const [row] = await sql<RunRow[]>`
    select ${runColumns(sql, true)} from runs r ${runJoins(sql)}
    where r.id = ${runId} and r.environment_id = ${environmentId}`;
  return row;
}

/** Runs by id (same environment), without payloads: parents, roots, children. */
export async function selectRunsByIds(sql: Sql, environmentId: string, ids: string[]): Promise<RunRow[]> {
  if (ids.length === 0) return [];
  return sql<RunRow[]>`
    select ${runColumns(sql, false)} from runs r ${runJoins(sql)}
    where r.id = any(${col(sql, ids)}::text[]) and r.environment_id = ${environmentId}`;
}

export async function selectChildRuns(sql: Sql, environmentId: string, parentId: string): Promise<RunRow[]> {
  return sql<RunRow[]>`
    select ${runColumns(sql, false)} from runs r ${runJoins(sql)}
    where r.parent_run_id = ${parentId} and r.environment_id = ${environmentId}
    order by r.created_at limit 100`;
}

export interface AttemptRow {
  id: string;
  number: number;
  status: string;
  started_at: Date;
  completed_at: Date | null;
  error: Record<string, unknown> | null;
}

export async function selectAttempts(sql: Sql, runId: string): Promise<AttemptRow[]> {
  return sql<AttemptRow[]>`
    select id, number, status, started_at, completed_at, error from attempts where run_id = ${runId} order by number`;
}

export interface RunScheduleRow {
  id: string;
  external_id: string | null;
  deduplication_key: string | null;
  cron: string;
}

/** The schedule that fired a run (the scheduler stamps runs.schedule_id), for retrieve's `schedule`. */
export async function selectSchedule(sql: Sql, scheduleId: string): Promise<RunScheduleRow | undefined> {
  const [row] = await sql<RunScheduleRow[]>`
    select id, external_id, deduplication_key, cron from schedules where id = ${scheduleId}`;
  return row;
}
