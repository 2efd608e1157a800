import type { ApiDeps } from "../context.js";

/**
 * Attempt leases (invariant 3): `{prefix}:lease:<runId>` = attempt number, expiring after
 * GANTRY_HEARTBEAT_TIMEOUT_MS unless a heartbeat renews it. Redis only: Postgres stays the record, and a lost
 * lease only means the reconciler redrives the run after the timeout.
 */
export function leaseKey(deps: ApiDeps, runId: string): string {
  return `{${deps.config.GANTRY_REDIS_PREFIX}}:lease:${runId}`;
}

export async function takeLeases(deps: ApiDeps, leases: { runId: string; attemptNumber: number }[]): Promise<void> {
  if (leases.length === 0) return;
  const ttl = deps.config.GANTRY_HEARTBEAT_TIMEOUT_MS;
  const pipeline = deps.redis.pipeline();
  for (const lease of leases) pipeline.set(leaseKey(deps, lease.runId), String(lease.attemptNumber), "PX", ttl);
  await pipeline.exec();
}

export async function dropLeases(deps: ApiDeps, runIds: string[]): Promise<void> {
  if (runIds.length === 0) return;
  await deps.redis.del(...runIds.map((id) => leaseKey(deps, id)));
}

/** For each run id: the attempt number holding its lease, or null when none does. */
export async function readLeases(deps: ApiDeps, runIds: string[]): Promise<(number | null)[]> {
  if (runIds.length === 0) return [];
  const values = await deps.redis.mget(...runIds.map((id) => leaseKey(deps, id)));
  return values.map((v) => (v === null ? null : Number(v)));
}
