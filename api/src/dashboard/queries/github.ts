import type { Db as Sql } from "../../db/sql.js";

/** Repositories a live installation grants, with the project each is connected to (if any). */
export async function selectInstalledRepositories(sql: Sql): Promise<Array<{ full_name: string; default_branch: string | null; private: boolean; connected_project_id: string | null }>> {
  return sql`
    select r.full_name, r.default_branch, r.private, c.project_id as connected_project_id
    from github_repositories r
    join github_installations i on i.id = r.installation_id
    left join github_connections c on c.repository_id = r.id
    where r.removed_at is null and i.deleted_at is null and i.suspended_at is null
    order by lower(r.full_name)
    limit 500`;
}

export interface BuildSummaryRow {
  id: string;
  environment_slug: string;
  branch_name: string | null;
  trigger: string;
  git_ref: string;
  sha: string;
  commit_message: string | null;
  pull_request_number: number | null;
  status: string;
  deployment_id: string | null;
  version: string | null;
  error: { message?: string } | null;
  awaiting_approval: boolean;
  logs_length: number;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

const BUILD_COLUMNS = (sql: Sql) => sql`
  b.id, b.environment_slug, b.branch_name, b.trigger, b.git_ref, b.sha, b.commit_message, b.pull_request_number, b.status,
  b.deployment_id, b.version, b.error, b.awaiting_approval, length(b.logs)::int as logs_length, b.created_at, b.started_at, b.finished_at`;

/** The project's latest GitHub builds (github_builds_connection_created through the project's one connection). */
export async function selectRecentBuilds(sql: Sql, projectId: string, limit: number): Promise<BuildSummaryRow[]> {
  return sql<BuildSummaryRow[]>`
    select ${BUILD_COLUMNS(sql)}
    from github_connections c join github_builds b on b.connection_id = c.id
    where c.project_id = ${projectId}
    order by b.created_at desc, b.id desc
    limit ${limit}`;
}

/** A build's log from `offset` (characters) on, with its status: what a live log view polls. */
export async function selectBuildLogTail(
  sql: Sql,
  projectId: string,
  buildId: string,
  offset: number,
): Promise<(BuildSummaryRow & { chunk: string }) | undefined> {
  const [row] = await sql<(BuildSummaryRow & { chunk: string })[]>`
    select ${BUILD_COLUMNS(sql)}, substr(b.logs, ${offset + 1}) as chunk
    from github_builds b where b.id = ${buildId} and b.project_id = ${projectId}`;
  return row;
}

/**
 * The GitHub build that produced a deployment (latest first), else nothing: CLI and Action deploys keep their log
 * on the deployment. A build names its deployment only once DEPLOYED, so a deployment the App's worker created
 * (source "github") that is still building, or failed, is matched to the build of its commit, environment and
 * branch that started before it and names no deployment.
 */
export async function selectDeploymentLogSource(
  sql: Sql,
  projectId: string,
  deploymentId: string,
): Promise<{ deployment_id: string; status: string; build_logs: string; build_id: string | null } | undefined> {
  const [row] = await sql<{ deployment_id: string; status: string; build_logs: string; build_id: string | null }[]>`
    select d.id as deployment_id, d.status, d.build_logs,
      coalesce(
        (select b.id from github_builds b where b.deployment_id = d.id order by b.created_at desc limit 1),
        (select b.id from github_builds b
          where d.source = 'github' and b.project_id = d.project_id and b.deployment_id is null
            and b.sha = d.git->>'commitSha' and b.environment_slug = e.slug and b.branch_name is not distinct from e.branch_name
            and b.created_at <= d.created_at
          order by b.created_at desc limit 1)
      ) as build_id
    from deployments d join environments e on e.id = d.environment_id
    where d.id = ${deploymentId} and d.project_id = ${projectId}`;
  return row;
}
