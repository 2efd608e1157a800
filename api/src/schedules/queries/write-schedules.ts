import type { Db } from "../../db/sql.js";

export interface ScheduleFields {
  taskIdentifier: string;
  cron: string;
  timezone: string;
  externalId: string | null;
  nextTickAt: Date | null;
}

/**
 * Creates an imperative schedule; with a deduplication key already used in the environment, updates that
 * one instead (the reference's create-or-update). The tick clock restarts only when cron or timezone change.
 * Returns the schedule's id, or undefined when the key belongs to a schedule that is not imperative.
 */
export async function upsertImperativeSchedule(
  sql: Db,
  s: ScheduleFields & { id: string; environmentId: string; projectId: string; deduplicationKey: string | null },
): Promise<string | undefined> {
  const rows = await sql<{ id: string }[]>`
    insert into schedules (id, environment_id, project_id, type, task_identifier, cron, timezone, external_id,
      deduplication_key, next_tick_at)
    values (${s.id}, ${s.environmentId}, ${s.projectId}, 'IMPERATIVE', ${s.taskIdentifier}, ${s.cron}, ${s.timezone},
      ${s.externalId}, ${s.deduplicationKey}, ${s.nextTickAt})
    on conflict (environment_id, deduplication_key) where deduplication_key is not null do update set
      task_identifier = excluded.task_identifier, cron = excluded.cron, timezone = excluded.timezone,
      external_id = excluded.external_id, updated_at = now(),
      next_tick_at = case when schedules.cron = excluded.cron and schedules.timezone = excluded.timezone
        then schedules.next_tick_at else excluded.next_tick_at end
    where schedules.type = 'IMPERATIVE'
    returning id`;
  return rows[0]?.id;
}

export async function updateSchedule(sql: Db, environmentId: string, id: string, s: ScheduleFields): Promise<void> {
  await sql`
    update schedules set task_identifier = ${s.taskIdentifier}, cron = ${s.cron}, timezone = ${s.timezone},
      external_id = ${s.externalId}, updated_at = now(),
      next_tick_at = case when cron = ${s.cron} and timezone = ${s.timezone} then next_tick_at else ${s.nextTickAt} end
    where id = ${id} and environment_id = ${environmentId}`;
}

/** Activating restarts the tick clock from now: ticks missed while inactive never fire. */
export async function setScheduleActive(sql: Db, environmentId: string, id: string, active: boolean, nextTickAt: Date | null): Promise<void> {
  await sql`
    update schedules set active = ${active}, updated_at = now(),
      next_tick_at = case when ${active} then ${nextTickAt} else next_tick_at end
    where id = ${id} and environment_id = ${environmentId}`;
}

export async function deleteSchedule(sql: Db, environmentId: string, id: string): Promise<void> {
  await sql`delete from schedules where id = ${id} and environment_id = ${environmentId}`;
}
