import type { ApiDeps } from "../context.js";

/** Uploads no run has used after this long are orphans (a client that uploaded, then never triggered). */
export const ORPHAN_AFTER_MS = 24 * 60 * 60 * 1000;
const SWEEP_INTERVAL_MS = 60 * 60 * 1000;
const BATCH = 1000;

/**
 * Deletes up to `limit` packets older than ORPHAN_AFTER_MS that no run's payload refers to (runs keep theirs: a
 * replay reuses the same packet). Safe on several instances at once. Returns how many went.
 */
export async function deleteOrphanPackets(deps: ApiDeps, limit = BATCH): Promise<number> {
  const rows = await deps.sql`
    delete from packets p
    where (p.environment_id, p.path) in (
      select o.environment_id, o.path from packets o
      where o.created_at < now() - ${ORPHAN_AFTER_MS} * interval '1 millisecond'
        and not exists (
          select 1 from runs r
          where r.environment_id = o.environment_id and r.payload_type = 'application/store' and r.payload = o.path)
      limit ${limit}
      for update skip locked)
    returning 1`;
  return rows.length;
}

/** Sweeps orphan packets hourly (and once at start). Returns stop(). */
export function startPacketCleanup(deps: ApiDeps): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const tick = () => {
    if (running) return;
    running = deleteOrphanPackets(deps)
      .catch((error: unknown) => console.error("[packets] orphan sweep failed (retried next hour):", error))
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(tick, SWEEP_INTERVAL_MS);
  timer.unref();
  tick();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
