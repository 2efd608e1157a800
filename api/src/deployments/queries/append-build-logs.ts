import type { Db as Sql } from "../../db/sql.js";

/** What replaces the dropped head of a log that outgrew its bound. */
export const DROPPED_MARKER = "[… earlier lines dropped: a deployment keeps the last 1 MB of its build log]\n";

/**
 * Appends `text` to a deployment's build log, keeping at most `maxChars`: past that the oldest lines go (cut at a
 * line boundary) behind DROPPED_MARKER, since a failing deploy's last lines are the ones its reader needs. One
 * statement; its row lock makes concurrent appends queue rather than overwrite each other. Undefined when the
 * deployment does not exist.
 */
export async function appendBuildLogs(
  sql: Sql,
  id: string,
  text: string,
  maxChars: number,
): Promise<{ size: number; truncated: boolean } | undefined> {
  const keep = maxChars - DROPPED_MARKER.length;
  const [row] = await sql<{ size: number; truncated: boolean }[]>`
    with appended as (select d.id, d.build_logs || ${text}::text as logs from deployments d where d.id = ${id} for update)
    update deployments d set build_logs = case
        when length(a.logs) <= ${maxChars} then a.logs
        else ${DROPPED_MARKER}::text || regexp_replace(right(a.logs, ${keep}), '^[^\\n]*\\n', '')
      end
    from appended a where d.id = a.id
    returning length(d.build_logs)::int as size, length(a.logs) > ${maxChars} as truncated`;
  return row;
}
