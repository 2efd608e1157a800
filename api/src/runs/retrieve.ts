import type { RetrieveRunResponse, TaskRunError } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { notFound } from "../errors.js";
import { presentRunPacket } from "../packets/service.js";
import { decodePacket } from "./packets.js";
import { commonRunFields } from "./present.js";
import { describeCron } from "../schedules/cron/describe-cron.js";
import { selectAttempts, selectChildRuns, selectRun, selectSchedule, selectRunsByIds, type RunRow } from "./queries/select-runs.js";

const TRIGGER_FUNCTIONS = ["trigger", "triggerAndWait", "batchTrigger", "batchTriggerAndWait"] as const;

/** GET /api/v3/runs/:id: the run with decoded payload and output, attempts and related runs. 404 outside the env. */
export async function retrieveRun(deps: ApiDeps, environmentId: string, runId: string): Promise<RetrieveRunResponse> {
  const row = await selectRun(deps.sql, environmentId, runId);
  if (!row) throw notFound(`Run ${runId} not found in this environment`, "runId");
  const [attempts, related, children, schedule] = await Promise.all([
    selectAttempts(deps.sql, row.id),
    selectRunsByIds(deps.sql, environmentId, [row.parent_run_id, row.root_run_id].filter((id): id is string => id !== null)),
    selectChildRuns(deps.sql, environmentId, row.id),
    row.schedule_id ? selectSchedule(deps.sql, row.schedule_id) : undefined,
  ]);
  const byId = new Map(related.map((r) => [r.id, r]));
  const relatedRun = (r: RunRow | undefined) => (r ? { ...commonRunFields(r), depth: r.depth } : undefined);
  const triggerFunction = (TRIGGER_FUNCTIONS as readonly string[]).includes(row.trigger_function)
    ? (row.trigger_function as (typeof TRIGGER_FUNCTIONS)[number])
    : "trigger";
  return {
    ...commonRunFields(row),
    depth: row.depth,
    triggerFunction,
    batchId: row.batch_id ?? undefined,
    ...packetFields(deps, row),
    error: row.error ? (row.error as TaskRunError) : undefined,
    schedule: schedule
      ? {
          id: schedule.id,
          externalId: schedule.external_id ?? undefined,
          deduplicationKey: schedule.deduplication_key ?? undefined,
          generator: { type: "CRON" as const, expression: schedule.cron, description: describeCron(schedule.cron) },
        }
      : undefined,
    relatedRuns: {
      root: relatedRun(row.root_run_id ? byId.get(row.root_run_id) : undefined),
      parent: relatedRun(row.parent_run_id ? byId.get(row.parent_run_id) : undefined),
      children: children.map((c) => ({ ...commonRunFields(c), depth: c.depth })),
    },
    attemptCount: row.attempt_number,
    attempts: attempts.map((a) => ({
      id: a.id,
      number: a.number,
      status: a.status,
      startedAt: a.started_at,
      completedAt: a.completed_at ?? undefined,
      error: a.error ? (a.error as TaskRunError) : undefined,
    })),
    replayedFromId: row.replayed_from_id ?? undefined,
  };
}

/** Payload and output inline, or as presigned URLs when offloaded or 128 KiB and over (wire-format.md §3.2). */
function packetFields(deps: ApiDeps, row: RunRow) {
  const payload = presentRunPacket(deps, row, "payload", row.payload, row.payload_type);
  const output = presentRunPacket(deps, row, "output", row.output, row.output_type);
  return {
    ...(payload.inline ? { payload: decodePacket(row.payload, row.payload_type) } : { payloadPresignedUrl: payload.presignedUrl }),
    ...(output.inline ? { output: decodePacket(row.output, row.output_type) } : { outputPresignedUrl: output.presignedUrl }),
  };
}
