import {
  BulkActionObject,
  ListBulkActionsResponse,
  type BulkActionFilter,
  type BulkActionObject as BulkAction,
} from "../contracts/index.js";
import { apiClient, type RequestOptions } from "./config.js";
import { pagedList } from "./paginate.js";

/** Which runs a bulk action acts on: exactly one of `filter` (runs created before the action) or `runIds`. */
export type BulkActionSelection = { filter: BulkActionFilter; runIds?: never; name?: string } | { runIds: string[]; filter?: never; name?: string };

/** One page of bulk actions; `for await` over `runs.bulk.list(...)` walks every action. */
export interface BulkActionsPage {
  data: BulkAction[];
  pagination: { next?: string; previous?: string };
  hasNextPage(): boolean;
  getNextPage(): Promise<BulkActionsPage>;
}

const create = async (action: "cancel" | "replay", selection: BulkActionSelection, requestOptions?: RequestOptions) =>
  (await apiClient(requestOptions).request(BulkActionObject, "POST", "/api/v1/bulk-actions", { body: { action, ...selection } })).data;

async function retrieve(bulkActionId: string, requestOptions?: RequestOptions): Promise<BulkAction> {
  return (await apiClient(requestOptions).request(BulkActionObject, "GET", `/api/v1/bulk-actions/${encodeURIComponent(bulkActionId)}`)).data;
}

async function abort(bulkActionId: string, requestOptions?: RequestOptions): Promise<BulkAction> {
  return (await apiClient(requestOptions).request(BulkActionObject, "POST", `/api/v1/bulk-actions/${encodeURIComponent(bulkActionId)}/abort`)).data;
}

function list(params: { limit?: number; after?: string } = {}, requestOptions?: RequestOptions): Promise<BulkActionsPage> & AsyncIterable<BulkAction> {
  const fetchPage = async (after?: string): Promise<BulkActionsPage> => {
    const query = new URLSearchParams();
    if (params.limit !== undefined) query.set("page[size]", String(params.limit));
    if (after) query.set("page[after]", after);
    const { data } = await apiClient(requestOptions).request(ListBulkActionsResponse, "GET", "/api/v1/bulk-actions", { query });
    return {
      data: data.data,
      pagination: data.pagination,
      hasNextPage: () => data.pagination.next !== undefined,
      getNextPage: () => {
        if (data.pagination.next === undefined) throw new Error("runs.bulk.list: no next page (check hasNextPage() first)");
        return fetchPage(data.pagination.next);
      },
    };
  };
  return pagedList(fetchPage(params.after));
}

/** Retrieves the action until it is no longer PENDING (COMPLETED or ABORTED), every `pollIntervalMs` (1 s). */
async function poll(bulkActionId: string, options: { pollIntervalMs?: number; maxAttempts?: number } = {}, requestOptions?: RequestOptions): Promise<BulkAction> {
  const maxAttempts = options.maxAttempts ?? 300;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const action = await retrieve(bulkActionId, requestOptions);
    if (action.status !== "PENDING") return action;
    await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs ?? 1000));
  }
  throw new Error(`Bulk action ${bulkActionId} did not finish after ${maxAttempts} attempts`);
}

/**
 * Bulk actions: cancel or replay many runs, by a filter or a list of ids, as a job the API works through in the
 * background (`counts` shows progress; `abort` stops it). The same calls as the official client's `runs.bulk`.
 *
 * @example
 * import { runs } from "@gantry/sdk";
 * const action = await runs.bulk.cancel({ filter: { status: ["QUEUED", "DELAYED"], tag: "import-42" }, name: "stop the import" });
 * const done = await runs.bulk.poll(action.id, { pollIntervalMs: 500 });
 * console.log(done.status, done.counts); // "COMPLETED" { total: 120, success: 118, failure: 2 }
 * await runs.bulk.replay({ runIds: ["run_a", "run_b"] });
 * for await (const a of runs.bulk.list()) console.log(a.id, a.type, a.status);
 * await runs.bulk.abort(action.id);
 * for await (const run of runs.list({ bulkAction: action.id })) console.log(run.id); // the runs it touched
 */
export const bulk = {
  cancel: (selection: BulkActionSelection, requestOptions?: RequestOptions) => create("cancel", selection, requestOptions),
  replay: (selection: BulkActionSelection, requestOptions?: RequestOptions) => create("replay", selection, requestOptions),
  retrieve,
  abort,
  list,
  poll,
};
