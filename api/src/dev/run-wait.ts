import type { DevRunWait, DevRunWaitResponse } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { notFound } from "../errors.js";
import { selectLastWait, type LastWaitRow } from "./queries/last-wait.js";

/**
 * GET /api/v1/dev/runs/{runId}/wait: what a dev run suspended at a wait waits for (`gantry dev`'s "⏸ waiting"
 * line), asked right as it suspends.
 */
export async function devRunWait(deps: ApiDeps, environmentId: string, runId: string): Promise<DevRunWaitResponse> {
  const row = await selectLastWait(deps.sql, environmentId, runId);
  if (!row) throw notFound(`Run ${runId} not found in this environment`, "runId");
  // the last wait the run reached: the one it waits for, or (a child that finished at once) has just resumed from
  const wait = row.what ? describe(row) : undefined;
  return { runId: row.id, status: row.status, ...(wait ? { wait } : {}) };
}

function describe(row: LastWaitRow): DevRunWait | undefined {
  const waitpointId = row.waitpoint_id!;
  const pending = row.waitpoint_status === "PENDING";
  switch (row.what) {
    case "duration":
      return { type: "duration", waitpointId, pending, ...(row.completed_after ? { until: row.completed_after } : {}) };
    case "token":
      return { type: "token", waitpointId, pending, tokenId: waitpointId, ...(row.completed_after ? { timeoutAt: row.completed_after } : {}) };
    case "task":
      return { type: "task", waitpointId, pending, runIds: row.child_run_id ? [row.child_run_id] : [] };
    case "batch":
      return { type: "batch", waitpointId, pending, ...(row.batch_id ? { batchId: row.batch_id } : {}), runIds: row.batch_run_ids ?? [] };
    default:
      return undefined;
  }
}
