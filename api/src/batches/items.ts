import type { StreamBatchItemsResponse } from "@gantry/sdk/contracts";
import type { ApiDeps, AuthEnvironment } from "../context.js";
import { notFound } from "../errors.js";
import { assertStoredItems, prepareItem } from "./item-runs.js";
import { parseNdjsonItems } from "./ndjson.js";
import { selectBatch } from "./queries/select-batch.js";
import { storeItems } from "./store-items.js";

/**
 * Phase 2: the NDJSON items of a batch. Every line is parsed and validated first (a bad line or option is a
 * 400 and nothing is written); then the items whose index has no run yet get one. `sealed: false` (with the
 * counts) tells the client to resend the whole stream.
 */
export async function addBatchItems(
  deps: ApiDeps,
  environment: AuthEnvironment,
  batchId: string,
  ndjson: string,
): Promise<StreamBatchItemsResponse> {
  const batch = await selectBatch(deps.sql, environment.id, batchId);
  if (!batch) throw notFound(`Batch ${batchId} not found in this environment`, "batchId");
  const lines = parseNdjsonItems(ndjson);
  const target = {
    id: batch.id,
    environment,
    runCount: batch.run_count,
    parentRunId: batch.parent_run_id,
    resumeParentOnCompletion: batch.resume_parent_on_completion,
  };
  const prepared = lines.map((line) => prepareItem(deps, target, line, line.param));
  await assertStoredItems(deps, environment.id, prepared);
  const stored = await storeItems(deps, environment, batch.id, prepared);
  const response: StreamBatchItemsResponse = {
    id: batch.id,
    itemsAccepted: stored.itemsAccepted,
    itemsDeduplicated: stored.itemsDeduplicated,
    sealed: stored.sealed,
  };
  if (!stored.sealed) {
    response.enqueuedCount = stored.acceptedCount;
    response.expectedCount = stored.runCount;
  }
  return response;
}
