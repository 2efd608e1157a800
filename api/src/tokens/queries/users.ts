import type { Db as Sql } from "../../db/sql.js";

export interface UserRow {
  id: string;
  email: string;
  name: string | null;
  is_admin: boolean;
}

/** Inserts the user, or returns the existing one with that email. */
export async function upsertUser(sql: Sql, user: { id: string; email: string; name?: string | null; isAdmin?: boolean }): Promise<UserRow> {
  const [row] = await sql<UserRow[]>`
    insert into users (id, email, name, is_admin)
    values (${user.id}, ${user.email}, ${user.name ?? null}, ${user.isAdmin ?? false})
    on conflict (email) do update set email = excluded.email
    returning id, email, name, is_admin`;
  return row!;
}

export async function selectUserById(sql: Sql, id: string): Promise<UserRow | undefined> {
  const [row] = await sql<UserRow[]>`select id, email, name, is_admin from users where id = ${id}`;
  return row;
}

export async function selectUserByEmail(sql: Sql, email: string): Promise<UserRow | undefined> {
  const [row] = await sql<UserRow[]>`select id, email, name, is_admin from users where email = ${email}`;
  return row;
}
