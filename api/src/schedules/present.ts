import type { ScheduleObject } from "@gantry/sdk/contracts";
import { describeCron } from "./cron/describe-cron.js";
import type { ScheduleRow } from "./queries/select-schedules.js";

/** The reference's ScheduleObject (wire-format.md: `schedules.create`). */
export function presentSchedule(row: ScheduleRow): ScheduleObject {
  return {
    id: row.id,
    type: row.type,
    task: row.task_identifier,
    active: row.active,
    deduplicationKey: row.deduplication_key ?? undefined,
    externalId: row.external_id ?? undefined,
    generator: { type: "CRON", expression: row.cron, description: describeCron(row.cron) },
    timezone: row.timezone,
    nextRun: row.active && row.next_tick_at ? row.next_tick_at : undefined,
    environments: [{ id: row.environment_id, type: row.env_type, ...(row.env_user_name ? { userName: row.env_user_name } : {}) }],
  };
}
