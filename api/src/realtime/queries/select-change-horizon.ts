import type { Db } from "../../db/sql.js";

/** The highest change stamp handed out so far (the sequence's value; no snapshot involved). */
export async function selectLastStamp(db: Db): Promise<bigint> {
  const [row] = await db<{ last: string }[]>`
    select (case when is_called then last_value else last_value - 1 end)::text as last from runs_change_seq`;
  return BigInt(row!.last);
}

/**
 * The transactions (virtual ids: every transaction has one from its start) now holding a write lock on this
 * database's `runs`: an INSERT or UPDATE takes it before it stamps a row and keeps it until it commits or
 * rolls back. Fast-path locks included (pg_locks lists them).
 */
export async function selectRunsWriters(db: Db): Promise<string[]> {
  const rows = await db<{ vxid: string }[]>`
    select distinct l.virtualtransaction as vxid from pg_locks l
    where l.locktype = 'relation' and l.relation = 'runs'::regclass
      and l.database = (select oid from pg_database where datname = current_database())
      and l.mode in ('RowExclusiveLock', 'ShareRowExclusiveLock', 'ExclusiveLock', 'AccessExclusiveLock')
      and l.granted`;
  return rows.map((r) => r.vxid);
}
