import type { ApiDeps } from "../context.js";
import { onGateEpochMissing, placeInGate, releaseSlots, sweepGate, type GateEntry, type RestoredSlot } from "../queue/gate.js";
import { gateBase, gateEpochKey } from "../queue/gate-keys.js";
import { selectLiveGateRuns, selectRunStatuses } from "../queue/queries/gate-runs.js";

/** Runs read and placed per script call while rebuilding. */
const PAGE = 1000;
/** Statuses in which a run may hold a slot: admitted (still QUEUED/DELAYED in Postgres until its start), running. */
const SLOT_STATUSES = new Set(["QUEUED", "DELAYED", "DEQUEUED", "EXECUTING"]);

/**
 * Re-derives the gate from Postgres when Redis lost it (the epoch key is gone): QUEUED and DELAYED runs go back
 * in line, DEQUEUED and EXECUTING ones get their slots back, then the epoch is set and admission resumes. Until
 * then the script admits nothing, so limits hold while the slots are unknown. Under a lock: one instance.
 */
export async function rebuildGate(deps: ApiDeps): Promise<{ rebuilt: boolean; requeued: number }> {
  if ((await deps.redis.exists(gateEpochKey(deps))) === 1) return { rebuilt: false, requeued: 0 };
  const lockKey = `${gateBase(deps)}:rebuild-lock`;
  if ((await deps.redis.set(lockKey, "1", "PX", 60_000, "NX")) !== "OK") return { rebuilt: false, requeued: 0 };
  try {
    let requeued = 0;
    let after = "";
    for (;;) {
      const rows = await selectLiveGateRuns(deps.sql, after, PAGE);
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      const entries: GateEntry[] = [];
      const slots: RestoredSlot[] = [];
      for (const r of rows) {
        const common = { runId: r.id, environmentId: r.environment_id, queue: r.queue_name, concurrencyKey: r.concurrency_key ?? "" };
        if (r.status === "QUEUED" || r.status === "DELAYED") {
          entries.push({ ...common, orderMs: r.order_ms, availableAtMs: r.available_at_ms, attempt: r.attempt_number + 1 });
        } else {
          slots.push({ ...common, attempt: r.attempt_number });
        }
      }
      await placeInGate(deps, entries, slots);
      requeued += entries.length;
    }
    await deps.redis.set(gateEpochKey(deps), String(deps.clock().getTime()));
    await sweepGate(deps);
    return { rebuilt: true, requeued };
  } finally {
    await deps.redis.del(lockKey);
  }
}

/** Wires the rebuild into the gate: a gate call that finds the epoch gone starts it. */
export function installGateRebuild(deps: ApiDeps): void {
  onGateEpochMissing(deps, async (d) => {
    await rebuildGate(d);
  });
}

/**
 * Slots whose run is no longer DEQUEUED/EXECUTING (or admitted and about to start) are released: a release
 * that was lost (a crash between commit and release, a listener that failed) must not hold a slot forever.
 * Returns how many were freed.
 */
export async function releaseStaleSlots(deps: ApiDeps): Promise<number> {
  const holders: string[] = [];
  let cursor = "0";
  do {
    const [next, flat] = await deps.redis.hscan(`${gateBase(deps)}:runs`, cursor, "COUNT", 1000);
    cursor = next;
    for (let i = 0; i + 1 < flat.length; i += 2) if (flat[i + 1]!.startsWith("s\x1f")) holders.push(flat[i]!);
  } while (cursor !== "0");
  if (holders.length === 0) return 0;
  const statuses = await selectRunStatuses(deps.sql, holders);
  const stale = holders.filter((id) => {
    const s = statuses.get(id);
    return !s || !SLOT_STATUSES.has(s.status);
  });
  await releaseSlots(deps, stale);
  return stale.length;
}

/** One reconciler pass of the gate: rebuild if lost, free stale slots, admit everywhere. */
export async function reconcileGate(deps: ApiDeps): Promise<{ rebuilt: boolean; requeued: number; staleSlots: number }> {
  const { rebuilt, requeued } = await rebuildGate(deps);
  const staleSlots = await releaseStaleSlots(deps);
  await sweepGate(deps);
  return { rebuilt, requeued, staleSlots };
}


/** Of these runs (and the attempt each should start), the ones the gate holds no line entry or timer for. */
export async function notWaitingInGate(deps: ApiDeps, runs: { runId: string; attempt: number }[]): Promise<Set<string>> {
  if (runs.length === 0) return new Set();
  const entries = await deps.redis.hmget(`${gateBase(deps)}:runs`, ...runs.map((r) => r.runId));
  return new Set(
    runs
      .filter((r, i) => {
        const f = entries[i]?.split("\x1f");
        return !f || f[0] === "s" || f[4] !== String(r.attempt);
      })
      .map((r) => r.runId),
  );
}
