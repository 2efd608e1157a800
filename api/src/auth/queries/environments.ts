import type { Db as Sql } from "../../db/sql.js";
import type { AuthEnvironment } from "../../context.js";

type Row = {
  id: string;
  slug: AuthEnvironment["slug"];
  type: AuthEnvironment["type"];
  project_id: string;
  project_ref: string;
  organization_id: string;
  branch_name: string | null;
  user_id: string | null;
  archived_at: Date | null;
};

const toAuthEnvironment = (r: Row): AuthEnvironment => ({
  id: r.id,
  slug: r.slug,
  type: r.type,
  projectId: r.project_id,
  projectRef: r.project_ref,
  organizationId: r.organization_id,
  branchName: r.branch_name,
  userId: r.user_id,
  archivedAt: r.archived_at,
});

export async function selectEnvironmentById(sql: Sql, id: string): Promise<AuthEnvironment | undefined> {
  const [row] = await sql<Row[]>`
    select e.id, e.slug, e.type, e.project_id, p.ref as project_ref, p.organization_id, e.branch_name, e.user_id, e.archived_at
    from environments e join projects p on p.id = e.project_id
    where e.id = ${id}`;
  return row && toAuthEnvironment(row);
}

/** The environment of an unrevoked secret key, by the key's sha256. */
export async function selectEnvironmentByKeyHash(sql: Sql, keyHash: string): Promise<AuthEnvironment | undefined> {
  const [row] = await sql<Row[]>`
    select e.id, e.slug, e.type, e.project_id, p.ref as project_ref, p.organization_id, e.branch_name, e.user_id, e.archived_at
    from api_keys k
    join environments e on e.id = k.environment_id
    join projects p on p.id = e.project_id
    where k.key_hash = ${keyHash} and k.revoked_at is null`;
  return row && toAuthEnvironment(row);
}

export async function selectBranchEnvironment(
  sql: Sql,
  parentId: string,
  branchName: string,
): Promise<AuthEnvironment | undefined> {
  const [row] = await sql<Row[]>`
    select e.id, e.slug, e.type, e.project_id, p.ref as project_ref, p.organization_id, e.branch_name, e.user_id, e.archived_at
    from environments e join projects p on p.id = e.project_id
    where e.parent_environment_id = ${parentId} and e.branch_name = ${branchName}`;
  return row && toAuthEnvironment(row);
}

/**
 * Encrypted unrevoked secret keys of an environment (JWTs the client signs are verified with them). A preview
 * branch has no keys of its own: its parent preview environment's key signs for it.
 */
export async function selectEncryptedKeys(sql: Sql, environmentId: string): Promise<string[]> {
  const rows = await sql<{ key_encrypted: string }[]>`
    select k.key_encrypted from environments e
    join api_keys k on k.environment_id = coalesce(e.parent_environment_id, e.id) and k.revoked_at is null
    where e.id = ${environmentId}`;
  return rows.map((r) => r.key_encrypted);
}
