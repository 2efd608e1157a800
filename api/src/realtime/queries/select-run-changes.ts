import type { RunStatus } from "@gantry/sdk/contracts";
import type { Db } from "../../db/sql.js";

/** What a realtime subscription follows. */
export type RunFilter =
  | { kind: "run"; runId: string }
  | { kind: "tags"; tags: string[]; createdAfter?: Date }
  | { kind: "batch"; batchId: string };

export interface RealtimeRunRow {
  id: string;
  task_identifier: string;
  status: RunStatus;
  payload: string | null;
  payload_type: string;
  output: string | null;
  output_type: string | null;
  error: unknown;
  metadata: unknown;
  tags: string[];
  idempotency_key: string | null;
  ttl: string | null;
  is_test: boolean;
  batch_id: string | null;
  attempt_number: number;
  usage_duration_ms: string;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  delay_until: Date | null;
  queued_at: Date | null;
  expired_at: Date | null;
  realtime_streams: string[];
  change_seq: string;
}

export const CHANGES_PAGE = 200;

/**
 * Runs of one environment matching `filter` whose change cursor is past `after`, oldest change first, at most
 * CHANGES_PAGE. `withPayloads: false` (public tokens that skip them, the SDK's skipColumns) leaves payload and
 * output out.
 */
export async function selectRunChanges(
  db: Db,
  environmentId: string,
  filter: RunFilter,
  after: bigint,
  withPayloads = true,
): Promise<RealtimeRunRow[]> {
  const cursor = after.toString();
  const payloadCols = withPayloads ? db`payload, output` : db`null::text as payload, null::text as output`;
  const where =
    filter.kind === "run"
      ? db`id = ${filter.runId}`
      : filter.kind === "batch"
        ? db`batch_id = ${filter.batchId}`
        : filter.createdAfter
          ? db`tags && ${filter.tags}::text[] and created_at >= ${filter.createdAfter}`
          : db`tags && ${filter.tags}::text[]`;
  return db<RealtimeRunRow[]>`
    select id, task_identifier, status, ${payloadCols}, payload_type, output_type, error, metadata, tags,
      idempotency_key, ttl, is_test, batch_id, attempt_number, usage_duration_ms::text as usage_duration_ms,
      created_at, updated_at, started_at, completed_at, delay_until, queued_at, expired_at, realtime_streams,
      change_seq::text as change_seq
    from runs
    where environment_id = ${environmentId} and ${where} and change_seq > ${cursor}::bigint
    order by change_seq
    limit ${CHANGES_PAGE}`;
}
