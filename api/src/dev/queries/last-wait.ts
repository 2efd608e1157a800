import type { Db } from "../../db/sql.js";

export interface LastWaitRow {
  id: string;
  status: string;
  what: string | null;
  waitpoint_id: string | null;
  waitpoint_status: string | null;
  completed_after: Date | null;
  child_run_id: string | null;
  batch_id: string | null;
  batch_run_ids: string[] | null;
}

/** A run of this environment with its last wait (the step it is suspended at, when it is WAITING). */
export async function selectLastWait(sql: Db, environmentId: string, runId: string): Promise<LastWaitRow | undefined> {
  const [row] = await sql<LastWaitRow[]>`
    select r.id, r.status, s.what, w.id as waitpoint_id, w.status as waitpoint_status, w.completed_after,
      w.child_run_id, w.batch_id, w.batch_run_ids
    from runs r
    left join lateral (
      select s.what, s.waitpoint_id from run_steps s where s.run_id = r.id and s.kind = 'WAIT' order by s.step desc limit 1
    ) s on true
    left join waitpoints w on w.id = s.waitpoint_id
    where r.id = ${runId} and r.environment_id = ${environmentId}`;
  return row;
}
