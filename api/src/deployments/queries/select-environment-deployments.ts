import type { DeploymentStatus } from "@gantry/sdk/contracts";
import type { Db as Sql } from "../../db/sql.js";

/** One row of the reference's deployment list (`GET /api/v1/deployments`). */
export interface EnvironmentDeploymentRow {
  id: string;
  short_code: string;
  version: string;
  status: DeploymentStatus;
  git: Record<string, unknown> | null;
  error: { message: string; stack?: string } | null;
  created_at: Date;
  deployed_at: Date | null;
}

export interface EnvironmentDeploymentFilters {
  status?: DeploymentStatus;
  from?: Date;
  to?: Date;
  /** the id of the last row of the previous page */
  after?: string;
}

/** The environment's current (promoted) deployment, if any. */
export async function selectCurrentDeployment(sql: Sql, environmentId: string): Promise<EnvironmentDeploymentRow | undefined> {
  const [row] = await sql<EnvironmentDeploymentRow[]>`
    select d.id, d.short_code, d.version, d.status, d.git, d.error, d.created_at, d.deployed_at
    from environments e join deployments d on d.id = e.current_deployment_id
    where e.id = ${environmentId}`;
  return row;
}

/** Newest first, `limit` rows after the cursor row (ordered by created_at, id). */
export async function selectEnvironmentDeployments(
  sql: Sql,
  environmentId: string,
  filters: EnvironmentDeploymentFilters,
  limit: number,
): Promise<EnvironmentDeploymentRow[]> {
  return sql<EnvironmentDeploymentRow[]>`
    select d.id, d.short_code, d.version, d.status, d.git, d.error, d.created_at, d.deployed_at
    from deployments d
    where d.environment_id = ${environmentId}
      ${filters.status ? sql`and d.status = ${filters.status}` : sql``}
      ${filters.from ? sql`and d.created_at >= ${filters.from}` : sql``}
      ${filters.to ? sql`and d.created_at <= ${filters.to}` : sql``}
      ${
        filters.after
          ? sql`and (d.created_at, d.id) < (select c.created_at, c.id from deployments c where c.id = ${filters.after} and c.environment_id = ${environmentId})`
          : sql``
      }
    order by d.created_at desc, d.id desc
    limit ${limit}`;
}
