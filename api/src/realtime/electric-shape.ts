import type { RunStatus } from "@gantry/sdk/contracts";
import type { RealtimeRunRow } from "./queries/select-run-changes.js";

/**
 * The run row as the official client's realtime expects it (Electric's shape of the reference's TaskRun table:
 * `SubscribeRunRawShape` in @trigger.dev/core): raw status names, dates without the `Z` (the client appends it),
 * metadata as a JSON string.
 */
export function electricRunValue(row: RealtimeRunRow): Record<string, unknown> {
  const date = (d: Date | null) => (d ? d.toISOString().slice(0, -1) : null);
  return {
    id: row.id,
    friendlyId: row.id,
    taskIdentifier: row.task_identifier,
    status: RAW_STATUS[row.status],
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
    startedAt: date(row.started_at),
    delayUntil: date(row.delay_until),
    queuedAt: date(row.queued_at),
    expiredAt: date(row.expired_at),
    completedAt: date(row.completed_at),
    idempotencyKey: row.idempotency_key,
    number: 0,
    isTest: row.is_test,
    usageDurationMs: Number(row.usage_duration_ms),
    costInCents: 0,
    baseCostInCents: 0,
    ttl: row.ttl,
    payload: row.payload,
    payloadType: row.payload_type,
    metadata: row.metadata === null || row.metadata === undefined ? null : JSON.stringify(row.metadata),
    metadataType: row.metadata === null || row.metadata === undefined ? null : "application/json",
    output: row.output,
    outputType: row.output === null ? null : (row.output_type ?? "application/json"),
    runTags: row.tags,
    error: row.error ?? null,
    realtimeStreams: row.realtime_streams,
  };
}

/** Gantry's statuses → the reference's TaskRun statuses (the client maps them back). */
const RAW_STATUS: Record<RunStatus, string> = {
  PENDING_VERSION: "PENDING_VERSION",
  DELAYED: "DELAYED",
  QUEUED: "PENDING",
  DEQUEUED: "DEQUEUED",
  EXECUTING: "EXECUTING",
  WAITING: "WAITING_TO_RESUME",
  COMPLETED: "COMPLETED_SUCCESSFULLY",
  CANCELED: "CANCELED",
  FAILED: "COMPLETED_WITH_ERRORS",
  CRASHED: "CRASHED",
  SYSTEM_FAILURE: "SYSTEM_FAILURE",
  EXPIRED: "EXPIRED",
  TIMED_OUT: "TIMED_OUT",
};
