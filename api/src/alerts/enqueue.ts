import type { RunStatus } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { newId } from "../crypto/ids.js";
import type { FinishedRun } from "../engine/run-finished.js";
import { wakeAlertDelivery } from "./wake.js";
import { deploymentBody, runFailedBody } from "./payloads.js";
import { insertDeliveries, type NewDelivery } from "./queries/deliveries.js";
import { selectChannelsForDeployment, selectChannelsForRuns, selectDeploymentForAlert, selectFailedRuns } from "./queries/subjects.js";

/** The final statuses the reference alerts on as "run failed". */
const FAILED: ReadonlySet<RunStatus> = new Set(["FAILED", "CRASHED", "SYSTEM_FAILURE", "TIMED_OUT"]);

/**
 * `onRunsFinished` listener: records one delivery per (failed run, channel that wants it). Runs that did not
 * fail cost nothing; failed ones cost one query when no channel wants them. Idempotent (unique per channel,
 * event and run), as the hook requires.
 */
export async function enqueueRunFailedAlerts(deps: ApiDeps, runs: FinishedRun[]): Promise<void> {
  const failed = runs.filter((r) => FAILED.has(r.status)).map((r) => r.runId);
  if (failed.length > 0) await recordRunFailedAlerts(deps, failed);
}

/** Records the run-failed deliveries of these (failed) runs for every channel that wants them. */
export async function recordRunFailedAlerts(deps: ApiDeps, failed: string[]): Promise<void> {
  const targets = await selectChannelsForRuns(deps.sql, failed, "alert.run.failed");
  if (targets.length === 0) return;
  const rows = await selectFailedRuns(deps.sql, [...new Set(targets.map((t) => t.subject_id))]);
  const now = deps.clock();
  const bodies = new Map(rows.map((r) => [r.id, runFailedBody(r, deps.config.publicUrl, now)]));
  const deliveries: NewDelivery[] = targets.flatMap((t) => {
    const body = bodies.get(t.subject_id);
    return body ? [{ id: newId("alertd"), channelId: t.channel_id, projectId: t.project_id, eventType: "alert.run.failed", subjectId: t.subject_id, body }] : [];
  });
  if ((await insertDeliveries(deps.sql, deliveries, deps.config.GANTRY_ALERT_MAX_ATTEMPTS)) > 0) wakeAlertDelivery(deps);
}

/**
 * After a deployment became DEPLOYED, FAILED or TIMED_OUT: records its alert deliveries. Never throws (the
 * deployment already changed; a lost alert is logged, never the caller's failure).
 */
export async function enqueueDeploymentAlerts(deps: ApiDeps, deploymentId: string): Promise<void> {
  try {
    const row = await selectDeploymentForAlert(deps.sql, deploymentId);
    if (!row) return;
    const type = row.status === "DEPLOYED" ? "alert.deployment.success" : row.status === "FAILED" || row.status === "TIMED_OUT" ? "alert.deployment.failed" : undefined;
    if (!type) return;
    const targets = await selectChannelsForDeployment(deps.sql, deploymentId, type);
    if (targets.length === 0) return;
    const body = deploymentBody(row, type, deps.clock());
    const deliveries = targets.map((t) => ({ id: newId("alertd"), channelId: t.channel_id, projectId: t.project_id, eventType: type, subjectId: deploymentId, body }));
    if ((await insertDeliveries(deps.sql, deliveries, deps.config.GANTRY_ALERT_MAX_ATTEMPTS)) > 0) wakeAlertDelivery(deps);
  } catch (error) {
    console.error(`[alerts] recording the alerts of deployment ${deploymentId} failed:`, error);
  }
}
