import type { ReplayRunRequestBody, TriggerTaskOptions } from "@gantry/sdk/contracts";
import type { ApiDeps, AuthEnvironment } from "../context.js";
import { ApiError, notFound } from "../errors.js";
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
    queue: overrides.queue !== undefined ? { name: overrides.queue } : undefined,
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
  try {
    const run = await triggerRun(deps, {
      taskId: original.task_identifier,
      body: { payload: hasPayload ? overrides.payload : (original.payload ?? undefined), options },
      environment,
      requestIdempotencyKey,
      replayedFromId: original.id,
    });
    return { id: run.id };
  } catch (error) {
    throw renameParam(error);
  }
}

/**
 * The trigger names its options `options.delay`, `options.queue.name`…; replay's body has them at the top
 * (`delay`, `queue`), so its errors name those.
 */
function renameParam(error: unknown): unknown {
  if (!(error instanceof ApiError) || !error.param?.startsWith("options.")) return error;
  const param = error.param === "options.queue.name" ? "queue" : error.param.slice("options.".length);
  return new ApiError(error.status, error.code, error.message.replaceAll(error.param, param), param, { cause: error, headers: error.headers });
}
