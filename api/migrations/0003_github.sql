-- The GitHub App integration: installations and their repositories, repositories connected to projects,
-- builds from pushes and pull requests, and the deliveries already handled.

-- The GitHub App created through GitHub's manifest flow (one per Gantry install); key and secret encrypted.
create table github_app_credentials (
  id boolean primary key default true check (id),
  app_id bigint not null,
  slug text,
  html_url text,
  private_key_encrypted text not null,
  webhook_secret_encrypted text not null,
  created_at timestamptz not null default now()
);

-- Tokens the github-app and the build worker use to reach /api/v1/github/* (looked up by sha256).
create table github_service_tokens (
  id text primary key,
  name text not null,
  token_hash text not null unique,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);

-- X-GitHub-Delivery ids already handled: a redelivered webhook does nothing twice.
create table github_deliveries (
  id text primary key,
  event text not null,
  action text,
  received_at timestamptz not null default now()
);

create table github_installations (
  id bigint primary key,
  account_login text not null,
  account_id bigint not null,
  suspended_at timestamptz,
  deleted_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table github_repositories (
  id bigint primary key,
  installation_id bigint not null references github_installations(id) on delete cascade,
  full_name text not null,
  private boolean not null default false,
  default_branch text,
  -- removed from the installation (the connection stays, builds are refused until it is added back)
  removed_at timestamptz,
  updated_at timestamptz not null default now()
);
create index github_repositories_full_name on github_repositories (lower(full_name));

-- A repository connected to a project by a project admin (an installation alone grants nothing).
create table github_connections (
  id text primary key,
  project_id text not null unique references projects(id) on delete cascade,
  repository_id bigint not null unique references github_repositories(id) on delete cascade,
  production_branch text,
  staging_branch text,
  previews boolean not null default true,
  -- cap on active (not archived) preview branches of the project; null: no cap
  max_active_previews integer check (max_active_previews is null or max_active_previews >= 0),
  config_path text,
  root_dir text,
  install_command text,
  pre_build_command text,
  created_by_user_id text references users(id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

create table github_pull_requests (
  connection_id text not null references github_connections(id) on delete cascade,
  number integer not null,
  title text not null,
  url text not null,
  state text not null check (state in ('open', 'closed')),
  head_ref text not null,
  head_sha text not null,
  fork_owner text,
  -- the preview branch this PR deploys to
  branch_name text not null,
  -- the one comment Gantry keeps up to date on the PR
  comment_id bigint,
  updated_at timestamptz not null default now(),
  primary key (connection_id, number)
);

create table github_builds (
  id text primary key,
  connection_id text not null references github_connections(id) on delete cascade,
  project_id text not null references projects(id) on delete cascade,
  environment_slug text not null check (environment_slug in ('staging', 'prod', 'preview')),
  branch_name text,
  -- builds in one lane (environment + branch) run one at a time; a newer one supersedes queued older ones
  lane text not null,
  trigger text not null check (trigger in ('push', 'pull_request', 'redeploy')),
  git_ref text not null,
  sha text not null,
  commit_message text,
  pull_request_number integer,
  from_fork boolean not null default false,
  -- a pull request from a fork waits for a project member to authorize it (never builds before)
  awaiting_approval boolean not null default false,
  approved_by text,
  sender_login text,
  status text not null default 'PENDING'
    check (status in ('PENDING', 'BUILDING', 'DEPLOYING', 'DEPLOYED', 'FAILED', 'CANCELED', 'TIMED_OUT')),
  deployment_id text references deployments(id) on delete set null,
  version text,
  tasks text[] not null default '{}',
  error jsonb,
  logs text not null default '',
  superseded_by text references github_builds(id) on delete set null,
  check_run_id bigint,
  github_deployment_id bigint,
  -- the neutral "Gantry runs" check run summarising runs executed on this build's version
  runs_check_run_id bigint,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  updated_at timestamptz not null default now()
);
create index github_builds_lane_live on github_builds (lane, created_at) where status in ('PENDING', 'BUILDING', 'DEPLOYING');
create index github_builds_connection_created on github_builds (connection_id, created_at desc);
create index github_builds_sha on github_builds (connection_id, sha);
