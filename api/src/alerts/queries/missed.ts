import type { Db } from "../../db/sql.js";

/**
 * Failed runs finished since `since` that an enabled channel (existing when the run finished) wants and has no
 * delivery for: what the finished-runs hook missed (an instance stopped between the commit and the hook).
 * Reads failures only, through runs_failed_completed.
 */
export async function selectMissedFailedRuns(sql: Db, since: Date, limit: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select distinct r.id
    from runs r
    join environments e on e.id = r.environment_id
    join alert_channels c on c.project_id = r.project_id and c.enabled and 'alert.run.failed' = any(c.events)
      and e.type = any(c.environment_types) and c.created_at <= r.completed_at
    where r.status in ('FAILED', 'CRASHED', 'SYSTEM_FAILURE', 'TIMED_OUT') and r.completed_at >= ${since}
      and not exists (select 1 from alert_deliveries d where d.channel_id = c.id and d.event_type = 'alert.run.failed' and d.subject_id = r.id)
    limit ${limit}`;
  return rows.map((r) => r.id);
}

/** Same for deployments that became DEPLOYED, FAILED or TIMED_OUT since `since` (TIMED_OUT comes from the timeout sweep). */
export async function selectMissedDeployments(sql: Db, since: Date, limit: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select distinct d.id
    from deployments d
    join environments e on e.id = d.environment_id
    join alert_channels c on c.project_id = d.project_id and c.enabled and e.type = any(c.environment_types)
      and c.created_at <= d.updated_at
      and (case when d.status = 'DEPLOYED' then 'alert.deployment.success' else 'alert.deployment.failed' end) = any(c.events)
    where d.status in ('DEPLOYED', 'FAILED', 'TIMED_OUT') and d.updated_at >= ${since}
      and not exists (select 1 from alert_deliveries a where a.channel_id = c.id and a.subject_id = d.id
        and a.event_type in ('alert.deployment.success', 'alert.deployment.failed'))
    limit ${limit}`;
  return rows.map((r) => r.id);
}
