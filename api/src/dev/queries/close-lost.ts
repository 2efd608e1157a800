import type { Db } from "../../db/sql.js";
import { col } from "../../batching/arrays.js";

const LOST_ERROR = JSON.stringify({
  type: "INTERNAL_ERROR",
  code: "SUSPENDED_ATTEMPT_LOST",
  message: "The gantry dev process holding this attempt at a wait ended; a new attempt replays the run from its recorded waits",
});

/**
 * Closes suspended attempts a dev session lost, fenced: the run (of this environment) still waits, or is queued
 * to resume, in that very attempt, which that session (`runnerId`) started. The attempt ends SYSTEM_FAILURE, the
 * run forgets it and gets one attempt more (a replay uses up no retry, as `closeLostSuspendedAttempts`). Returns
 * the runs changed.
 */
export async function closeLostDevAttempts(
  sql: Db,
  environmentId: string,
  runnerId: string,
  attempts: { runId: string; attemptNumber: number }[],
): Promise<string[]> {
  if (attempts.length === 0) return [];
  const ids = col(sql, attempts.map((a) => a.runId));
  const rows = await sql<{ id: string }[]>`
    with i as (select * from unnest(${ids}::text[], ${col(sql, attempts.map((a) => a.attemptNumber))}::int[]) as i(id, att)),
    r as materialized (
      select r.id, i.att from i cross join lateral (
        select r.id from runs r
        where r.id = i.id and r.environment_id = ${environmentId} and r.status in ('WAITING', 'QUEUED')
          and r.suspended_attempt = i.att and r.attempt_number = i.att
          and exists (select 1 from attempts a where a.run_id = r.id and a.number = i.att and a.runner_id = ${runnerId} and a.status = 'EXECUTING')
        for no key update of r
      ) r
    ),
    att as (
      update attempts a set status = 'SYSTEM_FAILURE', completed_at = now(), error = ${LOST_ERROR}::text::jsonb
      from r where a.run_id = r.id and a.number = r.att and a.status = 'EXECUTING'
      returning a.run_id
    )
    update runs t set suspended_attempt = null, max_attempts = coalesce(t.max_attempts, 1) + 1, updated_at = now()
    from r where t.id = r.id and t.id = any(${ids}::text[]) and (select count(*) from att) >= 0
    returning t.id`;
  return rows.map((r) => r.id);
}
