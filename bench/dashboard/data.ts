// The dashboard bench's data set: a million final runs written straight into Postgres with generate_series (the
// trigger path is measured elsewhere), shaped like a busy project's last 30 days.
import { randomBytes } from "node:crypto";
import type pg from "pg";

export const TASKS = 20;
export const SPAN_DAYS = 30;

/** Values the filters look for, and how often they occur among the production environment's runs. */
export const FIXTURE = {
  /** one deployment per day of age; a run is locked to the deployment of its day (≈3.3% each) */
  dayVersion: (ageDays: number) => `20261001.${ageDays + 1}`,
  /** a hotfix version a few runs of every day were locked to (0.1%) */
  rareVersion: "20261001.999",
  /** 1,000 runs of one batch, 15 days old */
  batchId: "batch_benchdashboard0000000001",
  /** a schedule that fired 1% of the runs (every ~4 minutes over 30 days) */
  scheduleId: "sched_benchdashboard0000001",
} as const;

const STATUS_SQL = `case
  when g % 1000 < 850 then 'COMPLETED' when g % 1000 < 930 then 'FAILED' when g % 1000 < 960 then 'CANCELED'
  when g % 1000 < 980 then 'CRASHED' when g % 1000 < 990 then 'EXPIRED' when g % 1000 < 997 then 'TIMED_OUT'
  else 'SYSTEM_FAILURE' end`;

export interface BenchEnvironments {
  prod: string;
  staging: string;
  project: string;
}

/** The production environment's deployments: one per day of age, and the rare hotfix version. */
async function insertDeployments(db: pg.Client, env: BenchEnvironments): Promise<void> {
  const tag = randomBytes(3).toString("hex");
  await db.query(
    `insert into deployments (id, short_code, environment_id, project_id, version, status, created_at, deployed_at)
     select 'dep_bench_' || d, 'bench_' || $3 || '_' || d, $1, $2, '20261001.' || (d + 1), 'DEPLOYED',
       now() - (d + 1) * interval '1 day', now() - (d + 1) * interval '1 day'
     from generate_series(0, ${SPAN_DAYS - 1}) d
     union all
     select 'dep_bench_rare', 'bench_' || $3 || '_rare', $1, $2, $4, 'DEPLOYED', now() - interval '${SPAN_DAYS} days', now() - interval '${SPAN_DAYS} days'`,
    [env.prod, env.project, tag, FIXTURE.rareVersion],
  );
}

/**
 * Writes `count` runs in chunks (one statement each), 90% in `prod`, the rest in `staging`, spread evenly over
 * SPAN_DAYS up to now: final statuses (so the reconciler leaves them alone), TASKS tasks each on its own queue,
 * tags of skewed frequency, production runs locked to the deployment of their day (or the rare version), one
 * batch and one schedule.
 */
export async function insertRuns(db: pg.Client, count: number, env: BenchEnvironments, log: (l: string) => void): Promise<void> {
  await insertDeployments(db, env);
  const chunk = 100_000;
  const spanS = SPAN_DAYS * 24 * 3600;
  const batchFrom = Math.floor(count / 2);
  for (let from = 1; from <= count; from += chunk) {
    const to = Math.min(count, from + chunk - 1);
    await db.query(
      `insert into runs (id, environment_id, project_id, task_identifier, status, queue_name, tags, payload, error,
         locked_deployment_id, batch_id, schedule_id,
         created_at, updated_at, queued_at, started_at, completed_at, usage_duration_ms, attempt_number, available_at)
       select 'run_' || substr(md5(g::text || $6), 1, 24), env, $3,
         'task-' || (g % ${TASKS}), ${STATUS_SQL}, 'task/task-' || (g % ${TASKS}),
         case when g % 3 = 0 then array['customer-' || (g % 500)]
              when g % 3 = 1 then array['customer-' || (g % 500), 'priority'] else '{}'::text[] end,
         '{"n":' || g || '}',
         case when ${STATUS_SQL} in ('FAILED', 'CRASHED', 'SYSTEM_FAILURE') then '{"type":"BUILT_IN_ERROR","message":"boom"}'::jsonb end,
         case when env = $2 then null when g % 1000 = 7 then 'dep_bench_rare'
              else 'dep_bench_' || least(${SPAN_DAYS - 1}, floor(age_s / 86400)::int) end,
         case when env = $1 and g % 10 <> 0 and g >= ${batchFrom} and g < ${batchFrom + 1112} then $7 end,
         case when env = $1 and g % 100 = 51 then $8 end,
         t, t, t, t + interval '50 ms', t + interval '50 ms' + (50 + (g::bigint * 7919) % 4950) * interval '1 ms',
         50 + (g::bigint * 7919) % 4950, 1, t
       from generate_series($4::int, $5::int) g,
         lateral (select (${count} - g)::float8 * ${spanS / count} as age_s, case when g % 10 = 0 then $2 else $1 end as env) a,
         lateral (select now() - age_s * interval '1 second' as t) ts`,
      [env.prod, env.staging, env.project, from, to, randomBytes(4).toString("hex"), FIXTURE.batchId, FIXTURE.scheduleId],
    );
    log(`  inserted ${to.toLocaleString("en-US")} runs`);
  }
}
