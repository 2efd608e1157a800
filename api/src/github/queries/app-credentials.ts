import type { Sql } from "postgres";

export interface AppCredentialsRow {
  app_id: number;
  slug: string | null;
  html_url: string | null;
  private_key_encrypted: string;
  webhook_secret_encrypted: string;
}

export async function upsertAppCredentials(sql: Sql, row: AppCredentialsRow): Promise<void> {
  await sql`
    insert into github_app_credentials (id, app_id, slug, html_url, private_key_encrypted, webhook_secret_encrypted)
    values (true, ${row.app_id}, ${row.slug}, ${row.html_url}, ${row.private_key_encrypted}, ${row.webhook_secret_encrypted})
    on conflict (id) do update set app_id = excluded.app_id, slug = excluded.slug, html_url = excluded.html_url,
      private_key_encrypted = excluded.private_key_encrypted, webhook_secret_encrypted = excluded.webhook_secret_encrypted,
      created_at = now()`;
}

export async function selectAppCredentials(sql: Sql): Promise<AppCredentialsRow | undefined> {
  const [row] = await sql<AppCredentialsRow[]>`
    select app_id::int as app_id, slug, html_url, private_key_encrypted, webhook_secret_encrypted from github_app_credentials`;
  return row;
}
