import type { Sql } from "postgres";
import type { RunStatus } from "@gantry/sdk/contracts";
import { col } from "../../batching/arrays.js";
import { sourcesOf } from "../../engine/transitions.js";

/** Retries when nothing configures them: the reference's "by default we retry 3 times". */
export const DEFAULT_MAX_ATTEMPTS = 3;

/** Which runs a start may take: named ones (runner, from BullMQ jobs) or the next ready ones of a dev env. */
export type StartSelection =
  | {
      kind: "ids";
      runIds: string[];
      scope: AttemptScope;
      /** EXECUTING runs among runIds whose lease is gone: they may start again as a new attempt (redrive) */
      leaseLost?: string[];
      /** ...if untouched for this long (covers the instant between a start's commit and its lease) */
      quietMs?: number;
      /**
       * QUEUED runs among runIds whose suspended attempt (at a wait) another runner holds, and that this start
       * may replay anyway (that runner is gone). Any other such run is left for its holder to resume in place.
       */
      replayAny?: string[];
    }
  | { kind: "claim"; environmentId: string; max: number };

/** Runner tokens act on runs of deployed (non-dev) environments; a dev secret key on its own env's runs. */
export type AttemptScope = { kind: "runner" } | { kind: "environment"; environmentId: string };

export interface StartedRunRow {
  id: string;
  environment_id: string;
  task_identifier: string;
  locked_deployment_id: string;
  attempt_number: number;
  attempt_id: string;
  attempt_started_at: Date;
  payload: string | null;
  payload_type: string;
  tags: string[];
  is_test: boolean;
  created_at: Date;
  started_at: Date;
  idempotency_key: string | null;
  max_attempts: number;
  max_duration: number | null;
  metadata: Record<string, unknown> | null;
  parent_run_id: string | null;
  root_run_id: string | null;
  depth: number;
  queue_name: string;
  machine: string | null;
  usage_duration_ms: string;
  /** the batch the run is an item of (`ctx.batch`) */
  batch_id: string | null;
  /** the attempt that was suspended at a wait when this start began a new one (a replay), else null */
  suspended_attempt: number | null;
}

/**
 * Starts attempts in one statement (PERFORMANCE.md, choice 4): picks the QUEUED (or DELAYED) runs that are due, locks
 * each to a deployment (its locked one, else the requested version, else the environment's current one),
 * creates the attempt rows, sets EXECUTING and attempt_number + 1, and resolves the effective max attempts
 * (run override, else the task's retry, else the config default; off in dev unless retries.enabledInDev).
 * A QUEUED run whose deployment lacks the task goes back to PENDING_VERSION. An EXECUTING run whose lease is
 * gone (its runner vanished; BullMQ hands the job to another runner) starts again as the next attempt, the lost
 * one marked SYSTEM_FAILURE, while it has an attempt to spare (max attempts + 1, as the reconciler allows).
 */
