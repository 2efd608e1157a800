import type { Sql } from "postgres";

export interface ConnectionRow {
  id: string;
  project_id: string;
  project_ref: string;
  repository_id: number;
  repository: string;
  installation_id: number;
  default_branch: string | null;
  production_branch: string | null;
  staging_branch: string | null;
  previews: boolean;
  max_active_previews: number | null;
  config_path: string | null;
  root_dir: string | null;
  install_command: string | null;
  pre_build_command: string | null;
  created_at: Date;
  /** repository still granted by a live installation */
  usable: boolean;
}

const SELECT = (sql: Sql) => sql`
  select c.id, c.project_id, p.ref as project_ref, r.id::int as repository_id, r.full_name as repository,
    r.installation_id::int as installation_id, r.default_branch, c.production_branch, c.staging_branch, c.previews, c.max_active_previews,
    c.config_path, c.root_dir, c.install_command, c.pre_build_command, c.created_at,
    (r.removed_at is null and i.deleted_at is null and i.suspended_at is null) as usable
  from github_connections c
  join projects p on p.id = c.project_id
  join github_repositories r on r.id = c.repository_id
  join github_installations i on i.id = r.installation_id`;

export interface ConnectionSettings {
  productionBranch: string | null;
  stagingBranch: string | null;
  previews: boolean;
  maxActivePreviews: number | null;
  configPath: string | null;
  rootDir: string | null;
  installCommand: string | null;
  preBuildCommand: string | null;
}

/** One connection per project and per repository: connecting again replaces the project's settings. */
export async function upsertConnection(
  sql: Sql,
  row: { id: string; projectId: string; repositoryId: number; userId: string } & ConnectionSettings,
): Promise<void> {
  await sql`
    insert into github_connections (id, project_id, repository_id, production_branch, staging_branch, previews,
      max_active_previews, config_path, root_dir, install_command, pre_build_command, created_by_user_id)
    values (${row.id}, ${row.projectId}, ${row.repositoryId}, ${row.productionBranch}, ${row.stagingBranch}, ${row.previews},
      ${row.maxActivePreviews}, ${row.configPath}, ${row.rootDir}, ${row.installCommand}, ${row.preBuildCommand}, ${row.userId})
    on conflict (project_id) do update set repository_id = excluded.repository_id,
      production_branch = excluded.production_branch, staging_branch = excluded.staging_branch,
      previews = excluded.previews, max_active_previews = excluded.max_active_previews, config_path = excluded.config_path, root_dir = excluded.root_dir,
      install_command = excluded.install_command, pre_build_command = excluded.pre_build_command, updated_at = now()`;
}

export async function selectConnectionByProject(sql: Sql, projectId: string): Promise<ConnectionRow | undefined> {
  const [row] = await sql<ConnectionRow[]>`${SELECT(sql)} where c.project_id = ${projectId}`;
  return row;
}

export async function selectConnectionByRepository(sql: Sql, repositoryId: number): Promise<ConnectionRow | undefined> {
  const [row] = await sql<ConnectionRow[]>`${SELECT(sql)} where c.repository_id = ${repositoryId}`;
  return row;
}

export async function selectConnectionById(sql: Sql, id: string): Promise<ConnectionRow | undefined> {
  const [row] = await sql<ConnectionRow[]>`${SELECT(sql)} where c.id = ${id}`;
  return row;
}

export async function selectUsableConnections(sql: Sql): Promise<Array<ConnectionRow & { open_pull_requests: number[] }>> {
  return sql<Array<ConnectionRow & { open_pull_requests: number[] }>>`
    select s.*, coalesce((select array_agg(pr.number order by pr.number) from github_pull_requests pr
      where pr.connection_id = s.id and pr.state = 'open'), '{}') as open_pull_requests
    from (${SELECT(sql)}) s where s.usable`;
}
