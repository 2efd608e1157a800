import type { RunStatus } from "@gantry/sdk/contracts";
import { col } from "../../batching/arrays.js";
import type { Db } from "../../db/sql.js";

export interface NewRun {
  id: string;
  environmentId: string;
  projectId: string;
  taskIdentifier: string;
  payload: string | undefined;
  payloadType: string;
  idempotencyKey?: string;
  idempotencyKeyExpiresAt?: Date;
  requestIdempotencyKey?: string;
  tags: string[];
  /** JSON text */
  metadata?: string;
  /** explicit queue; else the task's, else `task/<id>` */
  queueName?: string;
  concurrencyKey?: string;
  priorityMs: number;
  maxAttempts?: number;
  maxDuration?: number;
  machine?: string;
  ttl?: string;
  /** when the run expires if it has not started: the trigger (or the end of its delay) + ttl */
  ttlExpiresAt?: Date;
  delayUntil?: Date;
  requestedVersion?: string;
  isTest: boolean;
  parentRunId?: string;
  batchId?: string;
  triggerFunction: string;
  replayedFromId?: string;
}

export interface InsertedRun {
  id: string;
  status: RunStatus;
  attemptNumber: number;
  /** the run already existed (same idempotency key or request key) */
  isCached: boolean;
  /** a new run's place in the concurrency gate, as inserted (so dispatch need not read it back) */
  placement?: { queue: string; orderMs: number; availableAtMs: number };
}

/**
 * Inserts many runs in one statement. Each run's status is decided in SQL: DELAYED when its delay is in the
 * future, QUEUED when the target deployment (the requested version, else the environment's current one) has
 * the task, PENDING_VERSION otherwise. Conflicts on the idempotency indexes insert nothing; those items answer
 * with the run already holding the key. Keys past their TTL are released first, so they yield a new run.
 */
