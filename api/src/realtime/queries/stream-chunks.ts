import type { RunStatus } from "@gantry/sdk/contracts";
import type { Db } from "../../db/sql.js";

export const CHUNKS_PAGE = 500;

/**
 * Appends chunks to a run's stream. With `startSeq` the chunks take seqs startSeq, startSeq+1, … and a retried
 * append (same seqs) is a no-op; without it they go after the last chunk. Returns the next free seq.
 */
export async function insertStreamChunks(db: Db, runId: string, key: string, chunks: string[], startSeq?: number): Promise<number> {
  if (startSeq !== undefined) {
    await db`
      insert into realtime_stream_chunks (run_id, stream_key, seq, data)
      select ${runId}, ${key}, ${startSeq} + c.ord - 1, c.data
      from unnest(${chunks}::text[]) with ordinality as c(data, ord)
      on conflict (run_id, stream_key, seq) do nothing`;
    return startSeq + chunks.length;
  }
  // the primary key turns a concurrent append's race into an error: the caller retries
  const [row] = await db<{ next: number }[]>`
    with base as (
      select coalesce(max(seq) + 1, 0) as n from realtime_stream_chunks where run_id = ${runId} and stream_key = ${key}
    ), inserted as (
      insert into realtime_stream_chunks (run_id, stream_key, seq, data)
      select ${runId}, ${key}, base.n + c.ord - 1, c.data
      from base, unnest(${chunks}::text[]) with ordinality as c(data, ord)
      returning seq
    )
    select (max(seq) + 1)::int as next from inserted`;
  return row ? Number(row.next) : 0;
}

export interface StreamChunk {
  seq: number;
  data: string;
  /** when it was stored, in ms since the epoch */
  at: number;
}

/** Chunks after `afterSeq` (-1: from the start), in order, at most CHUNKS_PAGE. */
export async function selectStreamChunks(db: Db, runId: string, key: string, afterSeq: number): Promise<StreamChunk[]> {
  const rows = await db<Array<{ seq: number; data: string; at: string }>>`
    select seq, data, (extract(epoch from created_at) * 1000)::bigint::text as at from realtime_stream_chunks
    where run_id = ${runId} and stream_key = ${key} and seq > ${afterSeq}
    order by seq limit ${CHUNKS_PAGE}`;
  return rows.map((r) => ({ seq: r.seq, data: r.data, at: Number(r.at) }));
}

/** The last chunk's seq of a stream, -1 when it has none. */
export async function selectLastStreamSeq(db: Db, runId: string, key: string): Promise<number> {
  const [row] = await db<{ last: number | null }[]>`
    select max(seq) as last from realtime_stream_chunks where run_id = ${runId} and stream_key = ${key}`;
  return row?.last ?? -1;
}

/**
 * Adds `key` to the run's `realtime_streams` unless it is there. Returns whether the run row changed (its
 * subscribers then need a wake-up).
 */
export async function registerRunStream(db: Db, runId: string, key: string): Promise<boolean> {
  const rows = await db`
    update runs set realtime_streams = array_append(realtime_streams, ${key}::text)
    where id = ${runId} and not (${key}::text = any(realtime_streams))
    returning id`;
  return rows.length > 0;
}

export interface StreamRunRow {
  id: string;
  environment_id: string;
  parent_run_id: string | null;
  root_run_id: string | null;
  status: RunStatus;
}

export async function selectStreamRun(db: Db, runId: string): Promise<StreamRunRow | undefined> {
  const [row] = await db<StreamRunRow[]>`select id, environment_id, parent_run_id, root_run_id, status from runs where id = ${runId}`;
  return row;
}
