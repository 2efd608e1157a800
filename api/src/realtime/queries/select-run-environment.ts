import type { Db } from "../../db/sql.js";

/** The environment a run belongs to, or undefined if there is no such run. */
export async function selectRunEnvironment(db: Db, runId: string): Promise<string | undefined> {
  const rows = await db<{ environment_id: string }[]>`select environment_id from runs where id = ${runId}`;
  return rows[0]?.environment_id;
}
