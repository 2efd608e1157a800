import { parseDurationMs, type BuildManifest } from "@gantry/sdk/contracts";
import type { Db as Sql } from "../../db/sql.js";

/** The default queue of a task without one: the reference's `task/<id>`. */
export const taskQueueName = (task: BuildManifest["tasks"][number]) => task.queue?.name ?? `task/${task.id}`;

/** Marks a building deployment DEPLOYED with its artifact, manifest and tasks. False if it was not building. */
export async function markDeployed(sql: Sql, id: string, artifactHash: string, manifest: BuildManifest, now: Date): Promise<boolean> {
  const rows = await sql`
    update deployments set status = 'DEPLOYED', artifact_hash = ${artifactHash}, content_hash = ${manifest.contentHash},
      manifest = ${sql.json(manifest as never)}, sdk_version = ${manifest.sdkVersion},
      cli_version = coalesce(${manifest.cliVersion ?? null}, cli_version), deployed_at = ${now}, updated_at = ${now}
    where id = ${id} and status in ('PENDING', 'BUILDING', 'DEPLOYING')
    returning id`;
  if (rows.length === 0) return false;
  const tasks = manifest.tasks;
  if (tasks.length > 0) {
    await sql`
      insert into tasks (deployment_id, slug, file_path, export_name, queue_name, retry, max_duration, machine, trigger_source, schedule, payload_schema)
      select ${id}, t.slug, t.file_path, t.export_name, t.queue_name, t.retry, t.max_duration, t.machine, t.trigger_source, t.schedule, t.payload_schema
      from jsonb_to_recordset(${sql.json(
        tasks.map((t) => ({
          slug: t.id,
          file_path: t.filePath,
          export_name: t.exportName ?? null,
          queue_name: taskQueueName(t),
          retry: t.retry ?? null,
          max_duration: t.maxDuration ?? null,
          machine: t.machine ?? null,
          trigger_source: t.triggerSource,
          schedule: t.schedule ?? null,
          payload_schema: t.payloadSchema ?? null,
        })) as never,
      )}) as t(slug text, file_path text, export_name text, queue_name text, retry jsonb, max_duration integer,
        machine text, trigger_source text, schedule jsonb, payload_schema jsonb)`;
  }
  return true;
}

/**
 * Creates the environment's queues a version declares (named queues and each task's queue) and applies their
 * declared concurrency limits.
 */
export async function upsertQueues(
  sql: Sql,
  environmentId: string,
  queues: { id: string; name: string; concurrencyLimit: number | null; totalConcurrencyLimit?: number | null; rateLimit?: QueueRateLimits | null }[],
): Promise<void> {
  if (queues.length === 0) return;
  await sql`
    insert into queues (id, environment_id, name, concurrency_limit, total_concurrency_limit, rate_limit)
    select q.id, ${environmentId}, q.name, q.concurrency_limit, q.total_concurrency_limit, q.rate_limit
    from jsonb_to_recordset(${sql.json(
      queues.map((q) => ({
        id: q.id,
        name: q.name,
        concurrency_limit: q.concurrencyLimit,
        total_concurrency_limit: q.totalConcurrencyLimit ?? null,
        rate_limit: q.rateLimit ?? null,
      })) as never,
    )})
      as q(id text, name text, concurrency_limit integer, total_concurrency_limit integer, rate_limit jsonb)
    on conflict (environment_id, name) do update
      set concurrency_limit = excluded.concurrency_limit, total_concurrency_limit = excluded.total_concurrency_limit,
        rate_limit = excluded.rate_limit, updated_at = now()
      where queues.concurrency_limit is distinct from excluded.concurrency_limit
        or queues.total_concurrency_limit is distinct from excluded.total_concurrency_limit
        or queues.rate_limit is distinct from excluded.rate_limit`;
}

/** `queues.rate_limit`: runs started per period, the queue as a whole and each concurrency key. */
export interface QueueRateLimits {
  queue?: { limit: number; periodMs: number };
  key?: { limit: number; periodMs: number };
}

/** A rate limit's period: milliseconds, or a duration ("10s", "1m"). */
function periodMs(period: number | string): number {
  const ms = typeof period === "number" ? period : parseDurationMs(period);
  if (ms === undefined || ms < 1) throw new Error(`rate limit period ${JSON.stringify(period)} is not a duration ("10s", "1m") or milliseconds`);
  return Math.round(ms);
}

/** The total cap and rate limits each queue declares (named queues, and tasks' own queue options), by name. */
export function queueFlowControl(manifest: BuildManifest): Map<string, { totalConcurrencyLimit: number | null; rateLimit: QueueRateLimits | null }> {
  const out = new Map<string, { totalConcurrencyLimit: number | null; rateLimit: QueueRateLimits | null }>();
  const declared = [...manifest.queues, ...manifest.tasks.flatMap((t) => (t.queue ? [{ ...t.queue, name: taskQueueName(t) }] : []))];
  for (const q of declared) {
    const rateLimit: QueueRateLimits = {};
    if (q.rateLimit) rateLimit.queue = { limit: q.rateLimit.limit, periodMs: periodMs(q.rateLimit.period) };
    if (q.keyRateLimit) rateLimit.key = { limit: q.keyRateLimit.limit, periodMs: periodMs(q.keyRateLimit.period) };
    const prev = out.get(q.name);
    out.set(q.name, {
      totalConcurrencyLimit: q.totalConcurrencyLimit ?? prev?.totalConcurrencyLimit ?? null,
      rateLimit: rateLimit.queue || rateLimit.key ? rateLimit : (prev?.rateLimit ?? null),
    });
  }
  return out;
}

export async function setCurrentDeployment(sql: Sql, environmentId: string, deploymentId: string): Promise<void> {
  await sql`update environments set current_deployment_id = ${deploymentId} where id = ${environmentId}`;
}

/** Marks a deployment failed (or canceled / timed out) unless it already finished. False if it had. */
export async function markFailed(
  sql: Sql,
  id: string,
  status: "FAILED" | "CANCELED" | "TIMED_OUT",
  error: unknown,
  now: Date,
): Promise<boolean> {
  const rows = await sql`
    update deployments set status = ${status}, error = ${sql.json(error as never)}, updated_at = ${now}
    where id = ${id} and status in ('PENDING', 'BUILDING', 'DEPLOYING')
    returning id`;
  return rows.length === 1;
}

/** Deployments still unfinished after `timeoutMs` since their last change become TIMED_OUT. Returns how many. */
export async function timeOutStaleDeployments(sql: Sql, timeoutMs: number, now: Date): Promise<number> {
  const rows = await sql`
    update deployments set status = 'TIMED_OUT', updated_at = ${now},
      error = ${sql.json({ message: `The deployment did not finish within ${Math.round(timeoutMs / 60_000)} minutes (GANTRY_DEPLOY_TIMEOUT_MS): deploy again` })}
    where status in ('PENDING', 'BUILDING', 'DEPLOYING') and updated_at < ${new Date(now.getTime() - timeoutMs)}
    returning id`;
  return rows.length;
}
