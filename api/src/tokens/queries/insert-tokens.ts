import type { Db as Sql } from "../../db/sql.js";

/** Inserts a personal access token by hash; a token whose hash exists already is left as it is. */
export async function insertPersonalAccessToken(
  sql: Sql,
  t: { id: string; userId: string; name: string; tokenHash: string; tokenHint: string },
): Promise<void> {
  await sql`
    insert into personal_access_tokens (id, user_id, name, token_hash, token_hint)
    values (${t.id}, ${t.userId}, ${t.name}, ${t.tokenHash}, ${t.tokenHint})
    on conflict (token_hash) do nothing`;
}

export async function insertRunnerToken(sql: Sql, t: { id: string; name: string; tokenHash: string }): Promise<void> {
  await sql`
    insert into runner_tokens (id, name, token_hash) values (${t.id}, ${t.name}, ${t.tokenHash})
    on conflict (token_hash) do nothing`;
}
