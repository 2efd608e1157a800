import { parseDurationMs, type BulkActionFilter } from "@gantry/sdk/contracts";
import { badRequest } from "../errors.js";
import type { RunFilters } from "../runs/queries/list-runs.js";

const arr = <T>(v: T | T[] | undefined): T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);
const toDate = (v: Date | number | undefined) => (v === undefined ? undefined : v instanceof Date ? v : new Date(v));

/**
 * A bulk action's filter as the runs list's filters, bounded to runs created up to `createdBefore` (the action's
 * creation): runs triggered later, the action's own replays included, are never selected.
 */
export function runFiltersOf(filter: BulkActionFilter, createdBefore: Date, now: Date): RunFilters {
  const from = toDate(filter.from);
  const to = toDate(filter.to);
  if (from && Number.isNaN(from.getTime())) throw badRequest("filter.from must be a date or epoch milliseconds", "filter.from");
  if (to && Number.isNaN(to.getTime())) throw badRequest("filter.to must be a date or epoch milliseconds", "filter.to");
  let createdFrom = from;
  if (filter.period !== undefined) {
    const ms = parseDurationMs(filter.period);
    if (ms === undefined) throw badRequest(`Invalid period "${filter.period}": use a duration like "1d"`, "filter.period");
    createdFrom = new Date(now.getTime() - ms);
  }
  return {
    statuses: arr(filter.status),
    taskIdentifiers: arr(filter.taskIdentifier),
    versions: arr(filter.version),
    tags: arr(filter.tag),
    isTest: filter.isTest,
    createdFrom,
    createdTo: to && to < createdBefore ? to : createdBefore,
    batchId: filter.batch,
    queues: arr(filter.queue)?.map((q) => (q.type === "task" ? `task/${q.name}` : q.name)),
    machines: arr(filter.machine),
    scheduleId: filter.schedule,
    bulkActionId: filter.bulkAction,
    // region: Gantry has one region, so every run matches
  };
}
