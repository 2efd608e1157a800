import type { RetrieveBatchResponse } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { notFound } from "../errors.js";
import { selectBatchRuns } from "./queries/batch-items.js";
import { selectBatch } from "./queries/select-batch.js";

/** `GET /api/v2/batches/{id}`: the batch and its runs in item order. 404 outside its environment. */
export async function retrieveBatch(deps: ApiDeps, environmentId: string, batchId: string): Promise<RetrieveBatchResponse> {
  const batch = await selectBatch(deps.sql, environmentId, batchId);
  if (!batch) throw notFound(`Batch ${batchId} not found in this environment`, "batchId");
  const runs = await selectBatchRuns(deps.sql, batch.id);
  return {
    id: batch.id,
    status: batch.status,
    ...(batch.idempotency_key ? { idempotencyKey: batch.idempotency_key } : {}),
    createdAt: batch.created_at,
    updatedAt: batch.updated_at,
    runCount: batch.run_count,
    runs: runs.map((r) => r.runId),
    processing: { ...(batch.sealed_at ? { completedAt: batch.sealed_at } : {}), errors: [] },
  };
}
