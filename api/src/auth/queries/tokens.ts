import type { Db as Sql } from "../../db/sql.js";

export async function selectUserIdByPatHash(sql: Sql, tokenHash: string): Promise<string | undefined> {
  const [row] = await sql<{ user_id: string }[]>`
    select user_id from personal_access_tokens where token_hash = ${tokenHash} and revoked_at is null`;
  return row?.user_id;
}

export async function selectRunnerTokenIdByHash(sql: Sql, tokenHash: string): Promise<string | undefined> {
  const [row] = await sql<{ id: string }[]>`
    select id from runner_tokens where token_hash = ${tokenHash} and revoked_at is null`;
  return row?.id;
}
