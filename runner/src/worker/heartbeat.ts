import type { RunnerApiClient } from "../api-client/runner-api-client.js";
import type { HeldAttempts } from "./held-attempts.js";

/**
 * One heartbeat call per interval renews the leases of every attempt this runner holds; the api answers with
 * the runs whose attempts must stop (canceled, or their lease moved on), which are canceled here.
 */
export function startHeartbeat(opts: {
  client: RunnerApiClient;
  held: HeldAttempts;
  intervalMs: number;
  warn: (message: string) => void;
  /** beat even with no attempt running while this says so (attempts suspended here: the api resumes them on this runner while it beats) */
  holdsSuspended?: () => boolean;
}): { stop(): void } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;

  const beat = async () => {
    const attempts = opts.held.started();
    if (attempts.length > 0 || opts.holdsSuspended?.()) {
      try {
        const cancel = await opts.client.heartbeat(attempts);
        // the answer is about the attempts as they were when we asked: a retry started since then is not meant
        const sent = new Map(attempts.map((a) => [a.runId, a.attemptNumber]));
        for (const runId of cancel) opts.held.cancel(runId, sent.get(runId));
        failures = 0;
      } catch (err) {
        failures += 1;
        // One warning per streak: a down api should not flood the log every interval.
        if (failures === 1) opts.warn(`heartbeat failed (leases of ${attempts.length} attempt(s) not renewed): ${(err as Error).message}`);
      }
    }
    if (!stopped) timer = setTimeout(beat, opts.intervalMs);
  };
  timer = setTimeout(beat, opts.intervalMs);

  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
