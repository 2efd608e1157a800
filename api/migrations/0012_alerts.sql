-- Alerts (the reference's alerts page): per project, channels that are told when a run fails or a deployment
-- succeeds or fails, and the deliveries to them. Deliveries are the record: any api instance picks due ones
-- (FOR UPDATE SKIP LOCKED), so retries survive a restart.

create table alert_channels (
  id text primary key,
  project_id text not null references projects(id) on delete cascade,
  name text not null,
  type text not null check (type in ('WEBHOOK', 'SLACK', 'EMAIL')),
  -- WEBHOOK and SLACK: the URL; EMAIL: comma-separated addresses
  target text not null,
  -- WEBHOOK: the signing secret, encrypted with GANTRY_ENCRYPTION_KEY
  secret_encrypted text,
  events text[] not null check (cardinality(events) > 0
    and events <@ array['alert.run.failed', 'alert.deployment.success', 'alert.deployment.failed']),
  environment_types text[] not null default array['STAGING', 'PRODUCTION']
    check (environment_types <@ array['DEVELOPMENT', 'STAGING', 'PRODUCTION', 'PREVIEW']),
  enabled boolean not null default true,
  created_by_user_id text references users(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index alert_channels_project on alert_channels (project_id) where enabled;

create table alert_deliveries (
  id text primary key,
  channel_id text not null references alert_channels(id) on delete cascade,
  project_id text not null references projects(id) on delete cascade,
  event_type text not null,
  -- the run or deployment the alert is about: one delivery per channel, event and subject
  subject_id text not null,
  -- the exact body sent (and signed) on every attempt
  body text not null,
  status text not null default 'PENDING' check (status in ('PENDING', 'DELIVERING', 'SUCCEEDED', 'FAILED')),
  attempts integer not null default 0,
  max_attempts integer not null,
  -- PENDING: when to try next; DELIVERING: when the claim lapses (its api instance died) and another may retry
  next_attempt_at timestamptz not null default now(),
  last_error text,
  last_status_code integer,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  delivered_at timestamptz,
  unique (channel_id, event_type, subject_id)
);
create index alert_deliveries_due on alert_deliveries (next_attempt_at) where status in ('PENDING', 'DELIVERING');
create index alert_deliveries_project_created on alert_deliveries (project_id, created_at desc);

-- The alerts catch-up sweep reads recent failures only (what the finished-runs hook may have missed).
create index runs_failed_completed on runs (completed_at)
  where status in ('FAILED', 'CRASHED', 'SYSTEM_FAILURE', 'TIMED_OUT');
