import { CreateBulkActionRequestBody, type BulkActionFilter, type BulkActionObject, type ListBulkActionsResponse } from "@gantry/sdk/contracts";
import type { ApiDeps, AuthEnvironment } from "../context.js";
import { newId } from "../crypto/ids.js";
import { ApiError, notFound } from "../errors.js";
import { runFiltersOf } from "./filter.js";
import { presentBulkAction } from "./present.js";
import { abortBulkAction, insertBulkAction, listBulkActions, selectBulkAction } from "./queries/bulk-actions.js";
import { countFilteredRuns } from "./queries/select-targets.js";
import { wakeBulkActionWorker } from "./worker.js";

const DEFAULT_PAGE_SIZE = 25;
const MAX_PAGE_SIZE = 100;
const invalid = (param: string, message: string) => new ApiError(400, "invalid_param", message, param);

/**
 * POST /api/v1/bulk-actions: records the action with its total (runs selected now) and wakes this instance's
 * worker; the runs are processed in the background (worker.ts). Bad input: 400 naming the field, nothing created.
 */
export async function createBulkAction(deps: ApiDeps, environment: AuthEnvironment, body: CreateBulkActionRequestBody): Promise<BulkActionObject> {
  const createdAt = deps.clock();
  const kind = body.action === "cancel" ? "CANCEL" : "REPLAY";
  let total: number;
  let runIds: string[] | undefined;
  let filter: BulkActionFilter | undefined;
  if (body.runIds) {
    runIds = [...new Set(body.runIds)];
    total = runIds.length;
  } else {
    filter = body.filter!;
    total = await countFilteredRuns(deps.sql, environment.id, runFiltersOf(filter, createdAt, createdAt));
  }
  const row = await insertBulkAction(deps.sql, {
    id: newId("bulk"),
    environmentId: environment.id,
    kind,
    name: body.name,
    runIds,
    // dates as epoch ms, so the stored filter parses back the same
    filter: filter && JSON.parse(JSON.stringify(filter, (_k, v: unknown) => (v instanceof Date ? v.getTime() : v))),
    total,
    createdAt,
  });
  wakeBulkActionWorker(deps);
  return presentBulkAction(row);
}

export async function retrieveBulkAction(deps: ApiDeps, environmentId: string, id: string): Promise<BulkActionObject> {
  const row = await selectBulkAction(deps.sql, environmentId, id);
  if (!row) throw notFound(`Bulk action ${id} not found in this environment`, "bulkActionId");
  return presentBulkAction(row);
}

/** POST /api/v1/bulk-actions/:id/abort: stops it before its next chunk. A finished action is returned unchanged. */
export async function abortAction(deps: ApiDeps, environmentId: string, id: string): Promise<BulkActionObject> {
  const row = await abortBulkAction(deps.sql, environmentId, id);
  if (!row) throw notFound(`Bulk action ${id} not found in this environment`, "bulkActionId");
  return presentBulkAction(row);
}

type Cursor = { createdUs: string; id: string };
const encode = (c: Cursor) => Buffer.from(JSON.stringify([c.createdUs, c.id])).toString("base64url");
function decode(value: string, param: string): Cursor {
  try {
    const [createdUs, id] = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as unknown[];
    if (typeof createdUs === "string" && /^\d+$/.test(createdUs) && typeof id === "string") return { createdUs, id };
  } catch {
    // fall through
  }
  throw invalid(param, `${param} is not a cursor this API returned: pass pagination.next or pagination.previous as is`);
}

/** GET /api/v1/bulk-actions: newest first, `page[size]`, `page[after]`/`page[before]` cursors (as runs.list). */
export async function listActions(deps: ApiDeps, environmentId: string, query: Record<string, string>): Promise<ListBulkActionsResponse> {
  const sizeText = query["page[size]"];
  const size = sizeText === undefined ? DEFAULT_PAGE_SIZE : Number(sizeText);
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) throw invalid("page[size]", `page[size] must be 1-${MAX_PAGE_SIZE}`);
  const before = query["page[before]"] ? decode(query["page[before]"], "page[before]") : undefined;
  const after = !before && query["page[after]"] ? decode(query["page[after]"], "page[after]") : undefined;
  const rows = await listBulkActions(deps.sql, environmentId, { limit: size + 1, after, before });
  let page = rows;
  let hasOlder: boolean;
  let hasNewer: boolean;
  if (before) {
    hasNewer = rows.length > size;
    page = hasNewer ? rows.slice(1) : rows;
    hasOlder = true;
  } else {
    hasOlder = rows.length > size;
    page = hasOlder ? rows.slice(0, size) : rows;
    hasNewer = after !== undefined;
  }
  const first = page[0];
  const last = page[page.length - 1];
  return {
    data: page.map(presentBulkAction),
    pagination: {
      ...(hasOlder && last ? { next: encode({ createdUs: last.created_us, id: last.id }) } : {}),
      ...(hasNewer && first ? { previous: encode({ createdUs: first.created_us, id: first.id }) } : {}),
    },
  };
}
