import type { Sql } from "postgres";
import { filterConditions, type RunFilters } from "../../runs/queries/list-runs.js";
import { runJoins } from "../../runs/queries/select-runs.js";

/** How many runs of the environment a filter selects (a bulk action's total, counted once at creation). */
export async function countFilteredRuns(sql: Sql, environmentId: string, filters: RunFilters): Promise<number> {
  const where = filterConditions(sql, [environmentId], filters).reduce((acc, cond) => sql`${acc} and ${cond}`);
  const [row] = await sql<{ count: string }[]>`select count(*)::text as count from runs r ${runJoins(sql)} where ${where}`;
  return Number(row?.count ?? 0);
}

/** The next chunk of a filter's runs, newest first, after the keyset position (the cursor of the last chunk). */
export async function selectFilteredChunk(
  sql: Sql,
  environmentId: string,
  filters: RunFilters,
  after: { createdUs: string; id: string } | undefined,
  limit: number,
): Promise<{ id: string; created_us: string }[]> {
  const conds = filterConditions(sql, [environmentId], filters);
  if (after) {
    conds.push(sql`(r.created_at, r.id) < (timestamptz 'epoch' + ${after.createdUs}::bigint * interval '1 microsecond', ${after.id}::text)`);
  }
  const where = conds.reduce((acc, cond) => sql`${acc} and ${cond}`);
  return sql<{ id: string; created_us: string }[]>`
    select r.id, (extract(epoch from r.created_at) * 1000000)::bigint::text as created_us
    from runs r ${runJoins(sql)}
    where ${where}
    order by r.created_at desc, r.id desc
    limit ${limit}`;
}
