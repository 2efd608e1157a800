import type { Sql } from "postgres";
import { col } from "../../batching/arrays.js";

export interface StoredPacket {
  content: Buffer;
  content_type: string;
}

/** Stores (or replaces: the client may retry an upload) a packet under its environment and path. */
export async function upsertPacket(sql: Sql, p: { environmentId: string; path: string; content: Buffer; contentType: string }): Promise<void> {
  await sql`
    insert into packets (environment_id, path, content, content_type, size)
    values (${p.environmentId}, ${p.path}, ${p.content}, ${p.contentType}, ${p.content.length})
    on conflict (environment_id, path) do update
      set content = excluded.content, content_type = excluded.content_type, size = excluded.size, created_at = now()`;
}

export async function selectPacket(sql: Sql, environmentId: string, path: string): Promise<StoredPacket | undefined> {
  const [row] = await sql<StoredPacket[]>`
    select content, content_type from packets where environment_id = ${environmentId} and path = ${path}`;
  return row;
}

/** The size of a stored packet, or undefined when there is none (a trigger's check before it inserts). */
export async function selectPacketSize(sql: Sql, environmentId: string, path: string): Promise<number | undefined> {
  const [row] = await sql<{ size: number }[]>`select size from packets where environment_id = ${environmentId} and path = ${path}`;
  return row?.size;
}

/** Several packets in one statement (the start path resolving offloaded payloads), keyed `envId\0path`. */
export async function selectPackets(sql: Sql, keys: { environmentId: string; path: string }[]): Promise<Map<string, StoredPacket>> {
  if (keys.length === 0) return new Map();
  const rows = await sql<(StoredPacket & { environment_id: string; path: string })[]>`
    select p.environment_id, p.path, p.content, p.content_type
    from unnest(${col(sql, keys.map((k) => k.environmentId))}::text[], ${col(sql, keys.map((k) => k.path))}::text[]) as k(environment_id, path)
    join packets p on p.environment_id = k.environment_id and p.path = k.path`;
  return new Map(rows.map((r) => [`${r.environment_id}\0${r.path}`, r]));
}

/** A run's payload or output as stored, with its environment (to resolve an offloaded packet). */
export async function selectRunField(
  sql: Sql,
  runId: string,
  field: "payload" | "output",
): Promise<{ environment_id: string; data: string | null; type: string | null } | undefined> {
  const [row] =
    field === "payload"
      ? await sql<{ environment_id: string; data: string | null; type: string | null }[]>`
          select environment_id, payload as data, payload_type as type from runs where id = ${runId}`
      : await sql<{ environment_id: string; data: string | null; type: string | null }[]>`
          select environment_id, output as data, output_type as type from runs where id = ${runId}`;
  return row;
}
