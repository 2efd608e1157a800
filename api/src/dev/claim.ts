import type { StartAttemptResult } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { startRuns } from "../runner-api/start.js";
import { waitForDevRun } from "./notifier.js";

/** Re-check Postgres at least this often while long-polling (a wake-up lost between instances costs this). */
const RECHECK_MS = 1000;

/**
 * Claims up to `max` ready runs of a dev environment straight from Postgres (FOR UPDATE SKIP LOCKED) and
 * starts their attempts, long-polling up to `waitMs` for one to appear. Dev runs never touch BullMQ.
 */
export async function claimDevRuns(
  deps: ApiDeps,
  environmentId: string,
  opts: { max: number; waitMs: number; runnerId: string; signal?: AbortSignal },
): Promise<StartAttemptResult[]> {
  const deadline = Date.now() + opts.waitMs;
  for (;;) {
    // a session that went away must not be handed runs it will never execute
    if (opts.signal?.aborted) return [];
    const results = await startRuns(deps, { kind: "claim", environmentId, max: opts.max }, opts.runnerId);
    const remaining = deadline - Date.now();
    if (results.length > 0 || remaining <= 0) return results;
    await waitForDevRun(deps, environmentId, Math.min(remaining, RECHECK_MS));
  }
}
