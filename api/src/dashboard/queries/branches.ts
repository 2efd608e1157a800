import type { Db as Sql } from "../../db/sql.js";

export interface BranchRow {
  id: string;
  branch_name: string;
  archived_at: Date | null;
  created_at: Date;
  git: Record<string, unknown> | null;
  current_version: string | null;
  latest_version: string | null;
  latest_status: string | null;
  latest_git: Record<string, unknown> | null;
  latest_created_at: Date | null;
}

/** A project's preview branches, live ones first, each with its current and latest deployment. */
export async function selectBranches(sql: Sql, projectId: string): Promise<BranchRow[]> {
  return sql<BranchRow[]>`
    select e.id, e.branch_name, e.archived_at, e.created_at, e.git, cd.version as current_version,
      ld.version as latest_version, ld.status as latest_status, ld.git as latest_git, ld.created_at as latest_created_at
    from environments e
    left join deployments cd on cd.id = e.current_deployment_id
    left join lateral (
      select d.version, d.status, d.git, d.created_at from deployments d
      where d.environment_id = e.id order by d.created_at desc limit 1
    ) ld on true
    where e.project_id = ${projectId} and e.parent_environment_id is not null
    order by e.archived_at nulls first, e.created_at desc`;
}
