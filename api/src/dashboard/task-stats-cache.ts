import type { ApiDeps } from "../context.js";
import { selectTaskStats, type TaskStatRow } from "./queries/tasks.js";

/**
 * The tasks page's per-task counts and durations over the last `windowMs`, kept per environment for a few
 * seconds. The page polls every 5 s, and at a million runs one computation reads a few hundred thousand rows
 * (hundreds of ms), so:
 * - an answer younger than FRESH_MS is served as is;
 * - an older one (up to STALE_MS) is served at once while one refresh runs in the background, so a polling page
 *   never waits, and its figures are at most FRESH_MS plus one poll interval old;
 * - past STALE_MS (nobody looked for a while), or the first time, the call waits for the computation;
 * - concurrent callers of one environment share one computation.
 * Per api instance (the cache is in memory): N instances compute at most N times per FRESH_MS.
 */
export const TASK_STATS_FRESH_MS = 15_000;
export const TASK_STATS_STALE_MS = 60_000;

export interface TaskStats {
  rows: TaskStatRow[];
  /** when the figures were read */
  asOf: Date;
}

interface Entry {
  value?: TaskStats;
  pending?: Promise<TaskStats>;
}

// one cache per pool, so test apps sharing a process (each with its own database) never share entries
const caches = new WeakMap<object, Map<string, Entry>>();

export async function cachedTaskStats(deps: Pick<ApiDeps, "sql" | "clock">, environmentId: string, windowMs: number): Promise<TaskStats> {
  let cache = caches.get(deps.sql);
  if (!cache) caches.set(deps.sql, (cache = new Map()));
  const entry = cache.get(environmentId) ?? {};
  cache.set(environmentId, entry);
  const now = deps.clock().getTime();
  const age = entry.value ? now - entry.value.asOf.getTime() : Infinity;
  if (age < TASK_STATS_FRESH_MS) return entry.value!;
  const refresh = (entry.pending ??= compute(deps, environmentId, windowMs, entry));
  if (age < TASK_STATS_STALE_MS) {
    // served stale on purpose: a failed background refresh is retried by the next call
    refresh.catch(() => {});
    return entry.value!;
  }
  return refresh;
}

async function compute(deps: Pick<ApiDeps, "sql" | "clock">, environmentId: string, windowMs: number, entry: Entry): Promise<TaskStats> {
  try {
    const asOf = deps.clock();
    const rows = await selectTaskStats(deps.sql, environmentId, new Date(asOf.getTime() - windowMs));
    entry.value = { rows, asOf };
    return entry.value;
  } finally {
    entry.pending = undefined;
  }
}
