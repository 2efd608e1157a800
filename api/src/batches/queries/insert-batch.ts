import type { Db } from "../../db/sql.js";
import type { BatchRow } from "./batch-row.js";

export interface NewBatch {
  id: string;
  environmentId: string;
  projectId: string;
  runCount: number;
  taskIdentifiers: string[];
  idempotencyKey?: string;
  idempotencyKeyOptions?: unknown;
  requestIdempotencyKey?: string;
  parentRunId?: string;
  resumeParentOnCompletion: boolean;
}

/**
 * Inserts a batch; undefined when its idempotency key or request key is already taken (the caller then reads the
 * batch holding it: `selectBatchByKeys`).
 */
export async function insertBatch(db: Db, b: NewBatch): Promise<BatchRow | undefined> {
  const [row] = await db<BatchRow[]>`
    insert into batches (id, environment_id, project_id, run_count, task_identifiers, idempotency_key,
      idempotency_key_options, request_idempotency_key, parent_run_id, resume_parent_on_completion)
    values (${b.id}, ${b.environmentId}, ${b.projectId}, ${b.runCount}, ${db.array(b.taskIdentifiers)}::text[],
      ${b.idempotencyKey ?? null}, ${b.idempotencyKeyOptions === undefined ? null : JSON.stringify(b.idempotencyKeyOptions)}::jsonb,
      ${b.requestIdempotencyKey ?? null}, ${b.parentRunId ?? null}, ${b.resumeParentOnCompletion})
    on conflict do nothing
    returning *`;
  return row;
}
