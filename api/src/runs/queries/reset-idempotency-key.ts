import type { Db } from "../../db/sql.js";

/**
 * Clears an idempotency key from the runs of one task in one environment, expired holders included (the
 * trigger only releases those lazily). Returns how many runs held it: one at most, by `runs_idempotency`.
 */
export async function clearRunIdempotencyKey(sql: Db, environmentId: string, taskIdentifier: string, key: string): Promise<number> {
  const rows = await sql`
    update runs set idempotency_key = null, idempotency_key_expires_at = null, updated_at = now()
    where environment_id = ${environmentId} and task_identifier = ${taskIdentifier} and idempotency_key = ${key}
    returning id`;
  return rows.length;
}