export async function startAttempts(sql: Sql, selection: StartSelection, runnerId: string): Promise<StartedRunRow[]> {
  // QUEUED runs, and DELAYED ones whose delay has passed (available_at = delay_until): ready either way
  const from = sourcesOf("EXECUTING").filter((s) => s === "QUEUED" || s === "DELAYED");
  const redrive = sourcesOf("EXECUTING").filter((s) => s === "EXECUTING");
  // Every statement here reaches runs by primary key (PERFORMANCE.md #2): `picked` walks the given ids and locks
  // each row in a lateral subquery (a subquery with FOR UPDATE is never flattened into a join), so the queued
  // backlog is never scanned, whatever the planner believes about the table's size.
  const runScope =
    selection.kind === "ids" && selection.scope.kind === "environment"
      ? sql`r.environment_id = ${selection.scope.environmentId}`
      : sql`exists (select 1 from environments e where e.id = r.environment_id and e.type <> 'DEVELOPMENT')`;
  // The same ids again as a redundant condition on each write's target: the planner then reaches runs and
  // attempts through their indexes instead of hashing a whole (possibly badly estimated) table.
  const runIds = selection.kind === "ids" ? col(sql, selection.runIds) : undefined;
  const onRuns = runIds ? sql`and r.id = any(${runIds}::text[])` : sql``;
  // Only a redrive (an EXECUTING run whose lease is gone) has an attempt still marked EXECUTING to close: a
  // QUEUED run's previous attempt was closed when it was re-queued, so plain starts skip this write entirely.
  const leaseLost = selection.kind === "ids" ? (selection.leaseLost ?? []) : [];
  const lost =
    leaseLost.length > 0
      ? sql`,
    lost as (
      update attempts a set status = 'SYSTEM_FAILURE', completed_at = now(),
        error = '{"type":"INTERNAL_ERROR","code":"RUNNER_LOST","message":"The runner executing this attempt stopped heartbeating"}'::jsonb
      from picked p where a.run_id = p.id and a.status = 'EXECUTING' and a.run_id = any(${col(sql, leaseLost)}::text[])
      returning a.id
    )`
      : sql``;
  const picked =
    selection.kind === "ids"
      ? sql`
        select r.* from unnest(${col(sql, selection.runIds)}::text[]) as x(id)
        cross join lateral (
          select r.id, r.task_identifier, r.max_attempts, r.environment_id, r.locked_deployment_id, r.requested_version
          from runs r
          where r.id = x.id
            and ((r.status = any(${col(sql, from)}::text[]) and r.available_at <= now())
              or (r.status = any(${col(sql, redrive)}::text[]) and r.id = any(${col(sql, selection.leaseLost ?? [])}::text[])
                and r.updated_at <= now() - ${selection.quietMs ?? 0} * interval '1 millisecond'
                and r.attempt_number < coalesce(r.max_attempts, 1) + 1))
            and ${runScope}
            -- a run suspended at a wait is resumed by the runner holding its attempt (resume-attempts.ts); the
            -- start replays it only when the caller is that runner (its process is gone) or it is named in replayAny
            and (r.suspended_attempt is null or r.id = any(${col(sql, selection.replayAny ?? [])}::text[])
              or exists (select 1 from attempts a where a.run_id = r.id and a.number = r.suspended_attempt and a.runner_id = ${runnerId}))
          -- NO KEY UPDATE: a row another statement references by foreign key (a child's waitpoint, a run's
          -- recorded wait) holds a KEY SHARE lock on it, which must not make this start skip the run
          for no key update of r skip locked
        ) r`
      : sql`
        select r.id, r.task_identifier, r.max_attempts, r.environment_id, r.locked_deployment_id, r.requested_version
        from runs r
        where r.environment_id = ${selection.environmentId} and r.status = any(${col(sql, from)}::text[]) and r.available_at <= now()
        order by r.created_at - make_interval(secs => r.priority_ms / 1000.0), r.id
        limit ${selection.max}
        for no key update of r skip locked`;
  return sql<StartedRunRow[]>`
    with picked as materialized (${picked}),
    target as (
      select p.id, p.task_identifier, p.max_attempts, e.type as env_type,
        coalesce(p.locked_deployment_id,
          case when p.requested_version is null then e.current_deployment_id else dv.id end) as deployment_id
      from picked p
      join environments e on e.id = p.environment_id
      left join deployments dv on p.requested_version is not null
        and dv.environment_id = p.environment_id and dv.version = p.requested_version
    ),
    config as materialized (
      select d.id, d.manifest #> '{config,retries}' as retries
      from deployments d where d.id in (select deployment_id from target)
    ),
    ok as (
      select tg.id, tg.deployment_id,
        'attempt_' || replace(gen_random_uuid()::text, '-', '') as attempt_id,
        coalesce(tg.max_attempts,
          case when tg.env_type = 'DEVELOPMENT' and coalesce((c.retries ->> 'enabledInDev')::boolean, false) = false then 1 end,
          (t.retry ->> 'maxAttempts')::int,
          (c.retries #>> '{default,maxAttempts}')::int,
          ${DEFAULT_MAX_ATTEMPTS}::int) as max_attempts
      from target tg
      join tasks t on t.deployment_id = tg.deployment_id and t.slug = tg.task_identifier
      join config c on c.id = tg.deployment_id
    ),
    upd as (
      update runs r set status = 'EXECUTING', attempt_number = r.attempt_number + 1,
        locked_deployment_id = ok.deployment_id, max_attempts = ok.max_attempts,
        started_at = coalesce(r.started_at, now()), updated_at = now()
      from ok where r.id = ok.id ${onRuns}
      returning r.*, ok.attempt_id
    )${lost},
    attempt as (
      insert into attempts (id, run_id, number, status, deployment_id, runner_id, started_at)
      select u.attempt_id, u.id, u.attempt_number, 'EXECUTING', u.locked_deployment_id, ${runnerId}, now()
      from upd u
      returning id
    ),
    pending as (
      update runs r set status = 'PENDING_VERSION', updated_at = now()
      from target tg
      where r.id = tg.id ${onRuns} and r.locked_deployment_id is null and tg.id not in (select id from ok)
        and r.status = any(${col(sql, sourcesOf("PENDING_VERSION"))}::text[])
      returning r.id
    )
    select u.id, u.environment_id, u.task_identifier, u.locked_deployment_id, u.attempt_number,
      u.attempt_id, now() as attempt_started_at, u.payload, u.payload_type, u.tags, u.is_test,
      u.created_at, u.started_at, u.idempotency_key, u.max_attempts, u.max_duration, u.metadata, u.parent_run_id,
      u.root_run_id, u.depth, u.queue_name, u.machine, u.usage_duration_ms, u.batch_id, u.suspended_attempt
    from upd u`;
}

/** Why runs could not be started (only asked for the ones that were not). */
export async function selectStartFailures(sql: Sql, runIds: string[]): Promise<Map<string, RunStatus>> {
  if (runIds.length === 0) return new Map();
  const rows = await sql<{ id: string; status: RunStatus }[]>`select id, status from runs where id = any(${col(sql, runIds)}::text[])`;
  return new Map(rows.map((r) => [r.id, r.status]));
}
