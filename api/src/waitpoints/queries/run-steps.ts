import type { Db } from "../../db/sql.js";
import { col } from "../../batching/arrays.js";
import type { WaitpointRow } from "./waitpoints.js";

export interface RunStepRow {
  run_id: string;
  step: number;
  kind: "WAIT" | "TOKEN";
  what: string;
  waitpoint_id: string;
}

/** The step as the record has it, with its waitpoint. */
export async function selectRunStep(sql: Db, runId: string, step: number): Promise<(RunStepRow & { waitpoint: WaitpointRow }) | undefined> {
  const [row] = await sql<(RunStepRow & { waitpoint: WaitpointRow })[]>`
    select s.run_id, s.step, s.kind, s.what, s.waitpoint_id, to_jsonb(w) as waitpoint
    from run_steps s join waitpoints w on w.id = s.waitpoint_id
    where s.run_id = ${runId} and s.step = ${step}`;
  if (row?.waitpoint) {
    // to_jsonb leaves timestamps as strings
    const w = row.waitpoint as unknown as Record<string, unknown>;
    for (const k of ["completed_at", "completed_after", "idempotency_key_expires_at", "created_at"]) if (typeof w[k] === "string") w[k] = new Date(w[k] as string);
  }
  return row;
}

/** Records a step; a concurrent duplicate (a retried request) keeps the first. */
export async function insertRunStep(
  sql: Db,
  s: { runId: string; step: number; kind: "WAIT" | "TOKEN"; what: string; waitpointId: string; attemptNumber: number },
): Promise<void> {
  await sql`
    insert into run_steps (run_id, step, kind, what, waitpoint_id, attempt_number)
    values (${s.runId}, ${s.step}, ${s.kind}, ${s.what}, ${s.waitpointId}, ${s.attemptNumber})
    on conflict do nothing`;
}

export type WaitDecision =
  | { status: "COMPLETED"; output: string | null; output_type: string; output_is_error: boolean }
  | { status: "WAITING" }
  | { status: "STALE" };

/**
 * The run blocks on the waitpoint unless it is complete: one statement that locks the waitpoint (a completion
 * waits for it, then finds the run WAITING; or it came first and the run continues), and moves the run
 * EXECUTING → WAITING fenced by its attempt number, remembering the suspended attempt.
 */
export async function blockRunOnWaitpoint(sql: Db, runId: string, attemptNumber: number, step: number, waitpointId: string): Promise<WaitDecision> {
  const [row] = await sql<
    { status: string; output: string | null; output_type: string; output_is_error: boolean; blocked: boolean; run_ok: boolean; already_suspended: boolean }[]
  >`
    with w as (select id, status, output, output_type, output_is_error from waitpoints where id = ${waitpointId} for update),
    r as (select id from runs where id = ${runId} and status = 'EXECUTING' and attempt_number = ${attemptNumber} for no key update),
    blocked as (
      update runs set status = 'WAITING', suspended_attempt = ${attemptNumber}, updated_at = now()
      where id = (select id from r) and (select status from w) = 'PENDING'
      returning id
    ),
    resumed as (
      update run_steps set resumed_at = now()
      where run_id = ${runId} and step = ${step} and (select status from w) = 'COMPLETED' and resumed_at is null
      returning run_id
    )
    select w.status, w.output, w.output_type, w.output_is_error,
      exists (select 1 from blocked) as blocked, exists (select 1 from r) as run_ok,
      exists (select 1 from runs x where x.id = ${runId} and x.suspended_attempt = ${attemptNumber} and x.status in ('WAITING', 'QUEUED')) as already_suspended,
      (select count(*) from resumed) as _resumed
    from w`;
  // the same request again (its answer was lost): this attempt is already suspended at this wait
  if (row && !row.run_ok && row.already_suspended) return { status: "WAITING" };
  if (!row || !row.run_ok) return { status: "STALE" };
  if (row.status === "COMPLETED") return { status: "COMPLETED", output: row.output, output_type: row.output_type, output_is_error: row.output_is_error };
  return row.blocked ? { status: "WAITING" } : { status: "STALE" };
}

export interface ResumedRun {
  id: string;
  environment_id: string;
  env_type: string;
  attempt_number: number;
}

/** WAITING runs blocked on these (now complete) waitpoints → QUEUED, to resume. */
export async function resumeRunsWaitingOn(sql: Db, waitpointIds: string[]): Promise<ResumedRun[]> {
  if (waitpointIds.length === 0) return [];
  return sql<ResumedRun[]>`
    with s as (
      select s.run_id, s.step from run_steps s
      where s.waitpoint_id = any(${col(sql, waitpointIds)}::text[]) and s.kind = 'WAIT' and s.resumed_at is null
    ),
    r as (
      select r.id from runs r join s on s.run_id = r.id where r.status = 'WAITING' order by r.id for no key update of r
    ),
    upd as (
      update runs t set status = 'QUEUED', queued_at = now(), available_at = now(), updated_at = now()
      from r where t.id = r.id
      returning t.id, t.environment_id, t.attempt_number
    ),
    mark as (
      update run_steps rs set resumed_at = now() from s, upd
      where rs.run_id = s.run_id and rs.step = s.step and s.run_id = upd.id
      returning rs.run_id
    )
    select u.id, u.environment_id, e.type as env_type, u.attempt_number, (select count(*) from mark) as _marked
    from upd u join environments e on e.id = u.environment_id`;
}

/** What a suspended attempt resumes with: the waitpoint of the run's last wait. */
export async function selectLastWaitResults(sql: Db, runIds: string[]): Promise<Map<string, WaitpointRow>> {
  if (runIds.length === 0) return new Map();
  const rows = await sql<{ run_id: string; id: string; output: string | null; output_type: string; output_is_error: boolean }[]>`
    select x.id as run_id, w.id, w.output, w.output_type, w.output_is_error
    from unnest(${col(sql, runIds)}::text[]) as x(id)
    cross join lateral (
      select s.waitpoint_id from run_steps s where s.run_id = x.id and s.kind = 'WAIT' order by s.step desc limit 1
    ) s
    join waitpoints w on w.id = s.waitpoint_id`;
  return new Map(rows.map((r) => [r.run_id, r as unknown as WaitpointRow]));
}

/**
 * Waitpoints that are complete while a run still WAITS on them: their resume was lost (a crash between the
 * completion's commit and the resume). For the sweep to resume them.
 */
export async function selectUnresumedWaitpoints(sql: Db, limit: number): Promise<string[]> {
  const rows = await sql<{ waitpoint_id: string }[]>`
    select distinct s.waitpoint_id from run_steps s
    join waitpoints w on w.id = s.waitpoint_id
    join runs r on r.id = s.run_id
    where s.kind = 'WAIT' and s.resumed_at is null and w.status = 'COMPLETED' and r.status = 'WAITING'
    limit ${limit}`;
  return rows.map((r) => r.waitpoint_id);
}
