import type { Db } from "../../db/sql.js";
import { col } from "../../batching/arrays.js";

export interface RunFamilyRow {
  id: string;
  parent_run_id: string | null;
  root_run_id: string | null;
}

/** The runs' parent and root (no lock): whom `metadata.parent` / `metadata.root` of each one reach. */
export async function selectRunFamilies(db: Db, environmentId: string, runIds: readonly string[]): Promise<RunFamilyRow[]> {
  return db<RunFamilyRow[]>`
    select id, parent_run_id, root_run_id from runs
    where id = any(${col(db, runIds)}::text[]) and environment_id = ${environmentId}`;
}

/**
 * Locks the runs' rows in id order (two concurrent updates of a parent and its child lock alike, so they cannot
 * deadlock) and returns their metadata. `for no key update`: a child's insert (its foreign key takes a key share
 * lock on the parent) does not wait for it.
 */
export async function lockRunsMetadata(db: Db, environmentId: string, runIds: readonly string[]): Promise<Array<{ id: string; metadata: unknown }>> {
  return db<Array<{ id: string; metadata: unknown }>>`
    select id, metadata from runs
    where id = any(${col(db, runIds)}::text[]) and environment_id = ${environmentId}
    order by id
    for no key update`;
}

/** Writes each run's new metadata in one statement. */
export async function updateRunsMetadata(db: Db, rows: ReadonlyArray<{ id: string; metadata: Record<string, unknown> }>): Promise<void> {
  if (rows.length === 0) return;
  const ids = col(db, rows.map((r) => r.id));
  await db`
    update runs r set metadata = v.metadata::jsonb, updated_at = now()
    from unnest(${ids}::text[], ${col(db, rows.map((r) => JSON.stringify(r.metadata)))}::text[]) as v(id, metadata)
    where r.id = v.id and r.id = any(${ids}::text[])`;
}

/** A run's metadata (undefined: no such run in the environment). */
export async function selectRunMetadata(db: Db, environmentId: string, runId: string): Promise<{ metadata: unknown } | undefined> {
  const [row] = await db<{ metadata: unknown }[]>`select metadata from runs where id = ${runId} and environment_id = ${environmentId}`;
  return row;
}
