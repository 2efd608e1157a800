-- When a run that has not started yet expires (its `ttl` counted from when it became ready: the trigger, or the
-- end of its delay). The reconciler moves due ones to EXPIRED.
alter table runs add column ttl_expires_at timestamptz;
create index runs_ttl_due on runs (ttl_expires_at)
  where ttl_expires_at is not null and status in ('QUEUED', 'PENDING_VERSION');
