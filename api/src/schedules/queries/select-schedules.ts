import type { Db } from "../../db/sql.js";

/** A schedule with what its API shape needs of its environment. */
export interface ScheduleRow {
  id: string;
  environment_id: string;
  project_id: string;
  type: "DECLARATIVE" | "IMPERATIVE";
  task_identifier: string;
  cron: string;
  timezone: string;
  external_id: string | null;
  deduplication_key: string | null;
  active: boolean;
  next_tick_at: Date | null;
  last_tick_at: Date | null;
  env_type: string;
  env_user_name: string | null;
}

const columns = (sql: Db) => sql`
  s.id, s.environment_id, s.project_id, s.type, s.task_identifier, s.cron, s.timezone, s.external_id,
  s.deduplication_key, s.active, s.next_tick_at, s.last_tick_at, e.type as env_type,
  coalesce(u.name, u.email) as env_user_name`;

export async function selectSchedule(sql: Db, environmentId: string, id: string): Promise<ScheduleRow | undefined> {
  const [row] = await sql<ScheduleRow[]>`
    select ${columns(sql)}
    from schedules s join environments e on e.id = s.environment_id left join users u on u.id = e.user_id
    where s.id = ${id} and s.environment_id = ${environmentId}`;
  return row;
}

/** One page of an environment's schedules, newest first, and how many there are in all. */
export async function selectSchedulePage(
  sql: Db,
  environmentId: string,
  page: number,
  perPage: number,
): Promise<{ rows: ScheduleRow[]; count: number }> {
  const [rows, [total]] = await Promise.all([
    sql<ScheduleRow[]>`
      select ${columns(sql)}
      from schedules s join environments e on e.id = s.environment_id left join users u on u.id = e.user_id
      where s.environment_id = ${environmentId}
      order by s.created_at desc, s.id desc
      limit ${perPage} offset ${(page - 1) * perPage}`,
    sql<{ count: number }[]>`select count(*)::int as count from schedules where environment_id = ${environmentId}`,
  ]);
  return { rows, count: total?.count ?? 0 };
}

/**
 * Whether the environment has deployed a task with this id, and whether it is a scheduled one (any of its
 * deployments: a schedule may be attached before the version that runs it is promoted).
 */
export async function selectTaskKind(sql: Db, environmentId: string, slug: string): Promise<"SCHEDULED" | "STANDARD" | undefined> {
  const [row] = await sql<{ trigger_source: string }[]>`
    select t.trigger_source from tasks t join deployments d on d.id = t.deployment_id
    where d.environment_id = ${environmentId} and t.slug = ${slug}
    order by (t.trigger_source = 'SCHEDULED') desc limit 1`;
  if (!row) return undefined;
  return row.trigger_source === "SCHEDULED" ? "SCHEDULED" : "STANDARD";
}
