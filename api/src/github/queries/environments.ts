import type { Sql } from "postgres";
import type { EnvironmentSlug } from "@gantry/sdk/contracts";

/** The project's top-level environment of `slug` and its oldest live secret key (encrypted). */
export async function selectEnvironmentKey(sql: Sql, projectId: string, slug: Exclude<EnvironmentSlug, "dev">): Promise<{ id: string; key_encrypted: string | null } | undefined> {
  const [row] = await sql<{ id: string; key_encrypted: string | null }[]>`
    select e.id,
      (select k.key_encrypted from api_keys k where k.environment_id = e.id and k.revoked_at is null order by k.created_at limit 1) as key_encrypted
    from environments e
    where e.project_id = ${projectId} and e.slug = ${slug} and e.parent_environment_id is null and e.user_id is null`;
  return row;
}

export async function selectBranchEnvironmentId(sql: Sql, projectId: string, branch: string): Promise<{ id: string; archived_at: Date | null } | undefined> {
  const [row] = await sql<{ id: string; archived_at: Date | null }[]>`
    select b.id, b.archived_at from environments p join environments b on b.parent_environment_id = p.id
    where p.project_id = ${projectId} and p.slug = 'preview' and p.parent_environment_id is null and b.branch_name = ${branch}`;
  return row;
}

/** Archives a preview branch environment; returns whether it was live. */
export async function archiveEnvironment(sql: Sql, id: string): Promise<boolean> {
  const rows = await sql`update environments set archived_at = now() where id = ${id} and archived_at is null returning id`;
  return rows.length === 1;
}

export async function selectLiveRunIds(sql: Sql, environmentId: string): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select id from runs where environment_id = ${environmentId}
      and status in ('PENDING_VERSION', 'DELAYED', 'QUEUED', 'DEQUEUED', 'EXECUTING', 'WAITING')`;
  return rows.map((r) => r.id);
}

export async function countActiveBranches(sql: Sql, projectId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from environments p join environments b on b.parent_environment_id = p.id
    where p.project_id = ${projectId} and p.slug = 'preview' and p.parent_environment_id is null and b.archived_at is null`;
  return row?.n ?? 0;
}
