import type { Db } from "../../db/sql.js";

export interface DeploymentScheduleSource {
  environmentId: string;
  projectId: string;
  environmentType: string;
  tasks: { slug: string; schedule: { cron: string; timezone?: string; environments?: string[] } }[];
}

/** A deployment's environment and the declarative schedules (`cron` on `schedules.task`) of its tasks. */
export async function selectDeploymentSchedules(sql: Db, deploymentId: string): Promise<DeploymentScheduleSource | undefined> {
  const [d] = await sql<{ environment_id: string; project_id: string; type: string }[]>`
    select d.environment_id, d.project_id, e.type from deployments d join environments e on e.id = d.environment_id
    where d.id = ${deploymentId}`;
  if (!d) return undefined;
  const tasks = await sql<{ slug: string; schedule: DeploymentScheduleSource["tasks"][number]["schedule"] }[]>`
    select slug, schedule from tasks where deployment_id = ${deploymentId} and schedule is not null order by slug`;
  return { environmentId: d.environment_id, projectId: d.project_id, environmentType: d.type, tasks: [...tasks] };
}

export interface DeclarativeSchedule {
  id: string;
  taskIdentifier: string;
  cron: string;
  timezone: string;
  nextTickAt: Date;
}

/**
 * Makes the environment's declarative schedules exactly `keep`: upserts each (re-activated; its tick clock
 * restarts only if cron or timezone changed or it was inactive), deactivates the others, and records the
 * deployment as synced.
 */
export async function applyDeclarativeSchedules(
  sql: Db,
  src: { environmentId: string; projectId: string; deploymentId: string },
  keep: DeclarativeSchedule[],
): Promise<void> {
  if (keep.length > 0) {
    await sql`
      insert into schedules (id, environment_id, project_id, type, task_identifier, cron, timezone, next_tick_at)
      select k.id, ${src.environmentId}, ${src.projectId}, 'DECLARATIVE', k.task, k.cron, k.timezone, k.next_tick_at
      from jsonb_to_recordset(${sql.json(
        keep.map((k) => ({ id: k.id, task: k.taskIdentifier, cron: k.cron, timezone: k.timezone, next_tick_at: k.nextTickAt.toISOString() })) as never,
      )}) as k(id text, task text, cron text, timezone text, next_tick_at timestamptz)
      on conflict (environment_id, task_identifier) where type = 'DECLARATIVE' do update set
        cron = excluded.cron, timezone = excluded.timezone, active = true, updated_at = now(),
        next_tick_at = case when schedules.active and schedules.cron = excluded.cron and schedules.timezone = excluded.timezone
          then schedules.next_tick_at else excluded.next_tick_at end`;
  }
  await sql`
    update schedules set active = false, updated_at = now()
    where environment_id = ${src.environmentId} and type = 'DECLARATIVE' and active
      and task_identifier <> all(${keep.map((k) => k.taskIdentifier)}::text[])`;
  await sql`
    insert into schedule_syncs (environment_id, deployment_id) values (${src.environmentId}, ${src.deploymentId})
    on conflict (environment_id) do update set deployment_id = excluded.deployment_id, synced_at = now()`;
}

/** Environments whose current deployment's declarative schedules were not synced (promoted or rolled back). */
export async function selectUnsyncedEnvironments(sql: Db, limit: number): Promise<{ environment_id: string; deployment_id: string }[]> {
  return sql<{ environment_id: string; deployment_id: string }[]>`
    select e.id as environment_id, e.current_deployment_id as deployment_id
    from environments e left join schedule_syncs s on s.environment_id = e.id
    where e.current_deployment_id is not null and e.archived_at is null
      and s.deployment_id is distinct from e.current_deployment_id
    limit ${limit}`;
}
