import type { Db as Sql } from "../../db/sql.js";

/** The streams a run wrote, with their chunk counts (realtime_stream_chunks' primary key starts with run_id). */
export async function selectRunStreams(sql: Sql, runId: string): Promise<Array<{ key: string; chunks: number; last_at: Date }>> {
  return sql`
    select stream_key as key, count(*)::int as chunks, max(created_at) as last_at
    from realtime_stream_chunks where run_id = ${runId}
    group by stream_key order by min(created_at), stream_key`;
}