export async function insertRuns(sql: Db, runs: NewRun[]): Promise<InsertedRun[]> {
  // no transaction: the insert is one atomic statement, releasing expired keys first is harmless on its own,
  // and rows that won a conflict are committed (visible) by the time they are looked up
  const expiring = runs.filter((r) => r.idempotencyKey !== undefined);
  if (expiring.length > 0) {
    await sql`
      update runs r set idempotency_key = null, updated_at = now()
      from unnest(${col(sql, expiring.map((r) => r.environmentId))}::text[],
                  ${col(sql, expiring.map((r) => r.taskIdentifier))}::text[],
                  ${col(sql, expiring.map((r) => r.idempotencyKey))}::text[]) as k(environment_id, task_identifier, key)
      where r.environment_id = k.environment_id and r.task_identifier = k.task_identifier
        and r.idempotency_key = k.key and r.idempotency_key_expires_at <= now()`;
  }
  // Most triggers name no parent and no version: the environment's current deployment decides their task, and a
  // statement without the parent and version lookups costs Postgres far less to plan (every execution is
  // planned: db/sql.ts). Both forms insert the same rows.
  const plain = runs.every((r) => r.parentRunId === undefined && r.requestedVersion === undefined);
  const sources = plain
    ? sql`src as (
      select i.*, t.queue_name as task_queue, t.slug is not null as has_task,
        null::text as parent_id, null::text as root_id, 0 as depth, null::text as version
      from i
      join environments e on e.id = i.environment_id
      left join tasks t on t.slug = i.task_identifier and t.deployment_id = e.current_deployment_id
    )`
    : sql`
    -- a child that its parent waits for runs on the parent's version (triggerAndWait)
    withparent as (
      select i.id as input_id, p.id as parent_id, coalesce(p.root_run_id, p.id) as root_id,
        coalesce(p.depth + 1, 0) as depth,
        coalesce(i.requested_version,
          case when i.trigger_function in ('triggerAndWait', 'batchTriggerAndWait') then pd.version end) as version
      from i
      -- lateral + limit: never flattened into a join, so the parent is one primary-key lookup (none without a
      -- parent), never a scan of runs (PERFORMANCE.md #2)
      left join lateral (
        select p.id, p.root_run_id, p.depth, p.locked_deployment_id from runs p
        where i.parent_run_id is not null and p.id = i.parent_run_id and p.environment_id = i.environment_id
        limit 1
      ) p on true
      left join deployments pd on pd.id = p.locked_deployment_id
    ),
    src as (
      select i.*, t.queue_name as task_queue, t.slug is not null as has_task,
        w.parent_id, w.root_id, w.depth, w.version
      from i
      join withparent w on w.input_id = i.id
      join environments e on e.id = i.environment_id
      left join deployments dv on w.version is not null
        and dv.environment_id = i.environment_id and dv.version = w.version
      left join tasks t on t.slug = i.task_identifier
        and t.deployment_id = case when w.version is null then e.current_deployment_id else dv.id end
    )`;
  const inserted = await sql<{ id: string; status: RunStatus; attempt_number: number; queue_name: string; order_ms: number; available_at_ms: number }[]>`
    with i as (
      select * from unnest(
        ${col(sql, runs.map((r) => r.id))}::text[],
        ${col(sql, runs.map((r) => r.environmentId))}::text[],
        ${col(sql, runs.map((r) => r.projectId))}::text[],
        ${col(sql, runs.map((r) => r.taskIdentifier))}::text[],
        ${col(sql, runs.map((r) => r.payload))}::text[],
        ${col(sql, runs.map((r) => r.payloadType))}::text[],
        ${col(sql, runs.map((r) => r.idempotencyKey))}::text[],
        ${col(sql, runs.map((r) => r.idempotencyKeyExpiresAt))}::timestamptz[],
        ${col(sql, runs.map((r) => r.requestIdempotencyKey))}::text[],
        ${col(sql, runs.map((r) => (r.tags.length > 0 ? JSON.stringify(r.tags) : null)))}::text[],
        ${col(sql, runs.map((r) => r.metadata))}::text[],
        ${col(sql, runs.map((r) => r.queueName))}::text[],
        ${col(sql, runs.map((r) => r.concurrencyKey))}::text[],
        ${col(sql, runs.map((r) => r.priorityMs))}::int[],
        ${col(sql, runs.map((r) => r.maxAttempts))}::int[],
        ${col(sql, runs.map((r) => r.maxDuration))}::int[],
        ${col(sql, runs.map((r) => r.machine))}::text[],
        ${col(sql, runs.map((r) => r.ttl))}::text[],
        ${col(sql, runs.map((r) => r.ttlExpiresAt))}::timestamptz[],
        ${col(sql, runs.map((r) => r.delayUntil))}::timestamptz[],
        ${col(sql, runs.map((r) => r.requestedVersion))}::text[],
        ${col(sql, runs.map((r) => r.isTest))}::bool[],
        ${col(sql, runs.map((r) => r.parentRunId))}::text[],
        ${col(sql, runs.map((r) => r.batchId))}::text[],
        ${col(sql, runs.map((r) => r.triggerFunction))}::text[],
        ${col(sql, runs.map((r) => r.replayedFromId))}::text[]
      ) with ordinality as i(id, environment_id, project_id, task_identifier, payload, payload_type, idempotency_key,
        idempotency_key_expires_at, request_idempotency_key, tags_json, metadata, queue_name, concurrency_key,
        priority_ms, max_attempts, max_duration, machine, ttl, ttl_expires_at, delay_until, requested_version, is_test,
        parent_run_id, batch_id, trigger_function, replayed_from_id, ord)
    ),
    ${sources}
    insert into runs (id, environment_id, project_id, task_identifier, status, payload, payload_type,
      idempotency_key, idempotency_key_expires_at, request_idempotency_key, tags, metadata, queue_name,
      concurrency_key, priority_ms, max_attempts, max_duration, machine, ttl, ttl_expires_at, delay_until, requested_version,
      is_test, parent_run_id, root_run_id, depth, batch_id, trigger_function, replayed_from_id, queued_at, available_at)
    select id, environment_id, project_id, task_identifier,
      case when delay_until > now() then 'DELAYED' when has_task then 'QUEUED' else 'PENDING_VERSION' end,
      payload, payload_type, idempotency_key, idempotency_key_expires_at, request_idempotency_key,
      -- most runs have no tags: skip the per-row subquery for them
      case when tags_json is null then '{}'::text[] else array(select jsonb_array_elements_text(tags_json::jsonb)) end,
      metadata::jsonb,
      coalesce(queue_name, task_queue, 'task/' || task_identifier), concurrency_key, priority_ms, max_attempts,
      max_duration, machine, ttl, ttl_expires_at, delay_until, version, is_test, parent_id, root_id, depth, batch_id,
      trigger_function, replayed_from_id, now(), coalesce(delay_until, now())
    from src order by ord
    on conflict do nothing
    returning id, status, attempt_number, queue_name,
      (extract(epoch from queued_at) * 1000 - priority_ms)::float8 as order_ms,
      (extract(epoch from available_at) * 1000)::float8 as available_at_ms`;
  const byId = new Map(inserted.map((r) => [r.id, r]));
  const results: InsertedRun[] = [];
  for (const run of runs) {
    const row = byId.get(run.id);
    if (row) {
      results.push({
        id: row.id,
        status: row.status,
        attemptNumber: row.attempt_number,
        isCached: false,
        placement: { queue: row.queue_name, orderMs: row.order_ms, availableAtMs: row.available_at_ms },
      });
      continue;
    }
    const [existing] = await sql<{ id: string; status: RunStatus; attempt_number: number }[]>`
      select id, status, attempt_number from runs
      where environment_id = ${run.environmentId} and (
        request_idempotency_key = ${run.requestIdempotencyKey ?? null}
        or (task_identifier = ${run.taskIdentifier} and idempotency_key = ${run.idempotencyKey ?? null}))
      order by (request_idempotency_key = ${run.requestIdempotencyKey ?? null}) desc nulls last
      limit 1`;
    if (!existing) throw new Error(`run ${run.id} was neither inserted nor found by its idempotency keys`);
    results.push({ id: existing.id, status: existing.status, attemptNumber: existing.attempt_number, isCached: true });
  }
  return results;
}
