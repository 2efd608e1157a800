import type { ApiDeps } from "../context.js";
import { gateBase } from "./gate-keys.js";
import { selectGateConfig, type GateEnvironmentConfig } from "./queries/gate-config.js";

/**
 * The gate reads each environment's limits from a Redis hash (`<base>:cfg:<envId>`): field "" holds
 * `base␟burst`, field `q␟<queue>` holds `limit␟total␟rateLimit␟ratePeriodMs␟keyRateLimit␟keyRatePeriodMs␟paused`
 * (empty = none). The copy expires after CONFIG_TTL_MS so deploys' new limits arrive on their own; pause,
 * resume and limit changes through the API rewrite it at once. A missing copy makes the script ask for it.
 */
export const CONFIG_TTL_MS = 10_000;
const SEP = "\x1f";

export function gateConfigFields(env: GateEnvironmentConfig): Record<string, string> {
  const fields: Record<string, string> = { "": [env.concurrency_limit, env.concurrency_burst_factor].join(SEP) };
  for (const q of env.queues) {
    const rl = q.rate_limit ?? {};
    fields[`q${SEP}${q.name}`] = [
      q.concurrency_limit ?? "",
      q.total_concurrency_limit ?? "",
      rl.queue?.limit ?? "",
      rl.queue?.periodMs ?? "",
      rl.key?.limit ?? "",
      rl.key?.periodMs ?? "",
      q.paused ? "1" : "0",
    ].join(SEP);
  }
  return fields;
}

/** Copies the environments' limits from Postgres into Redis (replacing what was there). */
export async function writeGateConfig(deps: ApiDeps, environmentIds: string[]): Promise<void> {
  const envs = await selectGateConfig(deps.sql, environmentIds);
  const multi = deps.redis.multi();
  for (const env of envs) {
    const key = `${gateBase(deps)}:cfg:${env.id}`;
    multi.del(key);
    multi.hset(key, gateConfigFields(env));
    multi.pexpire(key, CONFIG_TTL_MS);
  }
  // an environment that no longer exists admits nothing, rather than asking again on every call
  for (const id of environmentIds.filter((id) => !envs.some((e) => e.id === id))) {
    const key = `${gateBase(deps)}:cfg:${id}`;
    multi.hset(key, "", ["0", "1"].join(SEP));
    multi.pexpire(key, CONFIG_TTL_MS);
  }
  await multi.exec();
}
