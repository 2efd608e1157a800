import {
  DeletedScheduleObject,
  ListSchedulesResult,
  ScheduleObject,
  TimezonesResult,
} from "../contracts/index.js";
import { apiClient, type RequestOptions } from "../client/config.js";
import { offsetPagedList, type OffsetPage } from "../client/paginate.js";

/** Options of `schedules.create`. */
export interface CreateScheduleOptions {
  /** the id of a task defined with `schedules.task` */
  task: string;
  /** 5 fields: minute hour day-of-month month day-of-week ("L" and "1L"–"7L" allowed; no seconds) */
  cron: string;
  /** one schedule per key: creating again with the same key updates it */
  deduplicationKey: string;
  /** passed to each run as `payload.externalId` (e.g. your user's id) */
  externalId?: string;
  /** IANA timezone, default "UTC"; daylight saving is handled */
  timezone?: string;
}

/** Options of `schedules.update` (imperative schedules only). */
export type UpdateScheduleOptions = Omit<CreateScheduleOptions, "deduplicationKey">;

/** One page of `schedules.list`; `for await` over `schedules.list()` walks every schedule. */
export type SchedulesPage = OffsetPage<ScheduleObject>;

const path = (id: string, suffix = "") => `/api/v1/schedules/${encodeURIComponent(id)}${suffix}`;

/**
 * Attaches a schedule to a scheduled task, or updates the one with the same `deduplicationKey`.
 *
 * @example
 * const schedule = await schedules.create({ task: "reminder", cron: "0 8 * * *", timezone: "Europe/Paris",
 *   externalId: user.id, deduplicationKey: `${user.id}-reminder` });
 */
async function create(options: CreateScheduleOptions, requestOptions?: RequestOptions): Promise<ScheduleObject> {
  const { data } = await apiClient(requestOptions).request(ScheduleObject, "POST", "/api/v1/schedules", { body: options });
  return data;
}

/**
 * @example
 * const schedule = await schedules.retrieve("sched_1234");
 */
async function retrieve(scheduleId: string, requestOptions?: RequestOptions): Promise<ScheduleObject> {
  const { data } = await apiClient(requestOptions).request(ScheduleObject, "GET", path(scheduleId));
  return data;
}

/**
 * Changes an imperative schedule (declarative ones change with the task's `cron` on the next deploy).
 *
 * @example
 * await schedules.update("sched_1234", { task: "reminder", cron: "0 9 * * *" });
 */
async function update(scheduleId: string, options: UpdateScheduleOptions, requestOptions?: RequestOptions): Promise<ScheduleObject> {
  const { data } = await apiClient(requestOptions).request(ScheduleObject, "PUT", path(scheduleId), { body: options });
  return data;
}

/**
 * Stops an imperative schedule from firing; ticks while inactive never fire later.
 *
 * @example
 * await schedules.deactivate("sched_1234");
 */
async function deactivate(scheduleId: string, requestOptions?: RequestOptions): Promise<ScheduleObject> {
  const { data } = await apiClient(requestOptions).request(ScheduleObject, "POST", path(scheduleId, "/deactivate"));
  return data;
}

/**
 * @example
 * await schedules.activate("sched_1234");
 */
async function activate(scheduleId: string, requestOptions?: RequestOptions): Promise<ScheduleObject> {
  const { data } = await apiClient(requestOptions).request(ScheduleObject, "POST", path(scheduleId, "/activate"));
  return data;
}

/**
 * Deletes an imperative schedule.
 *
 * @example
 * await schedules.del("sched_1234");
 */
async function del(scheduleId: string, requestOptions?: RequestOptions): Promise<DeletedScheduleObject> {
  const { data } = await apiClient(requestOptions).request(DeletedScheduleObject, "DELETE", path(scheduleId));
  return data;
}

/**
 * The environment's schedules, a page at a time (`page` from 1); `for await` walks them all.
 *
 * @example
 * const first = await schedules.list({ perPage: 20 });
 * for await (const schedule of schedules.list()) console.log(schedule.id, schedule.generator.expression);
 */
function list(
  options: { page?: number; perPage?: number } = {},
  requestOptions?: RequestOptions,
): Promise<SchedulesPage> & AsyncIterable<ScheduleObject> {
  return offsetPagedList("schedules.list", options, async (query) => {
    const { data } = await apiClient(requestOptions).request(ListSchedulesResult, "GET", "/api/v1/schedules", { query });
    return data;
  });
}

/**
 * The IANA timezones a schedule accepts.
 *
 * @example
 * const { timezones } = await schedules.timezones({ excludeUtc: true });
 */
async function timezones(options: { excludeUtc?: boolean } = {}, requestOptions?: RequestOptions): Promise<{ timezones: string[] }> {
  const query = new URLSearchParams();
  if (options.excludeUtc) query.set("excludeUtc", "true");
  const { data } = await apiClient(requestOptions).request(TimezonesResult, "GET", "/api/v1/timezones", { query });
  return data;
}

export const scheduleClient = { create, retrieve, update, deactivate, activate, del, list, timezones };
