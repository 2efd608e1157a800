import { BatchTriggerItem } from "@gantry/sdk/contracts";
import type { ApiDeps, AuthEnvironment } from "../context.js";
import { newId } from "../crypto/ids.js";
import { badRequest } from "../errors.js";
import { checkParent } from "./create.js";
import { assertStoredItems, parseItem, prepareItem } from "./item-runs.js";
import { selectBatchRuns } from "./queries/batch-items.js";
import { selectBatchByKeys } from "./queries/select-batch.js";
import { storeItems } from "./store-items.js";

export interface TriggerBatchInput {
  items: unknown[];
  parentRunId?: string;
  resumeParentOnCompletion?: boolean;
  requestIdempotencyKey?: string;
  authRunId?: string;
}

/**
 * The reference's one-request batch (`POST /api/v1/tasks/batch`): the batch and all its runs in one
 * transaction, or nothing (an invalid item is a 400 naming it: `items[3].options.delay`). A request retried
 * with the same `x-trigger-request-idempotency-key` gives back the same batch.
 */
export async function triggerBatch(
  deps: ApiDeps,
  environment: AuthEnvironment,
  input: TriggerBatchInput,
): Promise<{ batchId: string; runCount: number; runs: string[] }> {
  const max = deps.config.GANTRY_MAX_BATCH_ITEMS;
  if (input.items.length === 0) throw badRequest("A batch needs at least one item", "items");
  if (input.items.length > max) throw badRequest(`A batch holds at most ${max} items (got ${input.items.length}); set GANTRY_MAX_BATCH_ITEMS to allow more`, "items");
  const items = input.items.map((value, i) => parseItem(BatchTriggerItem, value, `items[${i}]`));
  const parentRunId = await checkParent(deps, environment, input.authRunId ?? input.parentRunId, input.resumeParentOnCompletion);

  if (input.requestIdempotencyKey !== undefined) {
    const found = await selectBatchByKeys(deps.sql, environment.id, { requestIdempotencyKey: input.requestIdempotencyKey });
    if (found) {
      const runs = await selectBatchRuns(deps.sql, found.batch.id);
      return { batchId: found.batch.id, runCount: found.batch.run_count, runs: runs.map((r) => r.runId) };
    }
  }

  const batchId = newId("batch");
  const resumeParentOnCompletion = input.resumeParentOnCompletion ?? false;
  const target = { id: batchId, environment, runCount: items.length, parentRunId: parentRunId ?? null, resumeParentOnCompletion };
  const prepared = items.map((item, i) => prepareItem(deps, target, { ...item, index: i }, `items[${i}]`));
  await assertStoredItems(deps, environment.id, prepared);
  const stored = await storeItems(deps, environment, batchId, prepared, {
    id: batchId,
    environmentId: environment.id,
    projectId: environment.projectId,
    runCount: items.length,
    taskIdentifiers: [...new Set(items.map((item) => item.task))],
    requestIdempotencyKey: input.requestIdempotencyKey,
    parentRunId,
    resumeParentOnCompletion,
  });
  return { batchId, runCount: items.length, runs: prepared.map((item) => stored.runs.get(item.index)!) };
}
