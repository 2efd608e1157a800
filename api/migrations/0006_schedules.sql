-- Schedules (issue 4). A schedule belongs to one environment: declarative ones are synced from the
-- environment's current deployment, imperative ones are created through the API with that environment's key.
-- The scheduler claims a due schedule with FOR UPDATE SKIP LOCKED and moves next_tick_at on in the same
-- transaction; the run a tick creates carries an idempotency key made of (schedule id, tick), so a tick yields
-- exactly one run however many api instances poll (api/src/schedules/README.md).
create table schedules (
  id text primary key,
  environment_id text not null references environments(id) on delete cascade,
  project_id text not null references projects(id) on delete cascade,
  type text not null check (type in ('DECLARATIVE', 'IMPERATIVE')),
  task_identifier text not null,
  cron text not null,
  timezone text not null default 'UTC',
  external_id text,
  deduplication_key text,
  active boolean not null default true,
  -- the next tick to fire; null when inactive or when the cron never matches again
  next_tick_at timestamptz,
  -- the last tick that fired a run: the next payload's lastTimestamp
  last_tick_at timestamptz,
  last_run_id text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index schedules_deduplication on schedules (environment_id, deduplication_key)
  where deduplication_key is not null;
create unique index schedules_declarative on schedules (environment_id, task_identifier)
  where type = 'DECLARATIVE';
create index schedules_due on schedules (next_tick_at) where active and next_tick_at is not null;
create index schedules_environment on schedules (environment_id, created_at, id);

-- The deployment whose declarative schedules an environment last synced: the scheduler re-syncs an
-- environment whose current deployment changed by another path (promote, rollback).
create table schedule_syncs (
  environment_id text primary key references environments(id) on delete cascade,
  deployment_id text not null,
  synced_at timestamptz not null default now()
);

-- runs.list filter[schedule] and the dev backlog check read a schedule's runs
create index runs_schedule on runs (schedule_id, created_at desc) where schedule_id is not null;
