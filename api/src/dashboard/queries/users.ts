import type { Db as Sql } from "../../db/sql.js";

export interface SignInUserRow {
  id: string;
  email: string;
  name: string | null;
  password_hash: string | null;
}

export async function selectUserForSignIn(sql: Sql, email: string): Promise<SignInUserRow | undefined> {
  const [row] = await sql<SignInUserRow[]>`
    select id, email, name, password_hash from users where email = ${email.trim().toLowerCase()}`;
  return row;
}

export async function updatePasswordHash(sql: Sql, userId: string, passwordHash: string): Promise<void> {
  await sql`update users set password_hash = ${passwordHash} where id = ${userId}`;
}

export async function selectPasswordHash(sql: Sql, userId: string): Promise<string | null> {
  const [row] = await sql<{ password_hash: string | null }[]>`select password_hash from users where id = ${userId}`;
  return row?.password_hash ?? null;
}
