import type { Sql } from "postgres";

export interface RunReportRow {
  build_id: string;
  installation_id: number;
  repository: string;
  project_ref: string;
  sha: string;
  version: string;
  environment: string;
  runs_check_run_id: number | null;
  pull_request_number: number | null;
  runs: Array<{ id: string; task_identifier: string; status: string; created_at: string }>;
  counts: Record<string, number> | null;
}

/**
 * Deployed builds whose version ran something since `since`, each with its latest runs (newest first, at most
 * `limit`) and counts per status. One statement: the reporter asks every few seconds.
 */
export async function selectRunReports(sql: Sql, since: Date, limit: number): Promise<RunReportRow[]> {
  return sql<RunReportRow[]>`
    select b.id as build_id, r.installation_id::int as installation_id, r.full_name as repository, p.ref as project_ref,
      b.sha, b.version, coalesce(b.branch_name, b.environment_slug) as environment, b.runs_check_run_id::int as runs_check_run_id, b.pull_request_number,
      (select coalesce(json_agg(x), '[]') from (
        select ru.id, ru.task_identifier, ru.status, ru.created_at from runs ru
        where ru.locked_deployment_id = b.deployment_id order by ru.created_at desc limit ${limit}) x) as runs,
      (select json_object_agg(status, n) from (
        select ru.status, count(*)::int as n from runs ru where ru.locked_deployment_id = b.deployment_id group by ru.status) c) as counts
    from github_builds b
    join github_connections c on c.id = b.connection_id
    join github_repositories r on r.id = c.repository_id
    join projects p on p.id = b.project_id
    where b.status = 'DEPLOYED' and b.deployment_id is not null
      and exists (select 1 from runs ru where ru.locked_deployment_id = b.deployment_id and ru.updated_at >= ${since})`;
}

export async function selectRecentRuns(sql: Sql, deploymentId: string, limit: number): Promise<Array<{ id: string; task_identifier: string; status: string }>> {
  return sql<Array<{ id: string; task_identifier: string; status: string }>>`
    select id, task_identifier, status from runs where locked_deployment_id = ${deploymentId} order by created_at desc limit ${limit}`;
}
