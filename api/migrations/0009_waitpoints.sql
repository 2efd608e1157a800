-- Durable waits (api/src/waitpoints/README.md). A waitpoint is something a run can wait for: a child run (RUN),
-- a time (DATETIME), a token completed by anyone (MANUAL), or a batch of child runs (BATCH). A run's steps
-- record, in the order its code reached them, the waits it made and the tokens it created, so an attempt that
-- replays the run (its process was lost) gets the same answers instead of doing the work again.

create table waitpoints (
  id text primary key,
  environment_id text not null references environments(id) on delete cascade,
  project_id text not null references projects(id) on delete cascade,
  kind text not null check (kind in ('RUN', 'DATETIME', 'MANUAL', 'BATCH')),
  status text not null default 'PENDING' check (status in ('PENDING', 'COMPLETED')),
  output text,
  output_type text not null default 'application/json',
  output_is_error boolean not null default false,
  completed_at timestamptz,
  -- DATETIME: when it completes; MANUAL: its timeout (completes as an error)
  completed_after timestamptz,
  -- the key as the caller gave it (hashed keys are what the unique index holds)
  idempotency_key text,
  idempotency_key_expires_at timestamptz,
  tags text[] not null default '{}',
  -- RUN: the child run it waits for
  child_run_id text references runs(id) on delete cascade,
  -- BATCH: the batch's id and its runs in item order
  batch_id text,
  batch_run_ids text[],
  created_at timestamptz not null default now()
);
create unique index waitpoints_idempotency on waitpoints (environment_id, idempotency_key) where idempotency_key is not null;
create index waitpoints_tokens on waitpoints (environment_id, created_at desc, id desc) where kind = 'MANUAL';
create index waitpoints_due on waitpoints (completed_after) where status = 'PENDING' and completed_after is not null;
-- the sweep's repair of completions a crash lost: pending waits on children (RUN, BATCH)
create index waitpoints_pending_children on waitpoints (kind) where status = 'PENDING' and kind in ('RUN', 'BATCH');
create index waitpoints_child_run on waitpoints (child_run_id) where child_run_id is not null;
create index waitpoints_batch on waitpoints (batch_id) where batch_id is not null;

create table run_steps (
  run_id text not null references runs(id) on delete cascade,
  step integer not null check (step >= 0),
  -- WAIT: the run waited (or waits) for the waitpoint; TOKEN: the run created the token
  kind text not null check (kind in ('WAIT', 'TOKEN')),
  -- what the code asked for ("duration", "token", "task", "batch", "createToken"): a replay that asks for
  -- something else at the same step is not deterministic and is told so
  what text not null,
  waitpoint_id text not null references waitpoints(id) on delete cascade,
  attempt_number integer not null,
  created_at timestamptz not null default now(),
  resumed_at timestamptz,
  primary key (run_id, step)
);
create index run_steps_waitpoint on run_steps (waitpoint_id) where kind = 'WAIT' and resumed_at is null;

-- The attempt a WAITING run is suspended in (kept while the run is QUEUED to resume): the runner holding it
-- resumes that same attempt; anyone else starts a new one, which replays from run_steps.
alter table runs add column suspended_attempt integer;
