import {
  CanceledRunResponse,
  ListRunsResponse,
  ReplayRunResponse,
  RetrieveRunResponse,
  type ListRunItem,
  type MachinePreset,
  type RunStatus,
} from "../contracts/index.js";
import { apiClient, type RequestOptions } from "./config.js";
import { offloadPacket, resolvePresignedPackets, stringifyPacket } from "./packets.js";
import { packetClient, packetPathPrefix } from "./packet-client.js";
import { bulk } from "./bulk-actions.js";
import type { RunHandle } from "./trigger.js";
import { subscribeToBatch, subscribeToRun, subscribeToRunsWithTag } from "../realtime/subscribe.js";
import { pagedList } from "./paginate.js";

/** Filters of `runs.list` (sent as `filter[...]`, arrays comma-separated). */
export interface ListRunsOptions {
  status?: RunStatus | RunStatus[];
  taskIdentifier?: string | string[];
  version?: string | string[];
  tag?: string | string[];
  batch?: string;
  schedule?: string;
  isTest?: boolean;
  queue?: string | string[];
  machine?: MachinePreset | MachinePreset[];
  from?: Date | number;
  to?: Date | number;
  /** "1h", "7d", … */
  period?: string;
  /** the runs a bulk action acted on (`bulk_…`) */
  bulkAction?: string;
  /** page size, 10–100 */
  limit?: number;
  after?: string;
  before?: string;
}

/** Overrides of `runs.replay`. */
export interface ReplayRunOptions {
  payload?: unknown;
  metadata?: Record<string, unknown>;
  tags?: string | string[];
  queue?: string;
  concurrencyKey?: string;
  machine?: MachinePreset;
  version?: string;
  region?: string;
  delay?: string | Date;
  ttl?: string | number;
  idempotencyKey?: string;
  idempotencyKeyTTL?: string;
  maxAttempts?: number;
  maxDuration?: number;
  priority?: number;
}

type RetrievedRun<TPayload, TOutput> = Omit<RetrieveRunResponse, "payload" | "output"> & { payload?: TPayload; output?: TOutput };

/** One page of runs; `for await` over `runs.list(...)` walks every page. */
export interface RunsPage {
  data: ListRunItem[];
  pagination: { next?: string; previous?: string };
  hasNextPage(): boolean;
  getNextPage(): Promise<RunsPage>;
}

async function retrieve<THandle extends RunHandle<string, any, any> | string>(
  run: THandle,
  requestOptions?: RequestOptions,
): Promise<THandle extends RunHandle<string, infer P, infer O> ? RetrievedRun<P, O> : RetrieveRunResponse> {
  const id = typeof run === "string" ? run : run.id;
  const client = apiClient(requestOptions);
  const { data } = await client.request(RetrieveRunResponse, "GET", `/api/v3/runs/${encodeURIComponent(id)}`);
  // large payloads and outputs come as presigned URLs: fetched and decoded here, as the official client does
  return (await resolvePresignedPackets(data, client.options.fetch)) as never;
}

/** Options of `runs.list(projectRef, …)` with a personal access token: adds the environments to list. */
export interface ListProjectRunsOptions extends ListRunsOptions {
  env?: ("dev" | "staging" | "prod" | "preview")[];
}

function list(options?: ListRunsOptions, requestOptions?: RequestOptions): Promise<RunsPage> & AsyncIterable<ListRunItem>;
function list(projectRef: string, options?: ListProjectRunsOptions, requestOptions?: RequestOptions): Promise<RunsPage> & AsyncIterable<ListRunItem>;
function list(
  arg1?: string | ListRunsOptions,
  arg2?: ListProjectRunsOptions | RequestOptions,
  arg3?: RequestOptions,
): Promise<RunsPage> & AsyncIterable<ListRunItem> {
  const projectRef = typeof arg1 === "string" ? arg1 : undefined;
  const options: ListProjectRunsOptions = (typeof arg1 === "string" ? (arg2 as ListProjectRunsOptions | undefined) : arg1) ?? {};
  const requestOptions = typeof arg1 === "string" ? arg3 : (arg2 as RequestOptions | undefined);
  const path = projectRef ? `/api/v1/projects/${encodeURIComponent(projectRef)}/runs` : "/api/v1/runs";
  const fetchPage = async (after?: string): Promise<RunsPage> => {
    const query = listQuery(after === undefined ? options : { ...options, after, before: undefined });
    if (options.env?.length) query.set("filter[env]", options.env.join(","));
    const { data } = await apiClient(requestOptions).request(ListRunsResponse, "GET", path, { query });
    return {
      data: data.data,
      pagination: data.pagination,
      hasNextPage: () => data.pagination.next !== undefined,
      getNextPage: () => {
        if (data.pagination.next === undefined) throw new Error("runs.list: no next page (check hasNextPage() first)");
        return fetchPage(data.pagination.next);
      },
    };
  };
  return pagedList(fetchPage());
}

