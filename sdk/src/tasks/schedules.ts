import type { ScheduledRunPayload } from "../contracts/index.js";
import { defineTask, type Task } from "./task.js";
import type { TaskOptions } from "./types.js";

/** The payload of a scheduled run: the one the scheduler sends (`type` is the schedule's). */
export type ScheduledTaskPayload = ScheduledRunPayload;

type Cron = string | { pattern: string; timezone?: string; environments?: ("PRODUCTION" | "STAGING" | "PREVIEW" | "DEVELOPMENT")[] };

/**
 * Defines a scheduled task; with `cron` it carries a declarative schedule (synced on deploy).
 *
 * @example
 * import { schedules } from "@gantry/sdk";
 * export const nightly = schedules.task({ id: "nightly", cron: "0 3 * * *", run: async (p) => p.timestamp });
 */
function scheduledTask<TIdentifier extends string, TOutput = unknown, TInit = unknown>(
  options: TaskOptions<TIdentifier, ScheduledTaskPayload, TOutput, TInit> & { cron?: Cron },
): Task<TIdentifier, ScheduledTaskPayload, Awaited<TOutput>> {
  const cron = options.cron;
  const schedule =
    cron === undefined ? undefined
    : typeof cron === "string" ? { cron }
    : { cron: cron.pattern, ...(cron.timezone ? { timezone: cron.timezone } : {}), ...(cron.environments ? { environments: cron.environments } : {}) };
  return defineTask(options, undefined, "SCHEDULED", schedule);
}

/**
 * Scheduled tasks. `schedules.task({...})` defines one.
 *
 * @example
 * export const hourly = schedules.task({ id: "hourly", cron: "0 * * * *", run: async () => {} });
 */
export const schedules = { task: scheduledTask };
