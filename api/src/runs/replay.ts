import type { ReplayRunRequestBody, TriggerTaskOptions } from "@gantry/sdk/contracts";
import type { ApiDeps, AuthEnvironment } from "../context.js";
import { notFound } from "../errors.js";
import { selectRun } from "./queries/select-runs.js";
import { triggerRun } from "./trigger.js";

/**
 * POST /api/v1/runs/:id/replay: a new run of the same task with the original payload, tags and metadata
 * (each overridable), on the environment's current version unless `version` says otherwise.
 */
export async function replayRun(
  deps: ApiDeps,
  environment: AuthEnvironment,
  runId: string,
  overrides: ReplayRunRequestBody,
  requestIdempotencyKey?: string,
): Promise<{ id: string }> {
  const original = await selectRun(deps.sql, environment.id, runId);
  if (!original) throw notFound(`Run ${runId} not found in this environment`, "runId");
  const hasPayload = overrides.payload !== undefined;
  const options: TriggerTaskOptions = {
    payloadType: hasPayload ? overrides.payloadType : (original.payload_type as TriggerTaskOptions["payloadType"]),
    tags: overrides.tags ?? original.tags,
    metadata: overrides.metadata ?? original.metadata ?? undefined,
    queue: overrides.queue ? { name: overrides.queue } : undefined,
    concurrencyKey: overrides.concurrencyKey,
    machine: overrides.machine ?? (original.machine as TriggerTaskOptions["machine"]) ?? undefined,
    version: overrides.version,
    delay: overrides.delay,
    ttl: overrides.ttl,
    idempotencyKey: overrides.idempotencyKey,
    idempotencyKeyTTL: overrides.idempotencyKeyTTL,
    maxAttempts: overrides.maxAttempts,
    maxDuration: overrides.maxDuration,
    priority: overrides.priority,
    test: original.is_test,
  };
  const run = await triggerRun(deps, {
    taskId: original.task_identifier,
    body: { payload: hasPayload ? overrides.payload : (original.payload ?? undefined), options },
    environment,
    requestIdempotencyKey,
    replayedFromId: original.id,
  });
  return { id: run.id };
}
