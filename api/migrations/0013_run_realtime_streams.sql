-- Realtime streams a run has written to (the reference's TaskRun.realtimeStreams). A stream's first write adds
-- its key here; that UPDATE stamps the run's change_seq, so run subscribers (the official client's
-- `runs.subscribeToRun(id).withStreams()`, Gantry's `withStreams()`) learn of the new stream and start reading it.
alter table runs add column realtime_streams text[] not null default '{}';
