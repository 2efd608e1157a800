import type { Db } from "../../db/sql.js";

/** Locks the run's row and returns its tags (undefined: no such run in the environment). */
export async function lockRunTags(db: Db, environmentId: string, runId: string): Promise<string[] | undefined> {
  const [row] = await db<{ tags: string[] }[]>`
    select tags from runs where id = ${runId} and environment_id = ${environmentId} for no key update`;
  return row?.tags;
}

export async function updateRunTags(db: Db, runId: string, tags: readonly string[]): Promise<void> {
  await db`update runs set tags = ${db.array(tags as string[], 1009)}::text[], updated_at = now() where id = ${runId}`;
}
