import type { RetrieveRunResponse } from "@gantry/sdk/contracts";
import type { ApiDeps, AuthEnvironment } from "../context.js";
import { ApiError, badRequest, notFound } from "../errors.js";
import { dispatchRuns } from "../engine/dispatch.js";
import { retrieveRun } from "./retrieve.js";
import { delayUntil } from "./trigger-options.js";
import { publishRunChanges } from "../realtime/publish.js";

/**
 * POST /api/v1/runs/:id/reschedule: moves a DELAYED run's start to a new time (the reference allows this for
 * delayed runs only). Its timer in the concurrency gate follows; if that is lost the reconciler still queues the run on time.
 */
export async function rescheduleRun(
  deps: ApiDeps,
  environment: AuthEnvironment,
  runId: string,
  delay: string | Date,
): Promise<RetrieveRunResponse> {
  const at = delayUntil(delay, deps.clock(), "delay");
  if (!at) throw badRequest("delay must be in the future", "delay");
  const [row] = await deps.sql<{ status: string; updated: boolean }[]>`
    with prev as (select id, status from runs where id = ${runId} and environment_id = ${environment.id} for update),
    upd as (
      update runs r set delay_until = ${at}, available_at = ${at}, updated_at = now(),
        ttl_expires_at = r.ttl_expires_at + (${at}::timestamptz - coalesce(r.delay_until, r.created_at))
      from prev p where r.id = p.id and p.status = 'DELAYED'
      returning r.id
    )
    select p.status, exists (select 1 from upd) as updated from prev p`;
  if (!row) throw notFound(`Run ${runId} not found in this environment`, "runId");
  if (!row.updated) throw new ApiError(400, "bad_request", `Run ${runId} is ${row.status}: only a DELAYED run can be rescheduled`, "runId");
  publishRunChanges(deps, [{ runId, environmentId: environment.id }]);
  // the concurrency gate moves the run's timer (and gives back a slot it may already hold)
  await dispatchRuns(deps, [{ runId, environmentId: environment.id, attemptNumberToStart: 1 }]);
  return retrieveRun(deps, environment.id, runId);
}
