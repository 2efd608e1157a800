import type { EnvironmentType, RunStatus } from "@gantry/sdk/contracts";
import type { Db } from "../../db/sql.js";

/** The enabled channels that want `event` for these runs' or deployments' environments. */
export async function selectChannelsForRuns(sql: Db, runIds: string[], event: string): Promise<Array<{ subject_id: string; channel_id: string; project_id: string }>> {
  return sql`
    select r.id as subject_id, c.id as channel_id, c.project_id
    from runs r
    join environments e on e.id = r.environment_id
    join alert_channels c on c.project_id = r.project_id and c.enabled and ${event} = any(c.events) and e.type = any(c.environment_types)
    where r.id = any(${runIds}::text[])`;
}

export async function selectChannelsForDeployment(sql: Db, deploymentId: string, event: string): Promise<Array<{ subject_id: string; channel_id: string; project_id: string }>> {
  return sql`
    select d.id as subject_id, c.id as channel_id, c.project_id
    from deployments d
    join environments e on e.id = d.environment_id
    join alert_channels c on c.project_id = d.project_id and c.enabled
      and ${event} = any(c.events) and e.type = any(c.environment_types)
    where d.id = ${deploymentId}`;
}

interface Owner {
  environment_id: string;
  env_type: EnvironmentType;
  env_slug: string;
  branch_name: string | null;
  project_id: string;
  project_ref: string;
  project_slug: string;
  project_name: string;
  org_id: string;
  org_slug: string;
  org_name: string;
}

export interface FailedRunRow extends Owner {
  id: string;
  task_identifier: string;
  status: RunStatus;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  is_test: boolean;
  idempotency_key: string | null;
  tags: string[];
  error: Record<string, unknown> | null;
  machine: string | null;
  number: number;
  version: string | null;
  sdk_version: string | null;
  cli_version: string | null;
  file_path: string | null;
  export_name: string | null;
  task_machine: string | null;
}

const OWNER = (sql: Db) => sql`
  e.id as environment_id, e.type as env_type, e.slug as env_slug, e.branch_name,
  p.id as project_id, p.ref as project_ref, p.slug as project_slug, p.name as project_name,
  o.id as org_id, o.slug as org_slug, o.title as org_name`;

/** What a run-failed alert says about each run: the run, the version and task it ran, its owners. */
export async function selectFailedRuns(sql: Db, runIds: string[]): Promise<FailedRunRow[]> {
  return sql<FailedRunRow[]>`
    select r.id, r.task_identifier, r.status, r.created_at, r.started_at, r.completed_at, r.is_test, r.idempotency_key,
      r.tags, r.error, r.machine, ${OWNER(sql)},
      -- the run's number among its task's runs in the environment (the reference numbers runs per task)
      (select count(*) from runs n where n.environment_id = r.environment_id and n.task_identifier = r.task_identifier
        and n.created_at <= r.created_at)::int as number,
      d.version, d.sdk_version, d.cli_version, t.file_path, t.export_name, t.machine as task_machine
    from runs r
    join environments e on e.id = r.environment_id
    join projects p on p.id = r.project_id
    join organizations o on o.id = p.organization_id
    left join deployments d on d.id = coalesce(r.locked_deployment_id, e.current_deployment_id)
    left join tasks t on t.deployment_id = d.id and t.slug = r.task_identifier
    where r.id = any(${runIds}::text[])`;
}

export interface DeploymentRow extends Owner {
  id: string;
  short_code: string;
  version: string;
  status: string;
  git: Record<string, unknown> | null;
  error: Record<string, unknown> | null;
  deployed_at: Date | null;
  updated_at: Date;
  tasks: Array<{ id: string; filePath: string; exportName: string | null; triggerSource: string }>;
}

export async function selectDeploymentForAlert(sql: Db, id: string): Promise<DeploymentRow | undefined> {
  const [row] = await sql<DeploymentRow[]>`
    select d.id, d.short_code, d.version, d.status, d.git, d.error, d.deployed_at, d.updated_at, ${OWNER(sql)},
      coalesce((select json_agg(json_build_object('id', t.slug, 'filePath', t.file_path, 'exportName', t.export_name,
        'triggerSource', t.trigger_source) order by t.slug) from tasks t where t.deployment_id = d.id), '[]'::json) as tasks
    from deployments d
    join environments e on e.id = d.environment_id
    join projects p on p.id = d.project_id
    join organizations o on o.id = p.organization_id
    where d.id = ${id}`;
  return row;
}
