-- Gantry's record. Forward only: never edit a migration once it has landed; add the next number.

create table organizations (
  id text primary key,
  slug text not null unique,
  title text not null,
  created_at timestamptz not null default now()
);

create table users (
  id text primary key,
  email text not null unique,
  name text,
  password_hash text,
  github_id bigint unique,
  github_login text,
  is_admin boolean not null default false,
  created_at timestamptz not null default now()
);

create table org_members (
  organization_id text not null references organizations(id) on delete cascade,
  user_id text not null references users(id) on delete cascade,
  role text not null default 'MEMBER' check (role in ('ADMIN', 'MEMBER')),
  created_at timestamptz not null default now(),
  primary key (organization_id, user_id)
);

create table projects (
  id text primary key,
  ref text not null unique,
  organization_id text not null references organizations(id) on delete cascade,
  name text not null,
  slug text not null,
  created_at timestamptz not null default now()
);

-- Deployments reference environments and environments point at their current deployment.
create table environments (
  id text primary key,
  project_id text not null references projects(id) on delete cascade,
  type text not null check (type in ('DEVELOPMENT', 'STAGING', 'PRODUCTION', 'PREVIEW')),
  slug text not null check (slug in ('dev', 'staging', 'prod', 'preview')),
  -- preview branches are child environments of the project's preview environment
  parent_environment_id text references environments(id) on delete cascade,
  branch_name text,
  -- each project member has their own dev environment
  user_id text references users(id) on delete cascade,
  archived_at timestamptz,
  current_deployment_id text,
  concurrency_limit integer not null default 100 check (concurrency_limit >= 0),
  burst_factor numeric not null default 2.0,
  git jsonb,
  created_at timestamptz not null default now()
);
create unique index environments_project_slug on environments (project_id, slug)
  where parent_environment_id is null and user_id is null;
create unique index environments_dev_user on environments (project_id, user_id) where user_id is not null;
create unique index environments_branch on environments (parent_environment_id, branch_name)
  where parent_environment_id is not null;

