import type { ListQueuesResponse, QueueItem, QueueLookupType } from "@gantry/sdk/contracts";
import type { ApiDeps, AuthEnvironment } from "../context.js";
import { badRequest, notFound } from "../errors.js";
import { sweepGate } from "../queue/gate.js";
import { writeGateConfig } from "../queue/gate-config.js";
import { selectQueue, selectQueueCounts, selectQueuePage, updateQueueOverride, updateQueuePaused, type QueueRow } from "./queries/queues.js";

const TASK_PREFIX = "task/";

/**
 * The queues API (`queues.*` of the official client): list with running and queued counts, retrieve, pause,
 * resume, override and reset the concurrency limit. Changes reach the gate at once: its copy of the
 * environment's limits is rewritten and the environment admitted again.
 */
export async function listQueues(deps: ApiDeps, env: AuthEnvironment, query: { page?: string; perPage?: string }): Promise<ListQueuesResponse> {
  const page = positiveInt(query.page, 1, "page");
  const perPage = Math.min(positiveInt(query.perPage, 25, "perPage"), 100);
  const { rows, count } = await selectQueuePage(deps.sql, env.id, (page - 1) * perPage, perPage);
  const counts = await selectQueueCounts(deps.sql, env.id, rows.map((r) => r.name));
  return {
    data: rows.map((r) => toQueueItem(r, counts.get(r.name))),
    pagination: { currentPage: page, totalPages: Math.max(1, Math.ceil(count / perPage)), count },
  };
}

export async function retrieveQueue(deps: ApiDeps, env: AuthEnvironment, ref: string, type: QueueLookupType): Promise<QueueItem> {
  const row = await findQueue(deps, env, ref, type);
  const counts = await selectQueueCounts(deps.sql, env.id, [row.name]);
  return toQueueItem(row, counts.get(row.name));
}

export async function pauseQueue(deps: ApiDeps, env: AuthEnvironment, ref: string, type: QueueLookupType, action: "pause" | "resume"): Promise<QueueItem> {
  const row = await findQueue(deps, env, ref, type);
  await updateQueuePaused(deps.sql, row.id, action === "pause");
  await applyToGate(deps, env.id);
  return retrieveQueue(deps, env, row.id, "id");
}

export async function overrideQueueConcurrency(deps: ApiDeps, env: AuthEnvironment, ref: string, type: QueueLookupType, limit: number | null): Promise<QueueItem> {
  const row = await findQueue(deps, env, ref, type);
  await updateQueueOverride(deps.sql, row.id, limit);
  await applyToGate(deps, env.id);
  return retrieveQueue(deps, env, row.id, "id");
}

async function applyToGate(deps: ApiDeps, environmentId: string): Promise<void> {
  await writeGateConfig(deps, [environmentId]);
  // a sweep, not just this environment: keys set aside at their old limit get another look too
  await sweepGate(deps);
}

/**
 * By id (`queue_…`; also `queue_<name>`, the id a task's `ctx.queue` carries), or by name: a task queue by its
 * task id (or its full `task/<id>` name), a custom queue by the name it was declared with.
 */
async function findQueue(deps: ApiDeps, env: AuthEnvironment, ref: string, type: QueueLookupType): Promise<QueueRow> {
  let row: QueueRow | undefined;
  if (type === "id") {
    row = await selectQueue(deps.sql, env.id, { id: ref });
    if (!row && ref.startsWith("queue_")) row = await selectQueue(deps.sql, env.id, { name: ref.slice("queue_".length) });
  } else if (type === "task") {
    row = await selectQueue(deps.sql, env.id, { name: ref.startsWith(TASK_PREFIX) ? ref : `${TASK_PREFIX}${ref}` });
  } else {
    row = await selectQueue(deps.sql, env.id, { name: ref });
  }
  if (!row) throw notFound(`No ${type === "id" ? "" : `${type} `}queue ${JSON.stringify(ref)} in this environment (queues come from deployed code)`, "queue");
  return row;
}

function toQueueItem(r: QueueRow, counts: { running: number; queued: number } | undefined): QueueItem {
  const isTask = r.name.startsWith(TASK_PREFIX);
  const base = r.concurrency_limit;
  const effective = r.concurrency_limit_override ?? base;
  return {
    id: r.id,
    name: isTask ? r.name.slice(TASK_PREFIX.length) : r.name,
    type: isTask ? "task" : "custom",
    running: counts?.running ?? 0,
    queued: counts?.queued ?? 0,
    paused: r.paused,
    concurrencyLimit: effective,
    version: "V1",
    concurrency: {
      // as the gate applies it: never above the environment's base limit
      current: Math.min(effective ?? r.env_concurrency_limit, r.env_concurrency_limit),
      base,
      override: r.concurrency_limit_override,
      overriddenAt: r.concurrency_limit_overridden_at,
      overriddenBy: null,
    },
    totalConcurrencyLimit: r.total_concurrency_limit,
    rateLimit: r.rate_limit?.queue ?? null,
    keyRateLimit: r.rate_limit?.key ?? null,
  };
}

function positiveInt(value: string | undefined, fallback: number, param: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw badRequest(`${param} must be a positive integer`, param);
  return n;
}
