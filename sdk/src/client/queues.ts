import { ListQueuesResponse, QueueItem, type QueueType } from "../contracts/index.js";
import { apiClient, type RequestOptions } from "./config.js";
import { offsetPagedList, type OffsetPage } from "./paginate.js";

/** A queue by id (`queue_…`), or by type and name: `{ type: "task", name: "<task id>" }`, `{ type: "custom", name }`. */
export type QueueRef = string | { type: QueueType; name: string };

/** One page of `queues.list`; `for await` over `queues.list()` walks every queue. */
export type QueuesPage = OffsetPage<QueueItem>;

/** The path segment and lookup type of a queue ref ("/" encoded first, as the official client does). */
function target(queue: QueueRef): { segment: string; type: "id" | QueueType } {
  const type = typeof queue === "string" ? "id" : queue.type;
  const value = typeof queue === "string" ? queue : queue.name;
  return { segment: encodeURIComponent(value.replace(/\//g, "%2F")), type };
}

/**
 * Lists the environment's queues with their running and queued counts and limits.
 *
 * @example
 * import { queues } from "@gantry/sdk";
 * for await (const q of queues.list()) console.log(q.name, q.running, q.queued, q.paused);
 */
function list(options: { page?: number; perPage?: number } = {}, requestOptions?: RequestOptions): Promise<QueuesPage> & AsyncIterable<QueueItem> {
  return offsetPagedList("queues.list", options, async (query) => {
    const { data } = await apiClient(requestOptions).request(ListQueuesResponse, "GET", "/api/v1/queues", { query });
    return data;
  });
}

/**
 * Retrieves one queue.
 *
 * @example
 * const q = await queues.retrieve({ type: "task", name: "send-email" });
 * console.log(q.running, q.queued, q.concurrencyLimit);
 */
async function retrieve(queue: QueueRef, requestOptions?: RequestOptions): Promise<QueueItem> {
  const { segment, type } = target(queue);
  const query = new URLSearchParams({ type });
  return (await apiClient(requestOptions).request(QueueItem, "GET", `/api/v1/queues/${segment}`, { query })).data;
}

async function pauseOrResume(queue: QueueRef, action: "pause" | "resume", requestOptions?: RequestOptions): Promise<QueueItem> {
  const { segment, type } = target(queue);
  return (await apiClient(requestOptions).request(QueueItem, "POST", `/api/v1/queues/${segment}/pause`, { body: { type, action } })).data;
}

/**
 * Pauses a queue: no new run of it starts (running ones go on) until it is resumed.
 *
 * @example
 * await queues.pause({ type: "custom", name: "emails" });
 */
function pause(queue: QueueRef, requestOptions?: RequestOptions): Promise<QueueItem> {
  return pauseOrResume(queue, "pause", requestOptions);
}

/**
 * Resumes a paused queue: its queued runs start again, within its limits.
 *
 * @example
 * await queues.resume({ type: "custom", name: "emails" });
 */
function resume(queue: QueueRef, requestOptions?: RequestOptions): Promise<QueueItem> {
  return pauseOrResume(queue, "resume", requestOptions);
}

/**
 * Overrides the queue's concurrency limit (until `resetConcurrencyLimit`; deploys keep the override).
 *
 * @example
 * await queues.overrideConcurrencyLimit({ type: "task", name: "send-email" }, 2);
 */
async function overrideConcurrencyLimit(queue: QueueRef, concurrencyLimit: number, requestOptions?: RequestOptions): Promise<QueueItem> {
  const { segment, type } = target(queue);
  const path = `/api/v1/queues/${segment}/concurrency/override`;
  return (await apiClient(requestOptions).request(QueueItem, "POST", path, { body: { type, concurrencyLimit } })).data;
}

/**
 * Goes back to the concurrency limit declared in code.
 *
 * @example
 * await queues.resetConcurrencyLimit({ type: "task", name: "send-email" });
 */
async function resetConcurrencyLimit(queue: QueueRef, requestOptions?: RequestOptions): Promise<QueueItem> {
  const { segment, type } = target(queue);
  return (await apiClient(requestOptions).request(QueueItem, "POST", `/api/v1/queues/${segment}/concurrency/reset`, { body: { type } })).data;
}

/** The queues API: list, retrieve, pause, resume, override and reset concurrency limits. */
export const queues = { list, retrieve, pause, resume, overrideConcurrencyLimit, resetConcurrencyLimit };
