import { z } from "zod";
import { TriggerTaskOptions } from "./api.js";

/** `POST /api/v3/batches`: phase 1 of the official client's two-phase batch (wire-format.md §3.2). */
export const CreateBatchRequestBody = z.object({
  /** how many items will follow (each index 0…runCount-1 once) */
  runCount: z.number().int().positive(),
  taskIdentifiers: z.array(z.string().min(1)).min(1).optional(),
  /** batchTrigger(AndWait) inside a run: the run the items are children of */
  parentRunId: z.string().optional(),
  /** batchTriggerAndWait: the parent waits until every item's run is final */
  resumeParentOnCompletion: z.boolean().optional(),
  /** hashed, like a trigger's; the same key gives back the same batch */
  idempotencyKey: z.string().min(1).max(2048).optional(),
  idempotencyKeyOptions: z.object({ key: z.string(), scope: z.enum(["run", "attempt", "global"]) }).optional(),
});
export type CreateBatchRequestBody = z.infer<typeof CreateBatchRequestBody>;

export const CreateBatchResponse = z.object({
  id: z.string(),
  runCount: z.number(),
  /** true: the idempotency key named a batch that already has all its items (the client sends none) */
  isCached: z.boolean(),
  idempotencyKey: z.string().optional(),
});
export type CreateBatchResponse = z.infer<typeof CreateBatchResponse>;

/** One line of `POST /api/v3/batches/{id}/items` (`application/x-ndjson`). Options are a trigger's. */
export const BatchItemNDJSON = z.object({
  index: z.number().int().nonnegative(),
  task: z.string().min(1),
  payload: z.unknown().optional(),
  options: TriggerTaskOptions.optional(),
});
export type BatchItemNDJSON = z.infer<typeof BatchItemNDJSON>;

export const StreamBatchItemsResponse = z.object({
  id: z.string(),
  itemsAccepted: z.number(),
  itemsDeduplicated: z.number(),
  /** false: some indexes are still missing; the client resends every item (they dedupe by index) */
  sealed: z.boolean(),
  enqueuedCount: z.number().optional(),
  expectedCount: z.number().optional(),
});
export type StreamBatchItemsResponse = z.infer<typeof StreamBatchItemsResponse>;

/** An item of the one-request batch (`POST /api/v1/tasks/batch`, and `/api/v2/tasks/batch`). */
export const BatchTriggerItem = z.object({
  task: z.string().min(1),
  payload: z.unknown().optional(),
  context: z.unknown().optional(),
  options: TriggerTaskOptions.optional(),
});
export type BatchTriggerItem = z.infer<typeof BatchTriggerItem>;

/** `POST /api/v1/tasks/batch`: the reference's batch trigger, up to the batch limit (500 by default). */
export const BatchTriggerRequestBody = z.object({
  items: z.array(BatchTriggerItem),
  parentRunId: z.string().optional(),
  resumeParentOnCompletion: z.boolean().optional(),
});
export type BatchTriggerRequestBody = z.infer<typeof BatchTriggerRequestBody>;

/** `POST /api/v1/tasks/batch` answers the batch and its runs, in item order. */
export const BatchTriggerResponse = z.object({ batchId: z.string(), runs: z.array(z.string()) });
export type BatchTriggerResponse = z.infer<typeof BatchTriggerResponse>;

/** `POST /api/v2/tasks/batch` (older official clients). */
export const BatchTriggerV2Response = z.object({ id: z.string(), runCount: z.number() });
export type BatchTriggerV2Response = z.infer<typeof BatchTriggerV2Response>;

/** The official client's batch statuses; Gantry's batches are PENDING until every run is final, then COMPLETED. */
export const BATCH_STATUSES = ["PENDING", "PROCESSING", "COMPLETED", "PARTIAL_FAILED", "ABORTED"] as const;
export const BatchStatus = z.enum(BATCH_STATUSES);
export type BatchStatus = z.infer<typeof BatchStatus>;

/** `GET /api/v2/batches/{id}` (`batch.retrieve`): runs in item order. */
export const RetrieveBatchResponse = z.object({
  id: z.string(),
  status: BatchStatus,
  idempotencyKey: z.string().optional(),
  createdAt: z.coerce.date(),
  updatedAt: z.coerce.date(),
  runCount: z.number(),
  runs: z.array(z.string()),
  processing: z.object({
    /** when the last item got its run (the batch was sealed) */
    completedAt: z.coerce.date().optional(),
    errors: z.array(z.object({ index: z.number(), taskIdentifier: z.string(), error: z.string(), errorCode: z.string().optional() })),
  }),
});
export type RetrieveBatchResponse = z.infer<typeof RetrieveBatchResponse>;
