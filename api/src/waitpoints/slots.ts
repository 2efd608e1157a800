import type { ApiDeps } from "../context.js";
import { releaseSlots } from "../queue/gate.js";

/**
 * A run that starts waiting gives its concurrency slot back (environment, queue, concurrencyKey) through the
 * gate, which admits the next run at once: a parent waiting on a child of its own queue never deadlocks. A
 * resume takes a slot again by going back through dispatch (the gate), like any QUEUED run.
 */
export async function releaseSlotsOfWaitingRuns(deps: ApiDeps, runIds: string[]): Promise<void> {
  await releaseSlots(deps, runIds);
}
