import type { Sql } from "postgres";
import type { GitHubRepoRef } from "@gantry/sdk/contracts";

export async function upsertInstallation(
  sql: Sql,
  row: { id: number; accountLogin: string; accountId: number; suspended: boolean },
): Promise<void> {
  await sql`
    insert into github_installations (id, account_login, account_id, suspended_at)
    values (${row.id}, ${row.accountLogin}, ${row.accountId}, ${row.suspended ? sql`now()` : null})
    on conflict (id) do update set account_login = excluded.account_login, account_id = excluded.account_id,
      suspended_at = excluded.suspended_at, deleted_at = null, updated_at = now()`;
}

export async function markInstallationDeleted(sql: Sql, id: number): Promise<void> {
  await sql`update github_installations set deleted_at = now(), updated_at = now() where id = ${id}`;
  await sql`update github_repositories set removed_at = now(), updated_at = now() where installation_id = ${id}`;
}

export async function upsertRepositories(sql: Sql, installationId: number, repos: GitHubRepoRef[]): Promise<void> {
  for (const r of repos) {
    await sql`
      insert into github_repositories (id, installation_id, full_name, private, default_branch)
      values (${r.id}, ${installationId}, ${r.fullName}, ${r.private ?? false}, ${r.defaultBranch ?? null})
      on conflict (id) do update set installation_id = excluded.installation_id, full_name = excluded.full_name,
        private = excluded.private, default_branch = coalesce(excluded.default_branch, github_repositories.default_branch),
        removed_at = null, updated_at = now()`;
  }
}

/** Marks every repository of the installation not in `keepIds` removed. */
export async function removeRepositories(sql: Sql, installationId: number, ids: number[], mode: "these" | "all-but-these"): Promise<void> {
  if (mode === "these") {
    if (ids.length === 0) return;
    await sql`update github_repositories set removed_at = now(), updated_at = now()
      where installation_id = ${installationId} and id = any(${ids}::bigint[])`;
  } else {
    await sql`update github_repositories set removed_at = now(), updated_at = now()
      where installation_id = ${installationId} and not (id = any(${ids}::bigint[])) and removed_at is null`;
  }
}

export interface RepositoryRow {
  id: number;
  installation_id: number;
  full_name: string;
  default_branch: string | null;
  removed_at: Date | null;
  installation_usable: boolean;
}

export async function selectRepositoryByName(sql: Sql, fullName: string): Promise<RepositoryRow | undefined> {
  const [row] = await sql<RepositoryRow[]>`
    select r.id::int as id, r.installation_id::int as installation_id, r.full_name, r.default_branch, r.removed_at,
      (i.deleted_at is null and i.suspended_at is null) as installation_usable
    from github_repositories r join github_installations i on i.id = r.installation_id
    where lower(r.full_name) = lower(${fullName})
    order by r.removed_at nulls first, r.updated_at desc limit 1`;
  return row;
}
