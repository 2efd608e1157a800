import type { ApiDeps } from "../context.js";
import { resumeWaitingRuns } from "./resume.js";
import { selectUnresumedWaitpoints } from "./queries/run-steps.js";
import {
  completeBatchWaitpoints,
  completeChildRunWaitpoints,
  completeWaitpoints,
  selectDueWaitpoints,
  selectLostChildCompletions,
} from "./queries/waitpoints.js";

const BATCH = 1000;

/** The output a token gets when its timeout passes first (`wait.forToken` → `{ ok: false, error }`). */
export function timeoutOutput(): string {
  return JSON.stringify({ name: "WaitpointTimeoutError", message: "The waitpoint token timed out" });
}

/**
 * Completes DATETIME waitpoints that are due and MANUAL (token) ones past their timeout, then resumes their
 * runs. The record holds the times, so this is a sweep any api instance may run; it is also called at the
 * precise moment by an in-process timer set when a short wait is created.
 */
export async function completeDueWaitpoints(deps: ApiDeps): Promise<number> {
  let total = 0;
  for (;;) {
    const due = await selectDueWaitpoints(deps.sql, BATCH);
    if (due.length === 0) return total;
    const completed = await completeWaitpoints(
      deps.sql,
      due.map((w) =>
        w.kind === "MANUAL"
          ? { id: w.id, output: timeoutOutput(), outputType: "application/json", isError: true }
          : { id: w.id, output: undefined, outputType: "application/json", isError: false },
      ),
    );
    total += completed.length;
    await resumeWaitingRuns(deps, completed);
    if (due.length < BATCH) return total;
  }
}

/**
 * Repairs what a crash between two commits can leave behind: a wait on children that are all final but whose
 * waitpoint was never completed, and a completed waitpoint whose waiting runs were never resumed. Postgres
 * holds all of it, so the sweep finds and finishes it; both steps are idempotent.
 */
export async function repairLostResumes(deps: ApiDeps): Promise<number> {
  const lost = await selectLostChildCompletions(deps.sql, BATCH);
  const [runs, batches] = await Promise.all([
    completeChildRunWaitpoints(deps.sql, lost.runIds),
    completeBatchWaitpoints(deps.sql, { batchIds: lost.batchIds }),
  ]);
  const unresumed = await selectUnresumedWaitpoints(deps.sql, BATCH);
  return resumeWaitingRuns(deps, [...runs, ...batches, ...unresumed.map((id) => ({ id }))]);
}

const sweepers = new WeakMap<ApiDeps, { timer: NodeJS.Timeout; running?: Promise<unknown>; stopped: boolean }>();

/** Runs the sweep every GANTRY_RECONCILE_INTERVAL_MS (Postgres is the record; the timers only make it prompt). */
export function startWaitpointTimers(deps: ApiDeps): () => Promise<void> {
  const state = { timer: undefined as unknown as NodeJS.Timeout, running: undefined as Promise<unknown> | undefined, stopped: false };
  const tick = () => {
    if (state.running || state.stopped) return;
    state.running = completeDueWaitpoints(deps)
      .then(() => repairLostResumes(deps))
      .catch((error: unknown) => console.error("[waitpoints] sweep failed (will retry next interval):", error))
      .finally(() => (state.running = undefined));
  };
  state.timer = setInterval(tick, deps.config.GANTRY_RECONCILE_INTERVAL_MS);
  state.timer.unref();
  sweepers.set(deps, state);
  return async () => {
    state.stopped = true;
    clearInterval(state.timer);
    await state.running;
    sweepers.delete(deps);
  };
}

/** A precise wake-up for a wait due soon (within the sweep would be late); the sweep covers a lost one. */
export function wakeAt(deps: ApiDeps, at: Date): void {
  const state = sweepers.get(deps);
  if (!state || state.stopped) return;
  const ms = at.getTime() - Date.now();
  if (ms > 10 * 60_000) return;
  setTimeout(() => {
    if (state.stopped) return;
    completeDueWaitpoints(deps).catch((error: unknown) => console.error("[waitpoints] timer failed (the sweep retries):", error));
  }, Math.max(0, ms) + 5).unref();
}
