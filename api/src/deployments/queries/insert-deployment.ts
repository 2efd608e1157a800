import type { Db as Sql } from "../../db/sql.js";

/** Next `YYYYMMDD.N` of an environment for `day`; the counter row serialises concurrent deploys. */
export async function nextVersion(sql: Sql, environmentId: string, day: string): Promise<string> {
  const [row] = await sql<{ last: number }[]>`
    insert into deployment_version_counters (environment_id, day, last) values (${environmentId}, ${day}, 1)
    on conflict (environment_id, day) do update set last = deployment_version_counters.last + 1
    returning last`;
  return `${day}.${row!.last}`;
}

export async function insertDeployment(
  sql: Sql,
  d: {
    id: string;
    shortCode: string;
    environmentId: string;
    projectId: string;
    version: string;
    sdkVersion: string;
    cliVersion: string | null;
    source: string;
    git: unknown;
    createdByUserId: string | null;
  },
): Promise<void> {
  await sql`
    insert into deployments (id, short_code, environment_id, project_id, version, status, sdk_version, cli_version, source, git, created_by_user_id)
    values (${d.id}, ${d.shortCode}, ${d.environmentId}, ${d.projectId}, ${d.version}, 'BUILDING', ${d.sdkVersion},
      ${d.cliVersion}, ${d.source}, ${d.git === undefined || d.git === null ? null : sql.json(d.git as never)}, ${d.createdByUserId})`;
}
