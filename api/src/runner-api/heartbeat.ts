import type { ApiDeps } from "../context.js";
import { col } from "../batching/arrays.js";
import { takeLeases } from "../queue/leases.js";
import { markRunnerAlive } from "./forward-resume.js";
import type { AttemptScope } from "./queries/start-attempts.js";

/**
 * Renews the leases of attempts that still own their run, and names the ones that must stop: the run was
 * canceled or finished, another attempt took over, or the run is outside the caller's scope. One read for the
 * whole batch; the lease is re-set rather than extended, so a Redis that lost its keys heals here too.
 */
export async function heartbeat(
  deps: ApiDeps,
  attempts: { runId: string; attemptNumber: number }[],
  scope: AttemptScope,
  /** the runner beating: while it beats, a run whose suspended attempt it holds is resumed on it */
  runnerId?: string,
): Promise<{ cancel: string[] }> {
  const alive = runnerId && scope.kind === "runner" ? markRunnerAlive(deps, runnerId) : undefined;
  if (attempts.length === 0) {
    await alive;
    return { cancel: [] };
  }
  const rows = await deps.sql<{ id: string; status: string; attempt_number: number }[]>`
    select r.id, r.status, r.attempt_number from runs r join environments e on e.id = r.environment_id
    where r.id = any(${col(deps.sql, attempts.map((a) => a.runId))}::text[])
      and ${scope.kind === "runner" ? deps.sql`e.type <> 'DEVELOPMENT'` : deps.sql`r.environment_id = ${scope.environmentId}`}`;
  const byId = new Map(rows.map((r) => [r.id, r]));
  const cancel: string[] = [];
  const renew: { runId: string; attemptNumber: number }[] = [];
  for (const a of attempts) {
    const run = byId.get(a.runId);
    if (run && run.status === "EXECUTING" && run.attempt_number === a.attemptNumber) renew.push(a);
    // an attempt that has just suspended at a wait (WAITING, or already QUEUED to resume) is not stopped
    else if (run && run.attempt_number === a.attemptNumber && (run.status === "WAITING" || run.status === "QUEUED")) continue;
    else cancel.push(a.runId);
  }
  await Promise.all([takeLeases(deps, renew), alive]);
  return { cancel };
}
