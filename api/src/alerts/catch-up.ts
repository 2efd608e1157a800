import type { ApiDeps } from "../context.js";
import { enqueueDeploymentAlerts, recordRunFailedAlerts } from "./enqueue.js";
import { selectMissedDeployments, selectMissedFailedRuns } from "./queries/missed.js";

/** How far back the sweep looks: longer than any restart, short enough to stay a small read. */
export const CATCH_UP_WINDOW_MS = 15 * 60_000;
const LIMIT = 500;

/**
 * Records the alerts the immediate paths missed: a run or deployment that finished while its instance was
 * stopping (the hook runs after the commit), or a deployment the timeout sweep marked TIMED_OUT. Idempotent: a
 * delivery already recorded is never recorded twice. Returns how many subjects it found.
 */
export async function catchUpAlerts(deps: ApiDeps): Promise<number> {
  const since = new Date(deps.clock().getTime() - CATCH_UP_WINDOW_MS);
  const runIds = await selectMissedFailedRuns(deps.sql, since, LIMIT);
  if (runIds.length > 0) await recordRunFailedAlerts(deps, runIds);
  const deploymentIds = await selectMissedDeployments(deps.sql, since, LIMIT);
  for (const id of deploymentIds) await enqueueDeploymentAlerts(deps, id);
  return runIds.length + deploymentIds.length;
}
