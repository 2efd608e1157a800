import { z } from "zod";
import { TriggerTaskRequestBody } from "./api.js";

/**
 * Waitpoints (api/src/waitpoints/README.md): the reference's token API, as the official client 4.8.3 calls it,
 * and Gantry's in-run wait API that `wait.*`, `triggerAndWait` and `batchTriggerAndWait` use with a run token.
 */

/** "30s", "1m", "2h", "3d", "4w" or a date. */
const TimePeriod = z.union([z.string(), z.coerce.date()]);
const Tags = z.union([z.string(), z.array(z.string())]);

/** POST /api/v1/waitpoints/tokens */
export const CreateWaitpointTokenRequest = z.object({
  idempotencyKey: z.string().min(1).max(2048).optional(),
  idempotencyKeyTTL: z.string().optional(),
  timeout: TimePeriod.optional(),
  tags: Tags.optional(),
});
export type CreateWaitpointTokenRequest = z.infer<typeof CreateWaitpointTokenRequest>;
export const CreateWaitpointTokenResponse = z.object({ id: z.string(), isCached: z.boolean(), url: z.string() });
export type CreateWaitpointTokenResponse = z.infer<typeof CreateWaitpointTokenResponse>;

export const WAITPOINT_TOKEN_STATUSES = ["WAITING", "COMPLETED", "TIMED_OUT"] as const;
export const WaitpointTokenStatus = z.enum(WAITPOINT_TOKEN_STATUSES);
export type WaitpointTokenStatus = z.infer<typeof WaitpointTokenStatus>;

/** An item of GET /api/v1/waitpoints/tokens (cursor pages: `{ data, pagination: { next?, previous? } }`). */
export const WaitpointTokenItem = z.object({
  id: z.string(),
  url: z.string(),
  status: WaitpointTokenStatus,
  completedAt: z.coerce.date().optional(),
  timeoutAt: z.coerce.date().optional(),
  idempotencyKey: z.string().optional(),
  idempotencyKeyExpiresAt: z.coerce.date().optional(),
  tags: z.array(z.string()),
  createdAt: z.coerce.date(),
});
export type WaitpointTokenItem = z.infer<typeof WaitpointTokenItem>;
export const ListWaitpointTokensResponse = z.object({
  data: z.array(WaitpointTokenItem),
  pagination: z.object({ next: z.string().optional(), previous: z.string().optional() }),
});
/** GET /api/v1/waitpoints/tokens/{id} */
export const RetrieveWaitpointTokenResponse = WaitpointTokenItem.extend({
  output: z.string().optional(),
  outputType: z.string().optional(),
  outputIsError: z.boolean().optional(),
});
export type RetrieveWaitpointTokenResponse = z.infer<typeof RetrieveWaitpointTokenResponse>;

/** POST /api/v1/waitpoints/tokens/{id}/complete: `data` (the official client) or `output` (the reference's curl). */
export const CompleteWaitpointTokenRequest = z.object({ data: z.unknown().optional(), output: z.unknown().optional() });
export const CompleteWaitpointTokenResponse = z.object({ success: z.literal(true) });

/** What a completed waitpoint hands the run waiting for it. `output` is a packet (see `outputType`). */
export const WaitpointResult = z.object({
  id: z.string(),
  output: z.string().optional(),
  outputType: z.string(),
  isError: z.boolean(),
});
export type WaitpointResult = z.infer<typeof WaitpointResult>;

/** One item of a batch wait: the child run's outcome, in item order. */
export const BatchWaitItem = z.object({
  id: z.string(),
  taskIdentifier: z.string(),
  ok: z.boolean(),
  /** null for a child that failed (the api builds the list in SQL) */
  output: z.string().nullish(),
  outputType: z.string().nullish(),
  /** a TaskRunError */
  error: z.unknown().optional(),
});
export type BatchWaitItem = z.infer<typeof BatchWaitItem>;

/**
 * POST /api/v1/runs/{runId}/waits with the run's own token: the `step`-th durable step of the run's code.
 * The api answers from the record when the step exists (a replayed attempt), otherwise records it. For a wait
 * whose waitpoint is not complete, the run is now WAITING: the worker suspends the attempt until `resume`.
 */
export const RunWaitRequest = z.object({
  step: z.number().int().min(0),
  wait: z.discriminatedUnion("type", [
    z.object({
      type: z.literal("duration"),
      date: z.coerce.date(),
      idempotencyKey: z.string().min(1).max(2048).optional(),
      idempotencyKeyTTL: z.string().optional(),
      /** wait.until's: a 400 (param `wait.date`) when the date has passed, checked only when the step is new */
      throwIfInThePast: z.boolean().optional(),
    }),
    z.object({ type: z.literal("token"), tokenId: z.string().min(1) }),
    /** triggerAndWait: the child's trigger, as POST /api/v1/tasks/{taskId}/trigger takes it */
    z.object({ type: z.literal("task"), taskId: z.string().min(1), trigger: TriggerTaskRequestBody }),
    /** batchTriggerAndWait: every item's trigger (1..1000) */
    z.object({
      type: z.literal("batch"),
      items: z.array(z.object({ taskId: z.string().min(1), trigger: TriggerTaskRequestBody })).min(1).max(1000),
    }),
    /** wait.createToken inside a run: the same token on a replay */
    z.object({ type: z.literal("createToken"), token: CreateWaitpointTokenRequest }),
  ]),
});
export type RunWaitRequest = z.infer<typeof RunWaitRequest>;

export const RunWaitResponse = z.discriminatedUnion("status", [
  /** nothing to wait for (already complete, or a replay): continue with the result */
  z.object({
    status: z.literal("COMPLETED"),
    waitpoint: WaitpointResult,
    childRunIds: z.array(z.string()).optional(),
    /** a batch wait's batch (`BatchResult.id`) */
    batchId: z.string().optional(),
  }),
  /** the run is WAITING: suspend until the runner resumes it with the waitpoint's result */
  z.object({ status: z.literal("WAITING"), waitpointId: z.string(), childRunIds: z.array(z.string()).optional(), batchId: z.string().optional() }),
  /** createToken */
  z.object({
    status: z.literal("TOKEN"),
    /** `publicAccessToken`: the api's (`write:waitpoints:<id>`), as a run token cannot sign one */
    token: CreateWaitpointTokenResponse.extend({ publicAccessToken: z.string().optional() }),
  }),
]);
export type RunWaitResponse = z.infer<typeof RunWaitResponse>;

/** The result of a step whose wait the run was suspended on, fetched when it resumes. GET /api/v1/runs/{runId}/waits/{step} */
export const RunWaitResultResponse = z.object({ waitpoint: WaitpointResult });
