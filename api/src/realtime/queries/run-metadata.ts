import type { Db } from "../../db/sql.js";

/** Locks the run's row and returns its metadata (undefined: no such run in the environment). */
export async function selectRunMetadataForUpdate(db: Db, environmentId: string, runId: string): Promise<{ metadata: unknown } | undefined> {
  const [row] = await db<{ metadata: unknown }[]>`
    select metadata from runs where id = ${runId} and environment_id = ${environmentId} for update`;
  return row;
}

export async function updateRunMetadata(db: Db, runId: string, metadata: Record<string, unknown>): Promise<void> {
  await db`update runs set metadata = ${db.json(metadata as never)}, updated_at = now() where id = ${runId}`;
}
