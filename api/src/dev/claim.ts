import type { StartAttemptResult } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { takeAdmittedDevRuns } from "../queue/gate.js";
import { startRuns } from "../runner-api/start.js";
import { waitForDevRun } from "./notifier.js";
import { selectSuspendedHeldBy } from "./queries/held-suspended.js";

/** Re-check Postgres at least this often while long-polling (a wake-up lost between instances costs this). */
const RECHECK_MS = 1000;

/**
 * Claims up to `max` runs of a dev environment that the concurrency gate admitted (its environment, queue and
 * key limits hold in dev too) and starts their attempts, long-polling up to `waitMs` for one to appear. Dev
 * runs never touch BullMQ.
 *
 * A session that keeps suspended attempts (`keepsSuspendedAttempts`) gets a resumed run whose suspended attempt
 * it started back in that same attempt (`resume` in the result), unless it names the run among those it lost.
 * The record says which attempts it started, rather than a list the session sends: a run that suspends while
 * this long poll is open and resumes before it ends is then still resumed in place, not replayed.
 */
export async function claimDevRuns(
  deps: ApiDeps,
  environmentId: string,
  opts: { max: number; waitMs: number; runnerId: string; signal?: AbortSignal; keepsSuspendedAttempts?: boolean; lostSuspendedRuns?: string[] },
): Promise<StartAttemptResult[]> {
  const deadline = Date.now() + opts.waitMs;
  for (;;) {
    // a session that went away must not be handed runs it will never execute
    if (opts.signal?.aborted) return [];
    // the runs the concurrency gate admitted, in order; unstartable ones give their slots back in startRuns
    const admitted = [...new Set(await takeAdmittedDevRuns(deps, environmentId, opts.max))];
    const results =
      admitted.length === 0
        ? []
        : (
            await startRuns(
              deps,
              { kind: "ids", runIds: admitted, scope: { kind: "environment", environmentId } },
              opts.runnerId,
              [],
              opts.keepsSuspendedAttempts ? await resumableHere(deps, admitted, opts.runnerId, opts.lostSuspendedRuns ?? []) : new Map(),
            )
          ).filter((r) => r.ok);
    const remaining = deadline - Date.now();
    if (results.length > 0 || remaining <= 0) return results;
    await waitForDevRun(deps, environmentId, Math.min(remaining, RECHECK_MS));
  }
}

async function resumableHere(deps: ApiDeps, runIds: string[], runnerId: string, lost: string[]): Promise<Map<string, number>> {
  const held = await selectSuspendedHeldBy(deps.sql, runIds, runnerId);
  for (const id of lost) held.delete(id);
  return held;
}
