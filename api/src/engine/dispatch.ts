import type { ApiDeps } from "../context.js";
import { gateRuns, type GateRun, type RunPlacement } from "../queue/gate.js";

/** A run committed as QUEUED (or DELAYED) that some runner (or `gantry dev`) should start once it may. */
export interface ReadyRun {
  runId: string;
  environmentId: string;
  attemptNumberToStart: number;
  /**
   * The run's place in the gate as just written (queue, key, order, available time), when the caller has it:
   * the gate then skips reading it back from Postgres (the trigger path).
   */
  placement?: RunPlacement;
}

/**
 * Hands committed QUEUED runs to whoever starts them. Every run enters the concurrency gate
 * (`../queue/gate.ts`): they wait in Redis until their environment, queue and concurrency key have room (and
 * their delay, backoff or rate limit has passed), then get their BullMQ job. This is the one way in for any
 * QUEUED run: new, retried, redriven, released from PENDING_VERSION, resumed after a wait. Dev runs pass the same
 * gate; admitted ones wait in a Redis line their `gantry dev` session claims from (woken when one is admitted).
 * In the background: Postgres already holds the truth and the reconciler repairs anything lost here.
 */
export function afterRunsReady(deps: ApiDeps, runs: ReadyRun[]): void {
  dispatchRuns(deps, runs).catch((error: unknown) => {
    console.error(`[engine] dispatch of ${runs.length} run(s) failed; the reconciler will re-add them:`, error);
  });
}

/** Same, awaited (the reconciler wants to know it worked). */
export async function dispatchRuns(deps: ApiDeps, runs: ReadyRun[]): Promise<void> {
  if (runs.length === 0) return;
  const gated: GateRun[] = runs.map((r) => ({
    runId: r.runId,
    environmentId: r.environmentId,
    attemptNumberToStart: r.attemptNumberToStart,
    ...(r.placement ? { placement: r.placement } : {}),
  }));
  await gateRuns(deps, gated);
}
