import type { ApiDeps } from "../context.js";
import { afterRunsReady } from "../engine/dispatch.js";
import { onBatchCompleted, type CompletedBatch } from "../batches/completion.js";
import { onRunsFinished, type FinishedRun } from "../engine/run-finished.js";
import { publishRunChanges } from "../realtime/publish.js";
import { resumeRunsWaitingOn } from "./queries/run-steps.js";
import { completeBatchWaitpoints, completeChildRunWaitpoints, selectAwaitedChildren, type CompletedWaitpoint } from "./queries/waitpoints.js";

/**
 * Waitpoints just completed: the runs WAITING on them go WAITING → QUEUED and re-enter dispatch like any ready
 * run (so a resume takes a concurrency slot again, through whatever gate dispatch applies). The job's start
 * then either continues the suspended attempt on the runner that holds it, or begins a new attempt that
 * replays from the record (runner-api/start.ts).
 */
export async function resumeWaitingRuns(deps: ApiDeps, completed: CompletedWaitpoint[]): Promise<number> {
  if (completed.length === 0) return 0;
  const resumed = await resumeRunsWaitingOn(deps.sql, completed.map((w) => w.id));
  if (resumed.length === 0) return 0;
  publishRunChanges(deps, resumed.map((r) => ({ runId: r.id, environmentId: r.environment_id })));
  afterRunsReady(
    deps,
    resumed.map((r) => ({
      runId: r.id,
      environmentId: r.environment_id,
      attemptNumberToStart: r.attempt_number + 1,
    })),
  );
  return resumed.length;
}

/** Child runs that finished: their RUN waitpoints and the BATCH waitpoints they complete, then the parents resume. */
export async function completeForFinishedRuns(deps: ApiDeps, runIds: string[], opts: { awaited?: boolean } = {}): Promise<number> {
  if (runIds.length === 0) return 0;
  // most finished runs are no one's awaited child: one primary-key read tells, and nothing more is done for them
  // (`awaited`: the caller knows they are, e.g. a child an idempotency key returned, triggered by a plain trigger)
  const children = opts.awaited ? runIds : await selectAwaitedChildren(deps.sql, runIds);
  if (children.length === 0) return 0;
  const [runs, batches] = await Promise.all([
    completeChildRunWaitpoints(deps.sql, children),
    completeBatchWaitpoints(deps.sql, { runIds: children }),
  ]);
  return resumeWaitingRuns(deps, [...runs, ...batches]);
}

let registered = false;

/** Registers the waitpoints' reaction to finished runs (idempotent). Called where the app is built. */
export function registerWaitpointListeners(): void {
  if (registered) return;
  registered = true;
  onRunsFinished("waitpoints", async (deps: ApiDeps, runs: FinishedRun[]) => {
    await completeForFinishedRuns(deps, runs.map((r) => r.runId));
  });
  // the batches module counts a batch's runs by its items (an item may be a run of another batch, returned by
  // an idempotency key): its word that a batch completed is the authority for BATCH waitpoints too
  onBatchCompleted("waitpoints", async (deps: ApiDeps, batches: CompletedBatch[]) => {
    const waited = batches.filter((b) => b.resumeParentOnCompletion).map((b) => b.batchId);
    if (waited.length === 0) return;
    await resumeWaitingRuns(deps, await completeBatchWaitpoints(deps.sql, { batchIds: waited, whenBatchCompleted: true }));
  });
}
