import type { ApiDeps } from "../context.js";
import type { Db } from "../db/sql.js";
import { newId } from "../crypto/ids.js";
import { ApiError } from "../errors.js";
import { applyDeclarativeSchedules, selectDeploymentSchedules, type DeclarativeSchedule } from "./queries/declarative.js";
import { validateSchedule } from "./validate.js";

/**
 * Syncs the declarative schedules (`schedules.task({ cron })`) of a deployment that just became its
 * environment's current one (deploy, `gantry dev` registration, promotion): each task whose `cron.environments`
 * includes the environment's type gets its DECLARATIVE schedule created or updated; declarative schedules of
 * tasks that no longer carry a cron (or were removed) are deactivated. A preview branch (type PREVIEW) never
 * gets a schedule restricted to PRODUCTION.
 *
 * Pass the finalize transaction as `tx` so a bad cron fails the deploy with nothing half-written
 * (`mode: "throw"`, a 400 naming the task); the scheduler's catch-up after a promotion uses `"skip"`.
 */
export async function syncDeclarativeSchedules(
  deps: ApiDeps,
  tx: Db | undefined,
  deploymentId: string,
  mode: "throw" | "skip" = "throw",
): Promise<number> {
  const sql = tx ?? deps.sql;
  const src = await selectDeploymentSchedules(sql, deploymentId);
  if (!src) return 0;
  const now = deps.clock();
  const keep: DeclarativeSchedule[] = [];
  for (const task of src.tasks) {
    const { cron, timezone, environments } = task.schedule;
    if (environments && environments.length > 0 && !environments.includes(src.environmentType)) continue;
    try {
      const valid = validateSchedule(cron, timezone, now);
      keep.push({ id: newId("sched"), taskIdentifier: task.slug, cron: valid.spec.expression, timezone: valid.timezone, nextTickAt: valid.nextTickAt });
    } catch (error) {
      if (!(error instanceof ApiError) || mode === "throw") {
        throw error instanceof ApiError
          ? new ApiError(400, "invalid_body", `Task "${task.slug}": ${error.message} (its cron on schedules.task)`, "manifest.tasks")
          : error;
      }
      console.warn(`[schedules] deployment ${deploymentId}: task "${task.slug}" skipped: ${error.message}`);
    }
  }
  await applyDeclarativeSchedules(sql, { environmentId: src.environmentId, projectId: src.projectId, deploymentId }, keep);
  return keep.length;
}