-- Secret keys: looked up by sha256 hash, the key itself kept encrypted (AES-256-GCM) because the server
-- needs it to verify JWTs the official client signs with it.
create table api_keys (
  id text primary key,
  environment_id text not null references environments(id) on delete cascade,
  key_hash text not null unique,
  key_encrypted text not null,
  key_hint text not null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
create index api_keys_environment on api_keys (environment_id) where revoked_at is null;

create table personal_access_tokens (
  id text primary key,
  user_id text not null references users(id) on delete cascade,
  name text not null,
  token_hash text not null unique,
  token_hint text not null,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

create table runner_tokens (
  id text primary key,
  name text not null,
  token_hash text not null unique,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);

-- Content-addressed bundles (sha256 of content), so any api instance can serve them.
create table artifacts (
  hash text primary key check (hash ~ '^[a-f0-9]{64}$'),
  content bytea not null,
  size integer not null,
  created_at timestamptz not null default now()
);

create table deployments (
  id text primary key,
  short_code text not null unique,
  environment_id text not null references environments(id) on delete cascade,
  project_id text not null references projects(id) on delete cascade,
  version text not null,
  status text not null default 'PENDING'
    check (status in ('PENDING', 'BUILDING', 'DEPLOYING', 'DEPLOYED', 'FAILED', 'CANCELED', 'TIMED_OUT')),
  artifact_hash text references artifacts(hash),
  content_hash text,
  manifest jsonb,
  sdk_version text,
  cli_version text,
  source text not null default 'cli',
  git jsonb,
  error jsonb,
  build_logs text not null default '',
  created_by_user_id text references users(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deployed_at timestamptz,
  unique (environment_id, version)
);
create index deployments_environment_created on deployments (environment_id, created_at desc);

alter table environments add constraint environments_current_deployment
  foreign key (current_deployment_id) references deployments(id) on delete set null;

-- Version counters per environment and day (YYYYMMDD.N).
create table deployment_version_counters (
  environment_id text not null references environments(id) on delete cascade,
  day text not null,
  last integer not null,
  primary key (environment_id, day)
);

create table tasks (
  deployment_id text not null references deployments(id) on delete cascade,
  slug text not null,
  file_path text not null,
  export_name text,
  queue_name text not null,
  retry jsonb,
  max_duration integer,
  machine text,
  trigger_source text not null default 'STANDARD',
  schedule jsonb,
  payload_schema jsonb,
  primary key (deployment_id, slug)
);

create table queues (
  id text primary key,
  environment_id text not null references environments(id) on delete cascade,
  name text not null,
  concurrency_limit integer check (concurrency_limit is null or concurrency_limit >= 0),
  rate_limit jsonb,
  paused boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (environment_id, name)
);

create table runs (
  id text primary key,
  environment_id text not null references environments(id) on delete cascade,
  project_id text not null references projects(id) on delete cascade,
  task_identifier text not null,
  status text not null check (status in ('PENDING_VERSION', 'DELAYED', 'QUEUED', 'DEQUEUED', 'EXECUTING',
    'WAITING', 'COMPLETED', 'CANCELED', 'FAILED', 'CRASHED', 'SYSTEM_FAILURE', 'EXPIRED', 'TIMED_OUT')),
  payload text,
  payload_type text not null default 'application/json',
  output text,
  output_type text,
  error jsonb,
  idempotency_key text,
  idempotency_key_expires_at timestamptz,
  request_idempotency_key text,
  tags text[] not null default '{}',
  metadata jsonb,
  queue_name text not null,
  concurrency_key text,
  priority_ms integer not null default 0,
  max_attempts integer,
  max_duration integer,
  machine text,
  ttl text,
  delay_until timestamptz,
  -- the version requested at trigger (lockToVersion / version) and the deployment it locked to at start
  requested_version text,
  locked_deployment_id text references deployments(id) on delete set null,
  attempt_number integer not null default 0,
  is_test boolean not null default false,
  parent_run_id text references runs(id) on delete set null,
  root_run_id text references runs(id) on delete set null,
  depth integer not null default 0,
  batch_id text,
  trigger_function text not null default 'trigger',
  replayed_from_id text,
  schedule_id text,
  usage_duration_ms bigint not null default 0,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  queued_at timestamptz,
  started_at timestamptz,
  completed_at timestamptz,
  expired_at timestamptz,
  -- when a QUEUED run may next be handed out (retry backoff); the reconciler re-enqueues past it
  available_at timestamptz not null default now()
);
create unique index runs_idempotency on runs (environment_id, task_identifier, idempotency_key)
  where idempotency_key is not null;
create unique index runs_request_idempotency on runs (environment_id, request_idempotency_key)
  where request_idempotency_key is not null;
-- keyset pagination: newest first
create index runs_environment_created on runs (environment_id, created_at desc, id desc);
create index runs_project_created on runs (project_id, created_at desc, id desc);
create index runs_environment_task on runs (environment_id, task_identifier, created_at desc);
-- the reconciler and deploy-time promotion look at live runs only
create index runs_live on runs (status, available_at)
  where status in ('PENDING_VERSION', 'DELAYED', 'QUEUED', 'DEQUEUED', 'EXECUTING');
create index runs_parent on runs (parent_run_id) where parent_run_id is not null;
create index runs_tags on runs using gin (tags);

create table attempts (
  id text primary key,
  run_id text not null references runs(id) on delete cascade,
  number integer not null,
  status text not null default 'EXECUTING'
    check (status in ('EXECUTING', 'COMPLETED', 'FAILED', 'CANCELED', 'CRASHED', 'TIMED_OUT', 'SYSTEM_FAILURE')),
  deployment_id text references deployments(id) on delete set null,
  runner_id text,
  error jsonb,
  started_at timestamptz not null default now(),
  completed_at timestamptz,
  unique (run_id, number)
);

create table task_events (
  id bigserial primary key,
  run_id text not null references runs(id) on delete cascade,
  attempt_number integer not null,
  kind text not null default 'log' check (kind in ('log', 'span')),
  level text not null,
  message text not null,
  attributes jsonb,
  span_id text,
  parent_span_id text,
  duration_ms double precision,
  time timestamptz not null
);
create index task_events_run on task_events (run_id, time, id);

-- Responses of non-trigger POSTs keyed by x-trigger-request-idempotency-key.
create table request_idempotency (
  environment_id text not null references environments(id) on delete cascade,
  key text not null,
  status integer not null,
  response jsonb not null,
  created_at timestamptz not null default now(),
  primary key (environment_id, key)
);
