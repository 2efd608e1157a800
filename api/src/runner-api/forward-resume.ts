import { RESUME_CHANNEL } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { col } from "../batching/arrays.js";

/** `{prefix}:runner:<runnerId>`: set by each heartbeat of a runner (attempts running or suspended), expiring after the heartbeat timeout. */
export function runnerAliveKey(deps: ApiDeps, runnerId: string): string {
  return `{${deps.config.GANTRY_REDIS_PREFIX}}:runner:${runnerId}`;
}

export async function markRunnerAlive(deps: ApiDeps, runnerId: string): Promise<void> {
  await deps.redis.set(runnerAliveKey(deps, runnerId), "1", "PX", deps.config.GANTRY_HEARTBEAT_TIMEOUT_MS);
}

/**
 * QUEUED runs a start left alone because another runner holds their suspended attempt (the resume's job went
 * to a runner that does not hold it): a live holder is told on `<prefix>:gantry:resume` to start the run itself
 * and continue the attempt in place; a holder that stopped heartbeating is gone with the attempt, so the run
 * may be replayed by the caller.
 */
export async function resumeElsewhere(deps: ApiDeps, runIds: string[]): Promise<{ forwarded: string[]; replayable: string[] }> {
  const rows = await deps.sql<{ id: string; runner_id: string | null }[]>`
    select r.id, a.runner_id from runs r
    join attempts a on a.run_id = r.id and a.number = r.suspended_attempt
    where r.id = any(${col(deps.sql, runIds)}::text[]) and r.status = 'QUEUED' and r.suspended_attempt is not null`;
  if (rows.length === 0) return { forwarded: [], replayable: [] };
  const alive = await deps.redis.mget(...rows.map((r) => runnerAliveKey(deps, r.runner_id ?? "")));
  const forwarded = rows.filter((r, i) => r.runner_id !== null && alive[i] !== null);
  const replayable = rows.filter((r, i) => r.runner_id === null || alive[i] === null).map((r) => r.id);
  const channel = `${deps.config.GANTRY_REDIS_PREFIX}:${RESUME_CHANNEL}`;
  await Promise.all(forwarded.map((r) => deps.redis.publish(channel, JSON.stringify({ runId: r.id, runnerId: r.runner_id }))));
  return { forwarded: forwarded.map((r) => r.id), replayable };
}
