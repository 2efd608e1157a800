-- Flow control (the concurrency gate, api/src/queue/README.md). Postgres keeps what the gate's Redis state is
-- re-derived from: each environment's burst factor (the environment may run base × factor at once, one queue at
-- most the base), each queue's optional total cap across its concurrency keys, and its rate limits
-- (`rate_limit` already exists: {"queue": {"limit", "periodMs"}, "key": {"limit", "periodMs"}}).
alter table environments add column concurrency_burst_factor real not null default 2.0
  check (concurrency_burst_factor >= 1);
alter table queues add column total_concurrency_limit integer
  check (total_concurrency_limit is null or total_concurrency_limit >= 0);
-- when the queue was paused (null while it runs)
alter table queues add column paused_at timestamptz;
-- a limit set through the API (queues.overrideConcurrencyLimit) wins over the declared one until reset;
-- deploys keep updating the declared `concurrency_limit` underneath
alter table queues add column concurrency_limit_override integer
  check (concurrency_limit_override is null or concurrency_limit_override >= 0);
alter table queues add column concurrency_limit_overridden_at timestamptz;
