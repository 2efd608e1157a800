import type { Db as Sql } from "../../db/sql.js";

export interface LinkedUserRow {
  id: string;
  email: string;
  name: string | null;
}

export async function selectUserByGithubId(sql: Sql, githubId: number): Promise<LinkedUserRow | undefined> {
  const [row] = await sql<LinkedUserRow[]>`select id, email, name from users where github_id = ${githubId}`;
  return row;
}

/** Links a GitHub account to a user (first sign-in with GitHub of an existing email). */
export async function linkGithubAccount(sql: Sql, userId: string, githubId: number, login: string): Promise<void> {
  await sql`update users set github_id = ${githubId}, github_login = ${login} where id = ${userId}`;
}
