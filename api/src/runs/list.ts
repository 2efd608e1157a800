import { parseDurationMs, RUN_STATUSES, type ListRunsResponse } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { ApiError } from "../errors.js";
import { listItem } from "./present.js";
import { listRuns, type Cursor, type RunFilters } from "./queries/list-runs.js";

const DEFAULT_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 100;

const invalid = (param: string, message: string) => new ApiError(400, "invalid_param", message, param);

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify([c.createdUs, c.id])).toString("base64url");
}

function decodeCursor(value: string, param: string): Cursor {
  try {
    const [createdUs, id] = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as unknown[];
    if (typeof createdUs === "string" && /^\d+$/.test(createdUs) && typeof id === "string") return { createdUs, id };
  } catch {
    // fall through
  }
  throw invalid(param, `${param} is not a cursor this API returned: pass pagination.next or pagination.previous as is`);
}

const list = (value: string | undefined) =>
  value === undefined ? undefined : value.split(",").map((s) => s.trim()).filter((s) => s.length > 0);

function epoch(value: string | undefined, param: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
  if (Number.isNaN(date.getTime())) throw invalid(param, `${param} must be epoch milliseconds or an ISO date`);
  return date;
}

/** Parses the reference's `filter[...]` and `page[...]` query parameters. */
export function parseListQuery(query: Record<string, string>, now: Date) {
  const filters: RunFilters = {};
  const statuses = list(query["filter[status]"]);
  if (statuses) {
    const bad = statuses.find((s) => !(RUN_STATUSES as readonly string[]).includes(s));
    if (bad) throw invalid("filter[status]", `Unknown status "${bad}": use one of ${RUN_STATUSES.join(", ")}`);
    filters.statuses = statuses;
  }
  filters.taskIdentifiers = list(query["filter[taskIdentifier]"]);
  filters.versions = list(query["filter[version]"]);
  filters.tags = list(query["filter[tag]"]);
  filters.queues = list(query["filter[queue]"])?.map((q) => q.replace(/^task\//, "task/"));
  filters.machines = list(query["filter[machine]"]);
  filters.batchId = query["filter[batch]"];
  filters.scheduleId = query["filter[schedule]"];
  filters.bulkActionId = query["filter[bulkAction]"];
  const isTest = query["filter[isTest]"];
  if (isTest !== undefined) {
    if (isTest !== "true" && isTest !== "false") throw invalid("filter[isTest]", "filter[isTest] must be true or false");
    filters.isTest = isTest === "true";
  }
  filters.createdFrom = epoch(query["filter[createdAt][from]"], "filter[createdAt][from]");
  filters.createdTo = epoch(query["filter[createdAt][to]"], "filter[createdAt][to]");
  const period = query["filter[createdAt][period]"];
  if (period !== undefined) {
    const ms = parseDurationMs(period);
    if (ms === undefined) throw invalid("filter[createdAt][period]", `Invalid period "${period}": use a duration like "1d"`);
    filters.createdFrom = new Date(now.getTime() - ms);
  }
  const sizeText = query["page[size]"];
  const size = sizeText === undefined ? DEFAULT_PAGE_SIZE : Number(sizeText);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw invalid("page[size]", `page[size] must be 1-${MAX_PAGE_SIZE}`);
  const afterText = query["page[after]"];
  const beforeText = query["page[before]"];
  // the official client's getPreviousPage() merges page[before] over the current page's page[after]: before wins
  return {
    filters,
    size,
    after: afterText && !beforeText ? decodeCursor(afterText, "page[after]") : undefined,
    before: beforeText ? decodeCursor(beforeText, "page[before]") : undefined,
  };
}

/**
 * GET /api/v1/runs (one environment) and /api/v1/projects/:ref/runs (several): newest first; `next` pages to
 * older runs, `previous` to newer ones.
 */
export async function listEnvironmentRuns(deps: ApiDeps, environmentIds: string[], query: Record<string, string>): Promise<ListRunsResponse> {
  const q = parseListQuery(query, deps.clock());
  if (environmentIds.length === 0) return { data: [], pagination: {} };
  const rows = await listRuns(deps.sql, environmentIds, q.filters, { limit: q.size + 1, after: q.after, before: q.before });
  let page = rows;
  let hasOlder: boolean;
  let hasNewer: boolean;
  if (q.before) {
    hasNewer = rows.length > q.size;
    page = hasNewer ? rows.slice(1) : rows;
    hasOlder = true;
  } else {
    hasOlder = rows.length > q.size;
    page = hasOlder ? rows.slice(0, q.size) : rows;
    hasNewer = q.after !== undefined;
  }
  const first = page[0];
  const last = page[page.length - 1];
  return {
    data: page.map(listItem),
    pagination: {
      ...(hasOlder && last ? { next: encodeCursor({ createdUs: last.created_us, id: last.id }) } : {}),
      ...(hasNewer && first ? { previous: encodeCursor({ createdUs: first.created_us, id: first.id }) } : {}),
    },
  };
}
