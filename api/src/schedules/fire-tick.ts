import superjson from "superjson";
import type { ScheduledRunPayload } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { loadAuthEnvironment } from "../auth/environment-cache.js";
import { triggerRun } from "../runs/trigger.js";
import { nextTicks } from "./cron/next-tick.js";
import type { CronSpec } from "./cron/parse-cron.js";
import { markScheduledRun } from "./queries/due-schedules.js";
import type { DueSchedule } from "./queries/due-schedules.js";

/** The idempotency key of a tick's run: the record that makes a tick yield one run, whoever fires it. */
export const tickIdempotencyKey = (scheduleId: string, tick: Date) => `${scheduleId}@${tick.toISOString()}`;

/**
 * Creates the run of one tick through the trigger endpoint's own service, with the reference's payload
 * (SuperJSON, so `timestamp`, `lastTimestamp` and `upcoming` arrive as Dates). Firing the same tick twice
 * (another instance, or a retry after a crash) answers with the same run.
 */
export async function fireTick(deps: ApiDeps, schedule: DueSchedule, spec: CronSpec, tick: Date): Promise<string> {
  const payload: ScheduledRunPayload = {
    type: schedule.type,
    timestamp: tick,
    ...(schedule.last_tick_at ? { lastTimestamp: schedule.last_tick_at } : {}),
    timezone: schedule.timezone,
    scheduleId: schedule.id,
    ...(schedule.external_id ? { externalId: schedule.external_id } : {}),
    upcoming: nextTicks(spec, schedule.timezone, tick, 5),
  };
  const environment = await loadAuthEnvironment(deps, schedule.environment_id);
  const run = await triggerRun(deps, {
    taskId: schedule.task_identifier,
    environment,
    body: {
      payload: superjson.stringify(payload),
      options: { payloadType: "application/super+json", idempotencyKey: tickIdempotencyKey(schedule.id, tick), idempotencyKeyTTL: "30d" },
    },
  });
  await markScheduledRun(deps.sql, run.id, schedule.id);
  return run.id;
}
