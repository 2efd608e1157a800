import { schedules as authoring } from "../tasks/schedules.js";
import { scheduleClient } from "./client.js";

export type { CreateScheduleOptions, SchedulesPage, UpdateScheduleOptions } from "./client.js";
export type { ScheduledTaskPayload } from "../tasks/schedules.js";
export type { ScheduleObject } from "../contracts/index.js";

/**
 * Scheduled tasks and their schedules: `schedules.task` defines a task (with `cron`, a declarative schedule
 * synced on deploy and `gantry dev`); `create`, `retrieve`, `list`, `update`, `activate`, `deactivate`, `del`
 * and `timezones` manage imperative schedules from your app.
 *
 * @example
 * import { schedules } from "@gantry/sdk";
 * export const reminder = schedules.task({ id: "reminder", run: async (p) => p.externalId });
 * await schedules.create({ task: "reminder", cron: "0 8 * * *", deduplicationKey: "user_1", externalId: "user_1" });
 */
export const schedules = { ...authoring, ...scheduleClient };
