import type { CreateBatchRequestBody } from "@gantry/sdk/contracts";
import type { ApiDeps, AuthEnvironment } from "../context.js";
import { newId } from "../crypto/ids.js";
import { badRequest, conflict, notFound } from "../errors.js";
import type { BatchRow } from "./queries/batch-row.js";
import { insertBatch } from "./queries/insert-batch.js";
import { runExists, selectBatchByKeys } from "./queries/select-batch.js";

export interface CreateBatchOptions {
  /** `x-trigger-request-idempotency-key`: a retried create gives back the same batch */
  requestIdempotencyKey?: string;
  /** the run whose token made the request */
  authRunId?: string;
}

/**
 * Phase 1 of the two-phase batch: records the batch and how many items will follow. The same batch
 * idempotency key gives back the same batch, `isCached` once it has all its items (the client then sends
 * none); a batch still missing items answers `isCached: false`, so the client streams them (they dedupe by
 * index). A request retried after a lost answer also gets its batch back, uncached.
 */
export async function createBatch(
  deps: ApiDeps,
  environment: AuthEnvironment,
  body: CreateBatchRequestBody,
  opts: CreateBatchOptions = {},
): Promise<{ batch: BatchRow; isCached: boolean }> {
  const max = deps.config.GANTRY_MAX_BATCH_ITEMS;
  if (body.runCount > max) throw badRequest(`A batch holds at most ${max} items (got runCount ${body.runCount}); set GANTRY_MAX_BATCH_ITEMS to allow more`, "runCount");
  const parentRunId = await checkParent(deps, environment, opts.authRunId ?? body.parentRunId, body.resumeParentOnCompletion);
  const keys = { idempotencyKey: body.idempotencyKey, requestIdempotencyKey: opts.requestIdempotencyKey };
  const existing = await existingBatch(deps, environment, keys);
  if (existing) return existing;
  const row = await insertBatch(deps.sql, {
    id: newId("batch"),
    environmentId: environment.id,
    projectId: environment.projectId,
    runCount: body.runCount,
    taskIdentifiers: body.taskIdentifiers ?? [],
    idempotencyKey: body.idempotencyKey,
    idempotencyKeyOptions: body.idempotencyKeyOptions,
    requestIdempotencyKey: opts.requestIdempotencyKey,
    parentRunId,
    resumeParentOnCompletion: body.resumeParentOnCompletion ?? false,
  });
  if (row) return { batch: row, isCached: false };
  // a concurrent create took a key between our look-up and our insert
  const raced = await existingBatch(deps, environment, keys);
  if (raced) return raced;
  throw conflict("A batch with this idempotency key is being created: retry the request", "idempotencyKey");
}

async function existingBatch(
  deps: ApiDeps,
  environment: AuthEnvironment,
  keys: { idempotencyKey?: string; requestIdempotencyKey?: string },
): Promise<{ batch: BatchRow; isCached: boolean } | undefined> {
  if (keys.idempotencyKey === undefined && keys.requestIdempotencyKey === undefined) return undefined;
  const found = await selectBatchByKeys(deps.sql, environment.id, keys);
  if (!found) return undefined;
  return { batch: found.batch, isCached: found.by === "idempotencyKey" && found.batch.sealed };
}

/** The batch's parent must be a run of this environment; waiting needs a parent. */
export async function checkParent(
  deps: ApiDeps,
  environment: AuthEnvironment,
  parentRunId: string | undefined,
  resumeParentOnCompletion: boolean | undefined,
): Promise<string | undefined> {
  if (parentRunId === undefined) {
    if (resumeParentOnCompletion) throw badRequest("resumeParentOnCompletion needs a parent run: call batchTriggerAndWait from inside a task", "resumeParentOnCompletion");
    return undefined;
  }
  if (!(await runExists(deps.sql, environment.id, parentRunId))) throw notFound(`Parent run ${parentRunId} not found in this environment`, "parentRunId");
  return parentRunId;
}
