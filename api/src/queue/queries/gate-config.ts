import type { Sql } from "postgres";
import { col } from "../../batching/arrays.js";

export interface GateEnvironmentConfig {
  id: string;
  concurrency_limit: number;
  concurrency_burst_factor: number;
  queues: Array<{
    name: string;
    concurrency_limit: number | null;
    total_concurrency_limit: number | null;
    rate_limit: QueueRateLimits | null;
    paused: boolean;
  }>;
}

export interface RateLimitRecord {
  limit: number;
  periodMs: number;
}

/** `queues.rate_limit`: per queue (all keys together) and per concurrency key. */
export interface QueueRateLimits {
  queue?: RateLimitRecord;
  key?: RateLimitRecord;
}

/** The limits the gate enforces, per environment, as Postgres records them (Redis holds a copy that expires). */
export async function selectGateConfig(sql: Sql, environmentIds: string[]): Promise<GateEnvironmentConfig[]> {
  if (environmentIds.length === 0) return [];
  return sql<GateEnvironmentConfig[]>`
    select e.id, e.concurrency_limit, e.concurrency_burst_factor,
      coalesce((
        select json_agg(json_build_object('name', q.name, 'concurrency_limit', coalesce(q.concurrency_limit_override, q.concurrency_limit),
          'total_concurrency_limit', q.total_concurrency_limit, 'rate_limit', q.rate_limit, 'paused', q.paused))
        from queues q where q.environment_id = e.id
      ), '[]'::json) as queues
    from environments e where e.id = any(${col(sql, environmentIds)}::text[])`;
}
