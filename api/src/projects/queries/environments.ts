import type { Db as Sql } from "../../db/sql.js";
import type { EnvironmentSlug, EnvironmentType } from "@gantry/sdk/contracts";

export interface EnvironmentRow {
  id: string;
  slug: EnvironmentSlug;
  type: EnvironmentType;
  branch_name: string | null;
  parent_environment_id: string | null;
  user_id: string | null;
  archived_at: Date | null;
  /** encrypted key of the environment (its parent's for a preview branch) */
  key_encrypted: string | null;
  current_version: string | null;
}

/** Inserts an environment; false if an equivalent one exists (same slug, same member's dev, same branch). */
export async function insertEnvironment(
  sql: Sql,
  e: { id: string; projectId: string; type: EnvironmentType; slug: EnvironmentSlug; parentId?: string | null; branchName?: string | null; userId?: string | null; git?: unknown },
): Promise<boolean> {
  const rows = await sql`
    insert into environments (id, project_id, type, slug, parent_environment_id, branch_name, user_id, git)
    values (${e.id}, ${e.projectId}, ${e.type}, ${e.slug}, ${e.parentId ?? null}, ${e.branchName ?? null},
      ${e.userId ?? null}, ${e.git === undefined ? null : sql.json(e.git as never)})
    on conflict do nothing returning id`;
  return rows.length === 1;
}

export async function insertApiKey(
  sql: Sql,
  k: { id: string; environmentId: string; keyHash: string; keyEncrypted: string; keyHint: string },
): Promise<void> {
  await sql`
    insert into api_keys (id, environment_id, key_hash, key_encrypted, key_hint)
    values (${k.id}, ${k.environmentId}, ${k.keyHash}, ${k.keyEncrypted}, ${k.keyHint})
    on conflict (key_hash) do nothing`;
}

/**
 * The environments of a project a member sees: staging, prod, preview (and its branches), and their own dev
 * environment (not other members'), with keys and current versions.
 */
export async function selectProjectEnvironments(sql: Sql, projectId: string, userId: string | null): Promise<EnvironmentRow[]> {
  return sql<EnvironmentRow[]>`
    select e.id, e.slug, e.type, e.branch_name, e.parent_environment_id, e.user_id, e.archived_at,
      (select k.key_encrypted from api_keys k
        where k.environment_id = coalesce(e.parent_environment_id, e.id) and k.revoked_at is null
        order by k.created_at limit 1) as key_encrypted,
      d.version as current_version
    from environments e
    left join deployments d on d.id = e.current_deployment_id
    where e.project_id = ${projectId} and (e.user_id is null or e.user_id = ${userId})
    order by array_position(array['dev','staging','prod','preview'], e.slug), e.parent_environment_id nulls first, e.branch_name`;
}

/** A top-level environment by slug (for dev: the given member's). */
export async function selectEnvironmentBySlug(
  sql: Sql,
  projectId: string,
  slug: EnvironmentSlug,
  userId: string | null,
): Promise<{ id: string } | undefined> {
  const [row] =
    slug === "dev"
      ? await sql<{ id: string }[]>`select id from environments where project_id = ${projectId} and slug = 'dev' and user_id = ${userId}`
      : await sql<{ id: string }[]>`
          select id from environments where project_id = ${projectId} and slug = ${slug}
            and parent_environment_id is null and user_id is null`;
  return row;
}

export async function selectBranch(
  sql: Sql,
  parentId: string,
  branchName: string,
): Promise<{ id: string; archived_at: Date | null } | undefined> {
  const [row] = await sql<{ id: string; archived_at: Date | null }[]>`
    select id, archived_at from environments where parent_environment_id = ${parentId} and branch_name = ${branchName}`;
  return row;
}

export async function unarchiveEnvironment(sql: Sql, id: string): Promise<void> {
  await sql`update environments set archived_at = null where id = ${id} and archived_at is not null`;
}
