import type { DeploymentStatus, EnvironmentSlug, EnvironmentType } from "@gantry/sdk/contracts";
import type { Db as Sql } from "../../db/sql.js";

export interface DeploymentRow {
  id: string;
  short_code: string;
  environment_id: string;
  project_id: string;
  project_ref: string;
  version: string;
  status: DeploymentStatus;
  artifact_hash: string | null;
  content_hash: string | null;
  sdk_version: string | null;
  git: Record<string, unknown> | null;
  error: { message: string; stack?: string; file?: string; line?: number } | null;
  created_at: Date;
  deployed_at: Date | null;
  env_slug: EnvironmentSlug;
  env_type: EnvironmentType;
  env_branch_name: string | null;
  env_parent_id: string | null;
  is_current: boolean;
  tasks: { id: string; filePath: string }[];
}

const columns = (sql: Sql) => sql`
  d.id, d.short_code, d.environment_id, d.project_id, p.ref as project_ref, d.version, d.status, d.artifact_hash,
  d.content_hash, d.sdk_version, d.git, d.error, d.created_at, d.deployed_at,
  e.slug as env_slug, e.type as env_type, e.branch_name as env_branch_name, e.parent_environment_id as env_parent_id,
  (e.current_deployment_id is not distinct from d.id) as is_current,
  coalesce((select json_agg(json_build_object('id', t.slug, 'filePath', t.file_path) order by t.slug)
    from tasks t where t.deployment_id = d.id), '[]'::json) as tasks`;

export async function selectDeploymentById(sql: Sql, id: string): Promise<DeploymentRow | undefined> {
  const [row] = await sql<DeploymentRow[]>`
    select ${columns(sql)}
    from deployments d join environments e on e.id = d.environment_id join projects p on p.id = d.project_id
    where d.id = ${id}`;
  return row;
}

export async function selectDeploymentByVersion(sql: Sql, environmentId: string, version: string): Promise<DeploymentRow | undefined> {
  const [row] = await sql<DeploymentRow[]>`
    select ${columns(sql)}
    from deployments d join environments e on e.id = d.environment_id join projects p on p.id = d.project_id
    where d.environment_id = ${environmentId} and d.version = ${version}`;
  return row;
}

/** Newest first. */
export async function selectDeployments(sql: Sql, environmentIds: string[], limit: number): Promise<DeploymentRow[]> {
  return sql<DeploymentRow[]>`
    select ${columns(sql)}
    from deployments d join environments e on e.id = d.environment_id join projects p on p.id = d.project_id
    where d.environment_id = any(${environmentIds})
    order by d.created_at desc, d.id desc
    limit ${limit}`;
}
