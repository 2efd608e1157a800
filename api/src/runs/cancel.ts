import { CANCEL_CHANNEL, type RunStatus } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { col } from "../batching/arrays.js";
import { notFound } from "../errors.js";
import { sourcesOf } from "../engine/transitions.js";
import { dropLeases } from "../queue/leases.js";
import { publishRunChanges } from "../realtime/publish.js";
import { afterRunsFinished } from "../engine/run-finished.js";

/**
 * POST /api/v2/runs/:id/cancel. A finished run is left as it is (still 200). A waiting one (queued, delayed,
 * pending version) is CANCELED at once; an executing one too, and the runner holding it is told on
 * `<prefix>:gantry:cancel` to kill the attempt, whose late completion is then stale.
 */
export async function cancelRun(deps: ApiDeps, environmentId: string, runId: string): Promise<{ id: string; previous: RunStatus }> {
  const sql = deps.sql;
  const [row] = await sql<{ id: string; previous: RunStatus; attempt_number: number; canceled: boolean }[]>`
    with prev as (
      select id, status from runs where id = ${runId} and environment_id = ${environmentId} for update
    ),
    upd as (
      update runs r set status = 'CANCELED', completed_at = now(), updated_at = now(),
        error = jsonb_build_object('type', 'INTERNAL_ERROR', 'code', 'TASK_RUN_CANCELLED', 'message', 'Run was canceled')
      from prev p
      where r.id = p.id and p.status = any(${col(sql, sourcesOf("CANCELED"))}::text[])
      returning r.id, r.attempt_number
    ),
    att as (
      update attempts a set status = 'CANCELED', completed_at = now()
      from upd u where a.run_id = u.id and a.number = u.attempt_number and a.status = 'EXECUTING'
      returning a.id
    )
    select p.id, p.status as previous, coalesce(u.attempt_number, 0) as attempt_number, u.id is not null as canceled
    from prev p left join upd u on u.id = p.id`;
  if (!row) throw notFound(`Run ${runId} not found in this environment`, "runId");
  if (row.canceled) {
    publishRunChanges(deps, [{ runId: row.id, environmentId }]);
    afterRunsFinished(deps, [{ runId: row.id, environmentId, status: "CANCELED" }]);
  }
  if (row.canceled && (row.previous === "EXECUTING" || row.previous === "DEQUEUED" || row.previous === "WAITING")) {
    await dropLeases(deps, [row.id]);
    await deps.redis.publish(cancelChannel(deps), JSON.stringify({ runId: row.id }));
  }
  return { id: row.id, previous: row.previous };
}

/** `${GANTRY_REDIS_PREFIX}:` + CANCEL_CHANNEL: where runners learn that a run they execute was canceled. */
export function cancelChannel(deps: ApiDeps): string {
  return `${deps.config.GANTRY_REDIS_PREFIX}:${CANCEL_CHANNEL}`;
}
