-- Batches (issue 3): a batch is created first (its expected run count), then its items arrive (NDJSON, maybe
-- resent); each item becomes a run. `batch_items` is the item → run map: its primary key dedupes a resent item
-- by index, and it names the run even when an item's idempotency key returned a run made earlier (which keeps
-- its own batch_id). The batch is sealed once every index has its run, and COMPLETED once all those runs are
-- final (kept by a listener on finished runs, recounted from the record so a repeated call is harmless).
create table batches (
  id text primary key,
  environment_id text not null references environments(id) on delete cascade,
  project_id text not null references projects(id) on delete cascade,
  run_count integer not null check (run_count > 0),
  task_identifiers text[] not null default '{}',
  -- items with a run (distinct indexes); sealed when it reaches run_count
  accepted_count integer not null default 0,
  sealed boolean not null default false,
  sealed_at timestamptz,
  -- item runs in a final status
  finished_count integer not null default 0,
  status text not null default 'PENDING' check (status in ('PENDING', 'COMPLETED')),
  idempotency_key text,
  idempotency_key_options jsonb,
  request_idempotency_key text,
  -- batchTriggerAndWait: the run that waits for the batch
  parent_run_id text references runs(id) on delete set null,
  resume_parent_on_completion boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  completed_at timestamptz
);
create unique index batches_idempotency on batches (environment_id, idempotency_key) where idempotency_key is not null;
create unique index batches_request_idempotency on batches (environment_id, request_idempotency_key)
  where request_idempotency_key is not null;
create index batches_parent on batches (parent_run_id) where parent_run_id is not null;
-- the repair pass: sealed batches still waiting for their runs
create index batches_pending_sealed on batches (updated_at) where status = 'PENDING' and sealed;

create table batch_items (
  -- No foreign keys here, on purpose: a per-row check costs as much as the runs' own insert (measured: a
  -- 1,000-item stream spent 20-100 ms in them against 5-15 ms without). The rows are written only by the items
  -- path, in the transaction that holds the batch's row and inserts (or finds) the runs; nothing deletes runs,
  -- batches or environments today. Whatever deletes batches one day must delete their items too.
  batch_id text not null,
  index integer not null check (index >= 0),
  run_id text not null,
  primary key (batch_id, index)
);
-- finished runs → the batches counting them
create index batch_items_run on batch_items (run_id);
