import type { AlertChannelType } from "@gantry/sdk/contracts";
import type { Db } from "../../db/sql.js";

export interface NewDelivery {
  id: string;
  channelId: string;
  projectId: string;
  eventType: string;
  subjectId: string;
  body: string;
}

/** One statement for any number of deliveries; a delivery already recorded for (channel, event, subject) is kept. */
export async function insertDeliveries(sql: Db, rows: NewDelivery[], maxAttempts: number): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await sql`
    insert into alert_deliveries (id, channel_id, project_id, event_type, subject_id, body, max_attempts)
    select id, channel_id, project_id, event_type, subject_id, body, ${maxAttempts}
    from unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.channelId)}::text[], ${rows.map((r) => r.projectId)}::text[],
      ${rows.map((r) => r.eventType)}::text[], ${rows.map((r) => r.subjectId)}::text[], ${rows.map((r) => r.body)}::text[])
      as t(id, channel_id, project_id, event_type, subject_id, body)
    on conflict (channel_id, event_type, subject_id) do nothing
    returning id`;
  return inserted.length;
}

export interface ClaimedDelivery {
  id: string;
  event_type: string;
  body: string;
  attempts: number;
  max_attempts: number;
  channel_type: AlertChannelType;
  target: string;
  secret_encrypted: string | null;
}

/**
 * Takes up to `limit` due deliveries (PENDING past their time, or DELIVERING whose claim lapsed because the
 * instance delivering them died): DELIVERING, one more attempt, claimed for `leaseMs`.
 */
export async function claimDueDeliveries(sql: Db, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  return sql<ClaimedDelivery[]>`
    with due as (
      select d.id from alert_deliveries d
      where d.status in ('PENDING', 'DELIVERING') and d.next_attempt_at <= now()
      order by d.next_attempt_at
      limit ${limit}
      for update skip locked
    )
    update alert_deliveries d set status = 'DELIVERING', attempts = d.attempts + 1,
      next_attempt_at = now() + make_interval(secs => ${leaseMs / 1000}), updated_at = now()
    from due, alert_channels c
    where d.id = due.id and c.id = d.channel_id
    returning d.id, d.event_type, d.body, d.attempts, d.max_attempts, c.type as channel_type, c.target, c.secret_encrypted`;
}

export async function markDelivered(sql: Db, id: string, attempts: number, statusCode: number | null): Promise<void> {
  await sql`
    update alert_deliveries set status = 'SUCCEEDED', delivered_at = now(), last_status_code = ${statusCode}, last_error = null, updated_at = now()
    where id = ${id} and status = 'DELIVERING' and attempts = ${attempts}`;
}

/** A failed attempt: PENDING again after `retryInMs`, or FAILED once the attempts are used up (retryInMs null). */
export async function markAttemptFailed(
  sql: Db,
  id: string,
  attempts: number,
  failure: { error: string; statusCode: number | null; retryInMs: number | null },
): Promise<void> {
  await sql`
    update alert_deliveries set
      status = ${failure.retryInMs === null ? "FAILED" : "PENDING"},
      next_attempt_at = case when ${failure.retryInMs === null} then next_attempt_at
        else now() + make_interval(secs => ${(failure.retryInMs ?? 0) / 1000}) end,
      last_error = ${failure.error.slice(0, 2000)}, last_status_code = ${failure.statusCode}, updated_at = now()
    where id = ${id} and status = 'DELIVERING' and attempts = ${attempts}`;
}

export interface DeliveryRow {
  id: string;
  channel_id: string;
  channel_name: string;
  event_type: string;
  subject_id: string;
  status: string;
  attempts: number;
  max_attempts: number;
  next_attempt_at: Date;
  last_error: string | null;
  last_status_code: number | null;
  created_at: Date;
  delivered_at: Date | null;
}

export async function selectRecentDeliveries(sql: Db, projectId: string, limit: number): Promise<DeliveryRow[]> {
  return sql<DeliveryRow[]>`
    select d.id, d.channel_id, c.name as channel_name, d.event_type, d.subject_id, d.status, d.attempts, d.max_attempts,
      d.next_attempt_at, d.last_error, d.last_status_code, d.created_at, d.delivered_at
    from alert_deliveries d join alert_channels c on c.id = d.channel_id
    where d.project_id = ${projectId}
    order by d.created_at desc, d.id desc
    limit ${limit}`;
}
