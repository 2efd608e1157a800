import {
  CreateBatchResponse,
  RetrieveBatchResponse,
  StreamBatchItemsResponse,
  type BatchItemNDJSON,
  type TriggerTaskOptions,
} from "../contracts/index.js";
import { currentExecution } from "../runtime/current.js";
import { getRegisteredTask } from "../tasks/registry.js";
import type { AnyTask, TaskIdentifier, TaskOutput, TaskPayload } from "../tasks/task.js";
import { backoff, type ApiClient, type RequestRetryOptions } from "./api-client.js";
import { apiClient, envLockVersion, type RequestOptions } from "./config.js";
import { ApiConnectionError, ApiError, ApiSchemaValidationError, RateLimitError } from "./errors.js";
import { resolveIdempotencyKey } from "./idempotency.js";
import { packetClient, packetPathPrefix } from "./packet-client.js";
import { byteLength, offloadPacket, stringifyPacket } from "./packets.js";
import { publicTokenFor, triggerBodyOptions, type TriggerOptions } from "./trigger.js";
import { batchWaits } from "../tasks/child-runs.js";

/** Options of a whole batch (the second or third argument of the batch calls). */
export interface BatchTriggerOptions {
  /** the same key gives back the same batch; items without their own key get one made of this key and their index */
  idempotencyKey?: string | string[];
  /** the items' key TTL when they have none of their own */
  idempotencyKeyTTL?: string;
}

/** One item of `tasks.batchTrigger`. */
export interface BatchItem<TPayload> {
  payload: TPayload;
  options?: TriggerOptions;
}

/** One item of `batch.trigger`: a task by id, its payload typed by that task. */
export type BatchByIdItem<TTask extends AnyTask> = TTask extends AnyTask
  ? { id: TaskIdentifier<TTask>; payload: TaskPayload<TTask>; options?: TriggerOptions }
  : never;

/** One item of `batch.triggerByTask`: a task instance and its payload. */
export interface BatchByTaskItem<TTask extends AnyTask> {
  task: TTask;
  payload: TaskPayload<TTask>;
  options?: TriggerOptions;
}

/** What a batch trigger returns: the batch id (for `batch.retrieve`, `runs.list({ batch })`, `runs.subscribeToBatch`) and a token that may read it. */
export interface BatchRunHandle<TIdentifier extends string = string, TPayload = unknown, TOutput = unknown> {
  batchId: string;
  runCount: number;
  publicAccessToken: string;
  /** type-only: the tasks, payloads and outputs of the batch's runs */
  readonly __types?: { identifier: TIdentifier; payload: TPayload; output: TOutput };
}

/**
 * A batch call failed; `phase` says whether uploading large payloads, creating the batch or sending its items
 * did, and `cause` holds the API's error (a `BadRequestError` naming the item: `items[3].options.delay`).
 *
 * @example
 * import { tasks, BatchTriggerError } from "@gantry/sdk";
 * try { await tasks.batchTrigger("email", items); }
 * catch (e) { if (e instanceof BatchTriggerError && e.isRateLimited) setTimeout(retry, e.retryAfterMs ?? 1000); }
 */
export class BatchTriggerError extends Error {
  readonly phase: "offload" | "create" | "stream";
  readonly batchId: string | undefined;
  readonly itemCount: number;
  readonly isRateLimited: boolean;
  /** from the 429's `x-ratelimit-reset` */
  readonly retryAfterMs: number | undefined;
  readonly apiError: ApiError | undefined;

  constructor(message: string, options: { cause: unknown; phase: "offload" | "create" | "stream"; batchId?: string; itemCount: number }) {
    const cause = options.cause;
    super(cause instanceof Error ? `${message}: ${cause.message}` : message, { cause });
    this.name = "BatchTriggerError";
    this.phase = options.phase;
    this.batchId = options.batchId;
    this.itemCount = options.itemCount;
    this.apiError = cause instanceof ApiError ? cause : undefined;
    this.isRateLimited = cause instanceof ApiError && cause.status === 429;
    this.retryAfterMs = cause instanceof RateLimitError ? cause.millisecondsUntilReset : undefined;
  }
}

/**
 * The server kept answering `sealed: false` (items missing) after every resend; the cause of a
 * `BatchTriggerError` with phase "stream".
 *
 * @example
 * if (e instanceof BatchTriggerError && e.cause instanceof BatchNotSealedError) console.log(e.cause.enqueuedCount);
 */
