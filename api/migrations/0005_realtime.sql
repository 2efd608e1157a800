-- Realtime (issue 5). A run's row is its own realtime record: every insert and update stamps it with the
-- next value of one sequence, so `change_seq` is a monotonic cursor over all run changes. A subscriber's SSE
-- event id is the change_seq it last saw; reconnecting with Last-Event-ID replays the current state of every
-- run it follows that changed since (state-based: intermediate states of one run collapse into the latest).
-- No extra per-run write: the stamp rides on the engine's own INSERT/UPDATE statements. An UPDATE that sets
-- `change_seq = nextval('runs_change_seq')` itself skips the trigger (its WHEN clause is evaluated without
-- calling PL/pgSQL): hot batched statements should do that; the trigger covers every other UPDATE.
create sequence runs_change_seq;
alter table runs add column change_seq bigint not null default nextval('runs_change_seq');

create function runs_stamp_change_seq() returns trigger language plpgsql as $$
begin
  new.change_seq := nextval('runs_change_seq');
  return new;
end
$$;
create trigger runs_stamp_change_seq before update on runs for each row
  when (new.change_seq is not distinct from old.change_seq)
  execute function runs_stamp_change_seq();

-- subscribeToBatch reads a batch's runs
create index runs_batch on runs (batch_id) where batch_id is not null;

-- One-time-use public access tokens (trigger tokens): a use is recorded here, in the record, so losing Redis
-- never makes a token usable twice. Rows past expires_at can be deleted at will.
create table public_token_uses (
  token_hash text primary key,
  environment_id text not null references environments(id) on delete cascade,
  expires_at timestamptz not null,
  used_at timestamptz not null default now()
);

-- Realtime streams (streams v2 / metadata.stream): chunks a run appends under a stream key, read live over
-- SSE and afterwards. `seq` is per (run, key), from 0; a chunk is text (usually one JSON value).
create table realtime_stream_chunks (
  run_id text not null references runs(id) on delete cascade,
  stream_key text not null,
  seq integer not null,
  data text not null,
  created_at timestamptz not null default now(),
  primary key (run_id, stream_key, seq)
);
