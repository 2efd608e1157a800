import type { Sql } from "postgres";

export async function selectEnvironmentConcurrency(
  sql: Sql,
  environmentId: string,
): Promise<{ concurrency_limit: number; concurrency_burst_factor: number } | undefined> {
  const [row] = await sql<{ concurrency_limit: number; concurrency_burst_factor: number }[]>`
    select concurrency_limit, concurrency_burst_factor from environments where id = ${environmentId}`;
  return row;
}

/** Changes the given values only (undefined keeps the current one). */
export async function updateEnvironmentConcurrency(sql: Sql, environmentId: string, limit?: number, burstFactor?: number): Promise<void> {
  await sql`
    update environments set
      concurrency_limit = coalesce(${limit ?? null}::int, concurrency_limit),
      concurrency_burst_factor = coalesce(${burstFactor ?? null}::real, concurrency_burst_factor)
    where id = ${environmentId}`;
}