export class BatchNotSealedError extends Error {
  constructor(
    readonly batchId: string,
    readonly enqueuedCount: number,
    readonly expectedCount: number,
  ) {
    super(`Batch ${batchId} was not sealed: ${enqueuedCount} of ${expectedCount} items enqueued`);
    this.name = "BatchNotSealedError";
  }
}

/** The items stream's own retry (the official client's): 5 attempts, factor 2 with jitter, 1 s to 30 s. */
const STREAM_RETRY: Required<RequestRetryOptions> = { maxAttempts: 5, factor: 2, minTimeoutInMs: 1000, maxTimeoutInMs: 30_000, randomize: true };

interface ItemSpec {
  task: string;
  payload: unknown;
  options?: TriggerOptions;
}

/**
 * Triggers a batch the way the official client does: `POST /api/v3/batches` with the run count, then the items
 * as NDJSON to `/api/v3/batches/{id}/items` (resent whole while the server answers `sealed: false`). A cached
 * batch (same idempotency key, already complete) sends no items.
 */
async function triggerBatch<TIdentifier extends string = string, TPayload = unknown, TOutput = unknown>(
  items: ItemSpec[],
  options: BatchTriggerOptions = {},
  requestOptions?: RequestOptions,
): Promise<BatchRunHandle<TIdentifier, TPayload, TOutput>> {
  if (items.length === 0) throw new TypeError("A batch needs at least one item");
  const client = apiClient(requestOptions);
  const lines = await Promise.all(items.map((item, index) => itemLine(item, index, options)));
  try {
    await offloadLargePayloads(client, lines);
  } catch (error) {
    throw new BatchTriggerError(`Failed to offload payloads for batch with ${lines.length} items`, { cause: error, phase: "offload", itemCount: lines.length });
  }
  const batchKey = await resolveIdempotencyKey(options.idempotencyKey);
  const parentRunId = currentExecution()?.ctx.run.id;

  let created: { data: CreateBatchResponse; headers: Headers };
  try {
    created = await client.request(CreateBatchResponse, "POST", "/api/v3/batches", {
      body: {
        runCount: lines.length,
        taskIdentifiers: [...new Set(lines.map((l) => l.task))],
        parentRunId,
        idempotencyKey: batchKey?.idempotencyKey,
        idempotencyKeyOptions: batchKey?.idempotencyKeyOptions,
      },
      spanParentAsLink: true,
    });
  } catch (error) {
    throw new BatchTriggerError(`Failed to create batch with ${lines.length} items`, { cause: error, phase: "create", itemCount: lines.length });
  }
  const { data } = created;
  if (!data.isCached) {
    try {
      await streamItems(client, data.id, lines);
    } catch (error) {
      throw new BatchTriggerError(`Failed to stream items for batch ${data.id} (${lines.length} items)`, {
        cause: error,
        phase: "stream",
        batchId: data.id,
        itemCount: lines.length,
      });
    }
  }
  const publicAccessToken = await publicTokenFor(created.headers, client.accessToken, !client.options.insideTask, [`read:batch:${data.id}`]);
  return { batchId: data.id, runCount: data.runCount, publicAccessToken };
}

/** One NDJSON line: the item's options as a trigger sends them (wire-format.md §3.2), its key derived from the batch's if it has none. */
async function itemLine(item: ItemSpec, index: number, batchOptions: BatchTriggerOptions): Promise<BatchItemNDJSON> {
  const packet = stringifyPacket(item.payload);
  const o = item.options ?? {};
  const key =
    (await resolveIdempotencyKey(o.idempotencyKey)) ??
    (batchOptions.idempotencyKey === undefined
      ? undefined
      : await resolveIdempotencyKey([...[batchOptions.idempotencyKey].flat(), String(index)]));
  const options: TriggerTaskOptions = triggerBodyOptions(
    { ...o, idempotencyKeyTTL: o.idempotencyKeyTTL ?? batchOptions.idempotencyKeyTTL },
    {
      packet,
      // the official client measures string payloads only (no payload: no size)
      payloadSize: packet.data === undefined ? undefined : byteLength(packet.data),
      idempotency: key,
      lockToVersion: o.version ?? envLockVersion(),
      // no parentRunId: an item's parent is its batch's (phase 1 sends it)
    },
  );
  return { index, task: item.task, ...(packet.data !== undefined ? { payload: packet.data } : {}), options };
}

