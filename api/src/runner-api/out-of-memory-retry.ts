import { calculateNextRetryDelay, isOutOfMemoryError, type MachinePreset, type CompleteAttemptsRequest } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { loadDeployments } from "../engine/deployment-cache.js";
import { selectOutOfMemoryRuns } from "./queries/select-out-of-memory-runs.js";
import { DEFAULT_MACHINE } from "./start.js";

type Completion = CompleteAttemptsRequest["completions"][number];

/** An out-of-memory attempt's retry: on this machine, not before this time (attempts left are checked in SQL). */
export interface OutOfMemoryRetryPlan {
  machine: MachinePreset;
  retryAt: Date;
}

/** The completion reports an attempt that ran out of memory (its process, or an `OutOfMemoryError`). */
export function isOutOfMemoryCompletion(c: Completion): boolean {
  return !c.result.ok && (c.result.outcome === undefined || c.result.outcome === "FAILED" || c.result.outcome === "CRASHED") && isOutOfMemoryError(c.result.error);
}

/**
 * The reference's `retry.outOfMemory.machine`: an attempt that ran out of memory retries on that machine (the
 * task's setting, else the config's `retries.default`), unless the run is on it already. Read from the run's
 * locked version (the deployment cache), so neither the runner nor user code picks the machine. Only
 * out-of-memory completions cost this read: every other completion returns at once without a statement.
 */
export async function planOutOfMemoryRetries(deps: ApiDeps, completions: Completion[], now = Date.now()): Promise<Map<string, OutOfMemoryRetryPlan>> {
  const plans = new Map<string, OutOfMemoryRetryPlan>();
  const oom = completions.filter(isOutOfMemoryCompletion);
  if (oom.length === 0) return plans;
  const runs = new Map((await selectOutOfMemoryRuns(deps.sql, oom.map((c) => c.runId))).map((r) => [r.id, r]));
  const deployments = await loadDeployments(
    deps,
    [...runs.values()].flatMap((r) => (r.locked_deployment_id ? [r.locked_deployment_id] : [])),
  );
  for (const c of oom) {
    const run = runs.get(c.runId);
    // a stale completion (the run moved on) is fenced out by the completion statement anyway
    if (!run || run.attempt_number !== c.attemptNumber || !run.locked_deployment_id) continue;
    const deployment = deployments.get(run.locked_deployment_id);
    if (!deployment) continue;
    const task = deployment.tasks.get(run.task_identifier);
    const configRetry = deployment.config.retries?.default;
    const machine = task?.retry?.outOfMemory?.machine ?? configRetry?.outOfMemory?.machine;
    const current = run.machine ?? task?.machine ?? deployment.config.machine ?? DEFAULT_MACHINE;
    if (!machine || machine === current) continue;
    // attempts left are the run's own count (SQL checks it under the row lock); the policy only times the backoff
    const delay = calculateNextRetryDelay({ ...configRetry, ...task?.retry, maxAttempts: Number.MAX_SAFE_INTEGER }, c.attemptNumber);
    if (delay === undefined) continue;
    plans.set(c.runId, { machine, retryAt: new Date(now + delay) });
  }
  return plans;
}
