import type { Db } from "../../db/sql.js";
import { col } from "../../batching/arrays.js";

/**
 * Of these runs, the ones QUEUED to resume whose suspended attempt was started by `runnerId` (a `gantry dev`
 * session): run id → that attempt's number, for the start to resume it in place. One read by primary keys.
 */
export async function selectSuspendedHeldBy(sql: Db, runIds: string[], runnerId: string): Promise<Map<string, number>> {
  if (runIds.length === 0) return new Map();
  const rows = await sql<{ id: string; suspended_attempt: number }[]>`
    select r.id, r.suspended_attempt from runs r
    join attempts a on a.run_id = r.id and a.number = r.suspended_attempt
    where r.id = any(${col(sql, runIds)}::text[]) and r.status = 'QUEUED' and a.runner_id = ${runnerId}`;
  return new Map(rows.map((r) => [r.id, r.suspended_attempt]));
}