/** Payloads of 128 KiB and more are uploaded first, as for a trigger (wire-format.md §3.3), 10 at a time. */
async function offloadLargePayloads(client: ApiClient, lines: BatchItemNDJSON[]): Promise<void> {
  const packets = packetClient(client);
  let next = 0;
  const worker = async () => {
    while (next < lines.length) {
      const line = lines[next++]!;
      if (typeof line.payload !== "string") continue;
      const type = line.options?.payloadType ?? "application/json";
      const packet = await offloadPacket(packets, { data: line.payload, dataType: type }, packetPathPrefix());
      if (packet.data !== line.payload) {
        line.payload = packet.data;
        line.options = { ...line.options, payloadType: packet.dataType };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(10, lines.length) }, worker));
}

async function streamItems(client: ApiClient, batchId: string, lines: BatchItemNDJSON[]): Promise<StreamBatchItemsResponse> {
  // configured retry options override the stream's defaults, as in the official client
  const retry: Required<RequestRetryOptions> = { ...STREAM_RETRY, ...definedOnly(client.options.retry ?? {}) };
  const headers: Record<string, string> = { ...client.requestHeaders(), "content-type": "application/x-ndjson" };
  // each resend repeats the whole stream; the server dedupes items by index, not by request
  delete headers["x-trigger-request-idempotency-key"];
  const body = lines.map((line) => `${JSON.stringify(line)}\n`).join("");
  const url = `${client.baseURL}/api/v3/batches/${encodeURIComponent(batchId)}/items`;
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= retry.maxAttempts;
    let response: Response;
    try {
      response = await client.options.fetch(url, { method: "POST", headers, body });
    } catch (error) {
      if (last) throw new ApiConnectionError(error);
      await sleep(backoff(retry, attempt));
      continue;
    }
    const text = await response.text().catch(() => "");
    if (!response.ok) {
      const delay = last ? undefined : streamRetryDelay(response, retry, attempt);
      if (delay !== undefined) {
        await sleep(delay);
        continue;
      }
      throw ApiError.generate(response.status, jsonOr(text), undefined, Object.fromEntries(response.headers.entries()));
    }
    const parsed = StreamBatchItemsResponse.safeParse(jsonOr(text));
    if (!parsed.success) {
      throw new ApiSchemaValidationError(response.status, text, `Unexpected response from POST /api/v3/batches/${batchId}/items: ${parsed.error.message}`, undefined);
    }
    if (parsed.data.sealed) return parsed.data;
    if (last) throw new BatchNotSealedError(batchId, parsed.data.enqueuedCount ?? 0, parsed.data.expectedCount ?? 0);
    await sleep(backoff(retry, attempt));
  }
}

