import type { ListRunItem, RunStatus } from "@gantry/sdk/contracts";
import { FAILED_RUN_STATUSES } from "@gantry/sdk/contracts";
import type { RunRow } from "./queries/select-runs.js";

const QUEUED: readonly RunStatus[] = ["PENDING_VERSION", "DELAYED", "QUEUED", "DEQUEUED"];

/** The fields retrieve and list share (wire-format.md §3.2). */
export function commonRunFields(row: RunRow) {
  const metadata = row.metadata && typeof row.metadata === "object" && !Array.isArray(row.metadata) ? row.metadata : undefined;
  return {
    id: row.id,
    status: row.status,
    taskIdentifier: row.task_identifier,
    idempotencyKey: row.idempotency_key ?? undefined,
    version: row.version ?? undefined,
    isQueued: QUEUED.includes(row.status),
    isExecuting: row.status === "EXECUTING",
    isWaiting: row.status === "WAITING",
    isCompleted: row.completed_at !== null || isFinalStatus(row.status),
    isSuccess: row.status === "COMPLETED",
    isFailed: FAILED_RUN_STATUSES.includes(row.status),
    isCancelled: row.status === "CANCELED",
    isTest: row.is_test,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at ?? undefined,
    finishedAt: row.completed_at ?? undefined,
    delayedUntil: row.delay_until ?? undefined,
    ttl: row.ttl ?? undefined,
    expiredAt: row.expired_at ?? undefined,
    tags: row.tags,
    metadata,
    costInCents: 0,
    baseCostInCents: 0,
    durationMs: Number(row.usage_duration_ms),
    machine: row.machine ?? undefined,
  };
}

function isFinalStatus(status: RunStatus): boolean {
  return status === "COMPLETED" || status === "CANCELED" || FAILED_RUN_STATUSES.includes(status);
}

export function listItem(row: RunRow): ListRunItem {
  return {
    ...commonRunFields(row),
    env: { id: row.environment_id, name: row.environment_slug, ...(row.environment_user ? { user: row.environment_user } : {}) },
  };
}
