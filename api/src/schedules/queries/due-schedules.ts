import type { Db } from "../../db/sql.js";

export interface DueSchedule {
  id: string;
  environment_id: string;
  type: "DECLARATIVE" | "IMPERATIVE";
  task_identifier: string;
  cron: string;
  timezone: string;
  external_id: string | null;
  next_tick_at: Date;
  last_tick_at: Date | null;
  env_type: string;
  env_archived: boolean;
  /** the environment's current deployment has the task (older versions' tasks never fire) */
  in_current_deployment: boolean;
  /** dev only: this schedule's previous run still waits to be claimed (no `gantry dev` is running) */
  dev_backlog: boolean;
}

/**
 * Claims due schedules: row locks held until the caller's transaction ends; rows another instance holds are
 * skipped, so each due schedule is handled by one instance at a time. Run inside `sql.begin`.
 */
export async function claimDueSchedules(tx: Db, now: Date, limit: number): Promise<DueSchedule[]> {
  return tx<DueSchedule[]>`
    select s.id, s.environment_id, s.type, s.task_identifier, s.cron, s.timezone, s.external_id, s.next_tick_at,
      s.last_tick_at, e.type as env_type, e.archived_at is not null as env_archived,
      exists (select 1 from tasks t where t.deployment_id = e.current_deployment_id and t.slug = s.task_identifier)
        as in_current_deployment,
      (e.type = 'DEVELOPMENT' and exists (select 1 from runs r where r.schedule_id = s.id
        and r.status in ('PENDING_VERSION', 'DELAYED', 'QUEUED'))) as dev_backlog
    from schedules s join environments e on e.id = s.environment_id
    where s.active and s.next_tick_at <= ${now}
    order by s.next_tick_at
    limit ${limit}
    for update of s skip locked`;
}

/** Moves a claimed schedule to its next tick, recording the tick that fired (if one did). */
export async function advanceSchedule(
  tx: Db,
  id: string,
  nextTickAt: Date | null,
  fired: { tickAt: Date; runId: string } | undefined,
): Promise<void> {
  await tx`
    update schedules set next_tick_at = ${nextTickAt}, updated_at = now(),
      last_tick_at = coalesce(${fired?.tickAt ?? null}, last_tick_at),
      last_run_id = coalesce(${fired?.runId ?? null}, last_run_id)
    where id = ${id}`;
}

/**
 * Stamps a scheduled run with its schedule (filter[schedule], the dev backlog check). The run-creation
 * service has no schedule field yet, so this follows the insert.
 */
export async function markScheduledRun(sql: Db, runId: string, scheduleId: string): Promise<void> {
  await sql`update runs set schedule_id = ${scheduleId} where id = ${runId} and schedule_id is null`;
}
