import type { Db } from "../../db/sql.js";

/** What public token scopes can name about a run (its tags, batch, task), within one environment. */
export async function selectRunScope(
  db: Db,
  environmentId: string,
  runId: string,
): Promise<{ tags: string[]; batchId: string | null; taskIdentifier: string } | undefined> {
  const [row] = await db<{ tags: string[]; batch_id: string | null; task_identifier: string }[]>`
    select tags, batch_id, task_identifier from runs where id = ${runId} and environment_id = ${environmentId}`;
  return row && { tags: row.tags, batchId: row.batch_id, taskIdentifier: row.task_identifier };
}
