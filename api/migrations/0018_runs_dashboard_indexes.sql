-- The runs page at a million runs (issue 8) and tag subscriptions.
--
-- The runs list is keyset-paginated newest first on (created_at desc, id desc) within an environment. A filter
-- whose values are clustered in time (a version: its runs are the days it was current) or absent (a queue that
-- has no runs) made Postgres walk runs_environment_created until it found 25 matches, i.e. read the whole
-- environment. These give the version (resolved to deployment ids first) and queue filters their own ordered
-- range, so the page reads at most a page of index entries. A deployment belongs to one environment, so its id
-- needs no environment_id before it, and runs not yet locked (null) need no entry: a narrower index that every
-- run write pays less for (it also serves the `on delete set null` of a deleted deployment).
create index runs_locked_deployment on runs (locked_deployment_id, created_at desc, id desc)
  where locked_deployment_id is not null;
create index runs_environment_queue on runs (environment_id, queue_name, created_at desc, id desc);

-- A realtime tag subscription re-reads `change_seq > cursor` in its environment on every wake (every change in
-- the environment wakes it): without this, a common tag made that read a scan of the table. With it, the read
-- is a range over the environment's latest changes, filtered by tag.
create index runs_environment_change on runs (environment_id, change_seq);
