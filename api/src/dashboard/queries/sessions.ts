import type { Db as Sql } from "../../db/sql.js";

export interface SessionRow {
  id: string;
  user_id: string;
  csrf_token: string;
  expires_at: Date;
  last_seen_at: Date;
  email: string;
  name: string | null;
  is_admin: boolean;
}

export async function insertSession(
  sql: Sql,
  s: { id: string; tokenHash: string; userId: string; csrfToken: string; userAgent: string | null; expiresAt: Date; now: Date },
): Promise<void> {
  await sql`
    insert into dashboard_sessions (id, token_hash, user_id, csrf_token, user_agent, created_at, last_seen_at, expires_at)
    values (${s.id}, ${s.tokenHash}, ${s.userId}, ${s.csrfToken}, ${s.userAgent}, ${s.now}, ${s.now}, ${s.expiresAt})`;
}

/** A live (unexpired) session with its user. */
export async function selectLiveSession(sql: Sql, tokenHash: string, now: Date): Promise<SessionRow | undefined> {
  const [row] = await sql<SessionRow[]>`
    select s.id, s.user_id, s.csrf_token, s.expires_at, s.last_seen_at, u.email, u.name, u.is_admin
    from dashboard_sessions s join users u on u.id = s.user_id
    where s.token_hash = ${tokenHash} and s.expires_at > ${now}`;
  return row;
}

/** Sliding expiry: pushes expires_at out (called at most once a minute per session). */
export async function touchSession(sql: Sql, id: string, now: Date, expiresAt: Date): Promise<void> {
  await sql`update dashboard_sessions set last_seen_at = ${now}, expires_at = ${expiresAt} where id = ${id}`;
}

export async function deleteSessionByHash(sql: Sql, tokenHash: string): Promise<void> {
  await sql`delete from dashboard_sessions where token_hash = ${tokenHash}`;
}

export async function deleteExpiredSessions(sql: Sql, now: Date): Promise<void> {
  await sql`delete from dashboard_sessions where expires_at <= ${now}`;
}
