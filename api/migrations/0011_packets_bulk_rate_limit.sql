-- Issue 3 (part): offloaded packets, bulk actions, API rate limits per environment.

-- Large payloads (and any packet a client offloads): the official client PUTs the body to a presigned URL this
-- api serves, then triggers with `payload: <storagePath>, payloadType: "application/store"`. Stored in the record
-- so every api instance serves the same blob. `path` is the client's storage path ("<prefix>/payload.json").
create table packets (
  environment_id text not null references environments(id) on delete cascade,
  path text not null check (length(path) between 1 and 1024),
  content bytea not null,
  content_type text not null,
  size integer not null,
  created_at timestamptz not null default now(),
  primary key (environment_id, path)
);
-- which runs use a stored packet (only offloaded payloads are in it): the orphan sweep asks it
create index runs_stored_payload on runs (environment_id, payload) where payload_type = 'application/store';

-- Bulk actions: replay or cancel many runs, processed in chunks in the background by any api instance.
create table bulk_actions (
  id text primary key,
  environment_id text not null references environments(id) on delete cascade,
  kind text not null check (kind in ('REPLAY', 'CANCEL')),
  name text,
  -- exactly one of: the run ids asked for, or the run filter (runs created before created_at that match it)
  run_ids text[],
  filter jsonb,
  status text not null default 'PENDING' check (status in ('PENDING', 'RUNNING', 'COMPLETED', 'ABORTED')),
  total integer not null default 0,
  succeeded integer not null default 0,
  failed integer not null default 0,
  -- progress: for run_ids the next index; for a filter the keyset position (created_at µs, id) of the last run done
  cursor_index integer not null default 0,
  cursor_created_us bigint,
  cursor_id text,
  -- lease: the api instance processing it, until when (another instance takes over after that)
  locked_by text,
  locked_until timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  completed_at timestamptz,
  check ((run_ids is null) <> (filter is null))
);
create index bulk_actions_environment_created on bulk_actions (environment_id, created_at desc, id desc);
create index bulk_actions_live on bulk_actions (created_at) where status in ('PENDING', 'RUNNING');

-- The runs an action acted on (runs.list filter[bulkAction]); for replays, the run it created.
create table bulk_action_runs (
  bulk_action_id text not null references bulk_actions(id) on delete cascade,
  run_id text not null,
  ok boolean not null,
  result_run_id text,
  error text,
  primary key (bulk_action_id, run_id)
);

-- API rate limit per environment (token bucket in Redis); null: the api's default (GANTRY_API_RATE_LIMIT_*).
alter table environments add column api_rate_limit_per_minute integer check (api_rate_limit_per_minute >= 0);
alter table environments add column api_rate_limit_burst integer check (api_rate_limit_burst >= 1);
