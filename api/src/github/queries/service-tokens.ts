import type { Sql } from "postgres";

export async function insertServiceToken(sql: Sql, row: { id: string; name: string; tokenHash: string }): Promise<void> {
  await sql`insert into github_service_tokens (id, name, token_hash) values (${row.id}, ${row.name}, ${row.tokenHash})
    on conflict (token_hash) do nothing`;
}

export async function selectServiceTokenIdByHash(sql: Sql, tokenHash: string): Promise<string | undefined> {
  const [row] = await sql<{ id: string }[]>`
    select id from github_service_tokens where token_hash = ${tokenHash} and revoked_at is null`;
  return row?.id;
}
