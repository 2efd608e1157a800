import { z } from "zod";
import { parseDurationMs } from "./common.js";

/** "task": a task's own queue (`task/<id>`); "custom": declared with `queue({ name })`. */
export const QueueType = z.enum(["task", "custom"]);
export type QueueType = z.infer<typeof QueueType>;

/** How a queue is named in a path: its id (`queue_…`), or its name with the type. */
export const QueueLookupType = z.enum(["id", "task", "custom"]);
export type QueueLookupType = z.infer<typeof QueueLookupType>;

/** A rate limit as declared on `queue({ rateLimit })`: at most `limit` runs start per `period` (ms or "10s", "1m"). */
export const QueueRateLimit = z.object({
  limit: z.number().int().min(1).max(1_000_000),
  period: z.union([
    z.number().int().min(1),
    z.string().refine((p) => (parseDurationMs(p) ?? 0) >= 1, { message: 'period must be a duration such as "10s" or "1m", or milliseconds' }),
  ]),
});
export type QueueRateLimit = z.infer<typeof QueueRateLimit>;

/**
 * GET /api/v1/queues/:queue (and each item of the list): what the official client's `queues.*` parse (V1 shape:
 * the queue's own limit). `running` counts DEQUEUED and EXECUTING runs, `queued` QUEUED ones. Gantry adds the
 * total cap across concurrency keys and the rate limits.
 */
export const QueueItem = z.object({
  id: z.string(),
  name: z.string(),
  type: QueueType,
  running: z.number().int(),
  queued: z.number().int(),
  paused: z.boolean(),
  concurrencyLimit: z.number().int().nullable(),
  version: z.literal("V1"),
  concurrency: z.object({
    current: z.number().int().nullable(),
    base: z.number().int().nullable(),
    override: z.number().int().nullable(),
    overriddenAt: z.coerce.date().nullable(),
    overriddenBy: z.string().nullable(),
  }),
  totalConcurrencyLimit: z.number().int().nullable().optional(),
  rateLimit: z.object({ limit: z.number().int(), periodMs: z.number().int() }).nullable().optional(),
  keyRateLimit: z.object({ limit: z.number().int(), periodMs: z.number().int() }).nullable().optional(),
});
export type QueueItem = z.infer<typeof QueueItem>;

/** GET /api/v1/queues?page=&perPage= */
export const ListQueuesResponse = z.object({
  data: z.array(QueueItem),
  pagination: z.object({ currentPage: z.number().int(), totalPages: z.number().int(), count: z.number().int() }),
});
export type ListQueuesResponse = z.infer<typeof ListQueuesResponse>;

/** POST /api/v1/queues/:queue/pause */
export const PauseQueueRequestBody = z.object({
  type: QueueLookupType.default("id"),
  action: z.enum(["pause", "resume"]),
});
export type PauseQueueRequestBody = z.infer<typeof PauseQueueRequestBody>;

/** POST /api/v1/queues/:queue/concurrency/override */
export const OverrideQueueConcurrencyRequestBody = z.object({
  type: QueueLookupType.default("id"),
  concurrencyLimit: z.number().int().min(0).max(100_000),
});
export type OverrideQueueConcurrencyRequestBody = z.infer<typeof OverrideQueueConcurrencyRequestBody>;

/** POST /api/v1/queues/:queue/concurrency/reset */
export const ResetQueueConcurrencyRequestBody = z.object({ type: QueueLookupType.default("id") });
export type ResetQueueConcurrencyRequestBody = z.infer<typeof ResetQueueConcurrencyRequestBody>;

/**
 * GET|PUT /api/v1/projects/:ref/environments/:env/concurrency (Gantry): the environment's base concurrency
 * limit and burst factor. The environment runs at most floor(limit × burstFactor) at once, one queue at most
 * `limit` (the reference's burst rule).
 */
export const EnvironmentConcurrency = z.object({
  environmentId: z.string(),
  limit: z.number().int(),
  burstFactor: z.number(),
  /** floor(limit × burstFactor) */
  environmentCap: z.number().int(),
  /** one queue's most: the base limit */
  queueCap: z.number().int(),
});
export type EnvironmentConcurrency = z.infer<typeof EnvironmentConcurrency>;

export const SetEnvironmentConcurrencyRequestBody = z
  .object({
    limit: z.number().int().min(0).max(100_000).optional(),
    burstFactor: z.number().min(1).max(10).optional(),
  })
  .strict()
  .refine((b) => b.limit !== undefined || b.burstFactor !== undefined, { message: "Provide limit, burstFactor or both" });
export type SetEnvironmentConcurrencyRequestBody = z.infer<typeof SetEnvironmentConcurrencyRequestBody>;