/** When to resend after a failed items call, or undefined not to (the official client's rules: 429 honours `x-ratelimit-reset`, then `retry-after`). */
function streamRetryDelay(response: Response, retry: Required<RequestRetryOptions>, attempt: number): number | undefined {
  const explicit = response.headers.get("x-should-retry");
  if (explicit === "false") return undefined;
  if (response.status === 429) {
    const reset = Number(response.headers.get("x-ratelimit-reset"));
    if (Number.isFinite(reset) && reset - Date.now() > 0) return reset - Date.now() + Math.floor(Math.random() * 1000);
    const retryAfter = Number.parseInt(response.headers.get("retry-after") ?? "", 10);
    if (!Number.isNaN(retryAfter)) return retryAfter * 1000;
  }
  const s = response.status;
  if (explicit === "true" || s === 408 || s === 409 || s === 429 || s >= 500) return backoff(retry, attempt);
  return undefined;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function jsonOr(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text || undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Triggers one task many times, typed by the task (a type-only import keeps task code out of your backend).
 * Returns the batch handle: `batch.retrieve(handle.batchId)` lists its runs.
 *
 * @example
 * import { tasks } from "@gantry/sdk";
 * import type { emailSequence } from "./trigger/emails";
 * const handle = await tasks.batchTrigger<typeof emailSequence>(
 *   "email-sequence",
 *   users.map((u) => ({ payload: { to: u.email }, options: { delay: "1h" } })),
 *   { idempotencyKey: "welcome-2026-01" },
 * );
 */
export async function batchTriggerTask<TTask extends AnyTask>(
  taskId: TaskIdentifier<TTask>,
  items: BatchItems<BatchItem<TaskPayload<TTask>>>,
  options?: BatchTriggerOptions,
  requestOptions?: RequestOptions,
): Promise<BatchRunHandle<TaskIdentifier<TTask>, TaskPayload<TTask>, TaskOutput<TTask>>> {
  const all = await collect(items);
  return triggerBatch(all.map((item) => ({ task: taskId, payload: item.payload, options: item.options })), options, requestOptions);
}

/** Items as an array, or streamed (an async iterable or a ReadableStream), as the official client accepts them. */
export type BatchItems<T> = T[] | AsyncIterable<T> | ReadableStream<T>;

/** The batch's run count is sent first, so streamed items are gathered before anything is sent (as the official client does). */
async function collect<T>(items: BatchItems<T>): Promise<T[]> {
  if (Array.isArray(items)) return items;
  const out: T[] = [];
  if (typeof (items as ReadableStream<T>).getReader === "function") {
    const reader = (items as ReadableStream<T>).getReader();
    for (let next = await reader.read(); !next.done; next = await reader.read()) out.push(next.value);
    return out;
  }
  for await (const item of items as AsyncIterable<T>) out.push(item);
  return out;
}

/**
 * Triggers several tasks by id in one batch; each payload is typed by its task's id.
 *
 * @example
 * import { batch } from "@gantry/sdk";
 * import type { resize, notify } from "./trigger/media";
 * const { batchId } = await batch.trigger<typeof resize | typeof notify>([
 *   { id: "resize", payload: { url, width: 800 } },
 *   { id: "notify", payload: { userId }, options: { delay: "5m" } },
 * ]);
 */
async function triggerById<TTask extends AnyTask>(
  items: BatchItems<BatchByIdItem<TTask>>,
  options?: BatchTriggerOptions,
  requestOptions?: RequestOptions,
): Promise<BatchRunHandle<TaskIdentifier<TTask>, TaskPayload<TTask>, TaskOutput<TTask>>> {
  const all = await collect(items);
  return triggerBatch(all.map((item) => ({ task: item.id, payload: item.payload, options: item.options })), options, requestOptions);
}

/**
 * Triggers several task instances in one batch. Each payload is typed by its task and a schemaTask's payload
 * is validated before anything is sent (the parser's own error reaches you).
 *
 * @example
 * import { batch } from "@gantry/sdk";
 * import { resize, notify } from "./trigger/media";
 * const handle = await batch.triggerByTask([
 *   { task: resize, payload: { url, width: 800 } },
 *   { task: notify, payload: { userId } },
 * ]);
 */
async function triggerByTask<TTasks extends readonly AnyTask[]>(
  items: [...{ [K in keyof TTasks]: BatchByTaskItem<TTasks[K]> }],
  options?: BatchTriggerOptions,
  requestOptions?: RequestOptions,
): Promise<BatchRunHandle<TaskIdentifier<TTasks[number]>, TaskPayload<TTasks[number]>, TaskOutput<TTasks[number]>>> {
  const specs = await Promise.all(
    (items as Array<BatchByTaskItem<AnyTask>>).map(async (item) => {
      const parse = getRegisteredTask(item.task.id)?.parsePayload;
      if (parse) await parse(item.payload);
      return { task: item.task.id, payload: item.payload, options: item.options };
    }),
  );
  return triggerBatch(specs, options, requestOptions);
}

/**
 * A batch and its runs (in item order); `status` is COMPLETED once every run is final.
 *
 * @example
 * import { batch } from "@gantry/sdk";
 * const { status, runs } = await batch.retrieve(handle.batchId);
 */
async function retrieve(batchId: string, requestOptions?: RequestOptions): Promise<RetrieveBatchResponse> {
  const { data } = await apiClient(requestOptions).request(RetrieveBatchResponse, "GET", `/api/v2/batches/${encodeURIComponent(batchId)}`);
  return data;
}

/**
 * Batches: trigger many runs in one call, by task id or task instance, and read a batch back; inside a task,
 * `triggerAndWait` / `triggerByTaskAndWait` also wait for every run's result.
 * `runs.list({ batch })` and `runs.subscribeToBatch(batchId)` follow its runs.
 *
 * @example
 * import { batch, runs } from "@gantry/sdk";
 * const { batchId } = await batch.trigger([{ id: "hello-world", payload: { name: "Ada" } }]);
 * for await (const run of runs.subscribeToBatch(batchId)) console.log(run.id, run.status);
 */
// triggerAndWait / triggerByTaskAndWait: the waiting variants live with the durable waits (tasks/child-runs.ts)
export const batch = { trigger: triggerById, triggerByTask, retrieve, ...batchWaits };
