import type { ApiDeps } from "../context.js";

/** The tables every run writes to, on the hot path. */
const HOT_TABLES = ["runs", "attempts", "task_events"] as const;

/**
 * ANALYZEs the hot tables that have never been analyzed (a fresh install, a test or bench database). Postgres
 * plans a never-analyzed table as if it had 10 pages whatever it holds, so as `runs` and `attempts` grow in
 * their first minutes (before autovacuum gets to them) every batched statement hash-joins them by sequential
 * scan. Once analyzed, even empty, the planner sizes them from their real page count and keeps index plans
 * (PERFORMANCE.md #2). Tables analyzed before are left alone: autovacuum keeps their statistics.
 */
export async function analyzeNeverAnalyzedTables(deps: ApiDeps): Promise<string[]> {
  const rows = await deps.sql<{ relname: string }[]>`
    select c.relname from pg_class c
    where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r'
      and c.relname = any(${[...HOT_TABLES]}::text[]) and c.reltuples < 0`;
  const names = rows.map((r) => r.relname).filter((n): n is (typeof HOT_TABLES)[number] => (HOT_TABLES as readonly string[]).includes(n));
  for (const name of names) await deps.sql.unsafe(`analyze ${name}`);
  return names;
}