async function cancel(runId: string, requestOptions?: RequestOptions): Promise<{ id: string }> {
  const { data } = await apiClient(requestOptions).request(CanceledRunResponse, "POST", `/api/v2/runs/${encodeURIComponent(runId)}/cancel`);
  return data;
}

async function replay(runId: string, overrides?: ReplayRunOptions, requestOptions?: RequestOptions): Promise<{ id: string }> {
  let body: Record<string, unknown> | undefined;
  if (overrides) {
    const { payload, ...rest } = overrides;
    body = { ...rest };
    if ("payload" in overrides) {
      const packet = await offloadPacket(packetClient(apiClient(requestOptions)), stringifyPacket(payload), packetPathPrefix());
      body = { payload: packet.data, payloadType: packet.dataType, ...rest };
    }
  }
  const { data } = await apiClient(requestOptions).request(ReplayRunResponse, "POST", `/api/v1/runs/${encodeURIComponent(runId)}/replay`, body ? { body } : {});
  return data;
}

function listQuery(options: ListRunsOptions): URLSearchParams {
  const q = new URLSearchParams();
  const csv = (v: string | string[] | undefined) => (v === undefined ? undefined : Array.isArray(v) ? v.join(",") : v);
  const set = (key: string, value: string | undefined) => {
    if (value !== undefined && value !== "") q.set(key, value);
  };
  const ms = (d: Date | number | undefined) => (d === undefined ? undefined : String(typeof d === "number" ? d : d.getTime()));
  set("page[size]", options.limit === undefined ? undefined : String(options.limit));
  set("page[after]", options.after);
  set("page[before]", options.before);
  set("filter[status]", csv(options.status));
  set("filter[taskIdentifier]", csv(options.taskIdentifier));
  set("filter[version]", csv(options.version));
  set("filter[tag]", csv(options.tag));
  set("filter[batch]", options.batch);
  set("filter[schedule]", options.schedule);
  set("filter[isTest]", options.isTest === undefined ? undefined : String(options.isTest));
  set("filter[queue]", csv(options.queue));
  set("filter[machine]", csv(options.machine));
  set("filter[createdAt][from]", ms(options.from));
  set("filter[createdAt][to]", ms(options.to));
  set("filter[createdAt][period]", options.period);
  set("filter[bulkAction]", options.bulkAction);
  return q;
}

/**
 * Read and manage runs: `retrieve`, `list` (awaitable page, or `for await` over every run), `cancel`, `replay`.
 *
 * @example
 * import { runs } from "@gantry/sdk";
 * const run = await runs.retrieve("run_123");
 * for await (const r of runs.list({ status: ["FAILED"], limit: 50 })) console.log(r.id);
 * const page = await runs.list("proj_gantrydemo", { env: ["prod"] }); // with a personal access token
 * await runs.cancel("run_123");
 * const { id } = await runs.replay("run_123");
 * for await (const run of runs.subscribeToRun<typeof myTask>("run_123")) console.log(run.status); // realtime
 * const action = await runs.bulk.cancel({ filter: { status: "QUEUED", tag: "import" } }); // see runs.bulk
 */
export const runs = { retrieve, list, cancel, replay, subscribeToRun, subscribeToRunsWithTag, subscribeToBatch, bulk };
