import type { RealtimeRunWire } from "@gantry/sdk/contracts";
import type { RealtimeRunRow } from "./queries/select-run-changes.js";

/** A run row as a realtime event (contracts/realtime.ts). */
export function realtimeRun(row: RealtimeRunRow): RealtimeRunWire {
  const metadata = row.metadata && typeof row.metadata === "object" && !Array.isArray(row.metadata) ? (row.metadata as Record<string, unknown>) : undefined;
  const error = row.error && typeof row.error === "object" ? (row.error as RealtimeRunWire["error"]) : undefined;
  return {
    id: row.id,
    taskIdentifier: row.task_identifier,
    status: row.status,
    ...(row.payload !== null ? { payload: row.payload, payloadType: row.payload_type } : {}),
    ...(row.output !== null ? { output: row.output, outputType: row.output_type ?? "application/json" } : {}),
    ...(metadata ? { metadata } : {}),
    ...(error ? { error } : {}),
    tags: row.tags,
    ...(row.idempotency_key ? { idempotencyKey: row.idempotency_key } : {}),
    ...(row.ttl ? { ttl: row.ttl } : {}),
    isTest: row.is_test,
    ...(row.batch_id ? { batchId: row.batch_id } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.started_at ? { startedAt: row.started_at } : {}),
    ...(row.completed_at ? { finishedAt: row.completed_at } : {}),
    ...(row.delay_until ? { delayedUntil: row.delay_until } : {}),
    ...(row.queued_at ? { queuedAt: row.queued_at } : {}),
    ...(row.expired_at ? { expiredAt: row.expired_at } : {}),
    durationMs: Number(row.usage_duration_ms),
    costInCents: 0,
    baseCostInCents: 0,
    attemptNumber: row.attempt_number,
    realtimeStreams: row.realtime_streams,
    seq: row.change_seq,
  };
}
