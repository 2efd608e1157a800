import { parseDurationMs, type RunWaitRequest, type RunWaitResponse } from "@gantry/sdk/contracts";
import type { ApiDeps, AuthEnvironment } from "../context.js";
import { ApiError, badRequest, notFound } from "../errors.js";
import { newId } from "../crypto/ids.js";
import { dropLeases } from "../queue/leases.js";
import { publishRunChanges } from "../realtime/publish.js";
import { triggerBatch } from "../batches/trigger-batch.js";
import { triggerRun } from "../runs/trigger.js";
import { callbackUrl } from "./callback.js";
import { waitpointResult } from "./present.js";
import { completeForFinishedRuns } from "./resume.js";
import { releaseSlotsOfWaitingRuns } from "./slots.js";
import { wakeAt } from "./timers.js";
import { createToken, tokenPublicAccessToken } from "./tokens.js";
import { blockRunOnWaitpoint, insertRunStep, selectRunStep } from "./queries/run-steps.js";
import { completeBatchWaitpoints, completeWaitpoints, insertWaitpoint, selectRunWaitpoint, selectWaitpoint, type WaitpointRow } from "./queries/waitpoints.js";

/** A 409 the SDK must not retry (it retries 409s unless told otherwise): retrying cannot change the answer. */
const NO_RETRY = { headers: { "x-should-retry": "false" } };

export interface RunCaller {
  environment: AuthEnvironment;
  runId: string;
  attemptNumber: number;
}

/**
 * POST /api/v1/runs/{runId}/waits: the `step`-th durable step of a run's code. The record answers a step it
 * already has (an attempt replaying the run gets the same waitpoint, the same child runs, the same token);
 * otherwise the step is made and recorded. A wait whose waitpoint is complete continues at once; otherwise the
 * run goes EXECUTING → WAITING (fenced by the caller's attempt), drops its lease and releases its slot.
 */
export async function runWait(deps: ApiDeps, caller: RunCaller, req: RunWaitRequest): Promise<RunWaitResponse> {
  const { runId, attemptNumber, environment } = caller;
  const what = req.wait.type;
  const recorded = await selectRunStep(deps.sql, runId, req.step);
  if (recorded && recorded.what !== what) {
    throw new ApiError(
      409,
      "conflict",
      `Step ${req.step} of run ${runId} was a ${recorded.what} wait when the run first reached it, and is a ${what} now: ` +
        "the task's code must reach its waits in the same order on every attempt (see the SDK README, 'When code runs again')",
      "step",
      NO_RETRY,
    );
  }

  if (req.wait.type === "createToken") {
    // a run's token cannot sign the token's public access token (the SDK would for a secret key): the api does
    const publicAccessToken = (w: WaitpointRow) => tokenPublicAccessToken(deps, environment.id, w);
    if (recorded) {
      const id = recorded.waitpoint_id;
      return { status: "TOKEN", token: { id, isCached: true, url: tokenUrl(deps, id), publicAccessToken: publicAccessToken(recorded.waitpoint) } };
    }
    const token = await createToken(deps, environment, req.wait.token);
    await insertRunStep(deps.sql, { runId, step: req.step, kind: "TOKEN", what, waitpointId: token.id, attemptNumber });
    // a concurrent duplicate (the SDK retrying a request) recorded its own token first: answer with that one
    const kept = await selectRunStep(deps.sql, runId, req.step);
    const row = kept?.waitpoint ?? token.row;
    return { status: "TOKEN", token: { id: row.id, isCached: token.isCached || row.id !== token.id, url: tokenUrl(deps, row.id), publicAccessToken: publicAccessToken(row) } };
  }

  let waitpoint: WaitpointRow;
  let childRunIds: string[] | undefined;
  if (recorded) {
    waitpoint = recorded.waitpoint;
    childRunIds =
      waitpoint.kind === "RUN" && waitpoint.child_run_id ? [waitpoint.child_run_id] : waitpoint.kind === "BATCH" ? (waitpoint.batch_run_ids ?? []) : undefined;
  } else {
    const made = await makeWaitpoint(deps, caller, req);
    waitpoint = made.waitpoint;
    childRunIds = made.childRunIds;
    await insertRunStep(deps.sql, { runId, step: req.step, kind: "WAIT", what, waitpointId: waitpoint.id, attemptNumber });
    const kept = await selectRunStep(deps.sql, runId, req.step);
    if (kept && kept.waitpoint_id !== waitpoint.id) waitpoint = kept.waitpoint;
    // children that finished before the waitpoint existed completed no waitpoint: look now
    if (childRunIds && waitpoint.status === "PENDING") await completeForFinishedRuns(deps, childRunIds, { awaited: true });
  }

  const decision = await blockRunOnWaitpoint(deps.sql, runId, attemptNumber, req.step, waitpoint.id);
  const children = { ...(childRunIds ? { childRunIds } : {}), ...(waitpoint.kind === "BATCH" && waitpoint.batch_id ? { batchId: waitpoint.batch_id } : {}) };
  switch (decision.status) {
    case "COMPLETED":
      return { status: "COMPLETED", waitpoint: waitpointResult({ id: waitpoint.id, ...decision }), ...children };
    case "WAITING":
      publishRunChanges(deps, [{ runId, environmentId: environment.id }]);
      await Promise.all([dropLeases(deps, [runId]), releaseSlotsOfWaitingRuns(deps, [runId])]);
      return { status: "WAITING", waitpointId: waitpoint.id, ...children };
    case "STALE":
      throw new ApiError(409, "stale_attempt", `Attempt ${attemptNumber} of run ${runId} is no longer executing (canceled, finished or superseded)`, undefined, NO_RETRY);
  }
}

async function makeWaitpoint(deps: ApiDeps, caller: RunCaller, req: RunWaitRequest): Promise<{ waitpoint: WaitpointRow; childRunIds?: string[] }> {
  const { environment, runId } = caller;
  const base = { environmentId: environment.id, projectId: environment.projectId };
  const wait = req.wait;
  switch (wait.type) {
    case "duration": {
      // only a new step: a recorded one (a replay, after the date) answers as recorded, before this is reached
      if (wait.throwIfInThePast && wait.date.getTime() < deps.clock().getTime()) {
        throw badRequest(`Date is in the past: ${wait.date.toISOString()} (wait.until with throwIfInThePast)`, "wait.date");
      }
      let key: { idempotencyKey: string; idempotencyKeyExpiresAt: Date } | undefined;
      if (wait.idempotencyKey) {
        const ttl = wait.idempotencyKeyTTL === undefined ? 30 * 24 * 3600_000 : parseDurationMs(wait.idempotencyKeyTTL);
        if (ttl === undefined) throw badRequest(`Invalid idempotencyKeyTTL "${wait.idempotencyKeyTTL}"`, "wait.idempotencyKeyTTL");
        key = { idempotencyKey: wait.idempotencyKey, idempotencyKeyExpiresAt: new Date(deps.clock().getTime() + ttl) };
      }
      const { row, isCached } = await insertWaitpoint(deps.sql, { id: newId("waitpoint"), ...base, kind: "DATETIME", completedAfter: wait.date, ...key });
      if (isCached || row.status === "COMPLETED") return { waitpoint: row };
      if (wait.date.getTime() <= deps.clock().getTime()) {
        // already due: complete it now, so the run goes on without suspending
        await completeWaitpoints(deps.sql, [{ id: row.id, output: undefined, outputType: "application/json", isError: false }]);
        return { waitpoint: (await selectWaitpoint(deps.sql, environment.id, row.id)) ?? row };
      }
      wakeAt(deps, wait.date);
      return { waitpoint: row };
    }
    case "token": {
      const row = await selectWaitpoint(deps.sql, environment.id, wait.tokenId);
      if (!row || row.kind !== "MANUAL") throw notFound(`Waitpoint token ${wait.tokenId} not found in this environment`, "wait.tokenId");
      return { waitpoint: row };
    }
    case "task": {
      const child = await triggerRun(deps, {
        taskId: wait.taskId,
        body: { ...wait.trigger, options: { ...wait.trigger.options, parentRunId: runId, resumeParentOnCompletion: true } },
        environment,
        // the same child on a replay, even if the step was never recorded (the process died in between)
        requestIdempotencyKey: `gantry-step:${runId}:${req.step}`,
        parentRunId: runId,
        triggerFunction: "triggerAndWait",
      });
      const existing = await selectRunWaitpoint(deps.sql, child.id);
      if (existing) return { waitpoint: existing, childRunIds: [child.id] };
      const { row } = await insertWaitpoint(deps.sql, { id: newId("waitpoint"), ...base, kind: "RUN", childRunId: child.id });
      return { waitpoint: row, childRunIds: [child.id] };
    }
    case "batch": {
      // a batch of the batches module (batch.retrieve, runs.list({ batch }), realtime see it); the request key
      // derived from (run, step) gives a replayed step the same batch and runs, even if the step was never recorded
      const batch = await triggerBatch(deps, environment, {
        items: wait.items.map((item) => ({ task: item.taskId, payload: item.trigger.payload, options: item.trigger.options })),
        parentRunId: runId,
        resumeParentOnCompletion: true,
        requestIdempotencyKey: `gantry-step:${runId}:${req.step}`,
      });
      const { row } = await insertWaitpoint(deps.sql, { id: newId("waitpoint"), ...base, kind: "BATCH", batchId: batch.batchId, batchRunIds: batch.runs });
      await completeBatchWaitpoints(deps.sql, { batchIds: [batch.batchId] });
      return { waitpoint: (await selectWaitpoint(deps.sql, environment.id, row.id)) ?? row, childRunIds: batch.runs };
    }
    case "createToken":
      throw new Error("createToken is not a wait");
  }
}

function tokenUrl(deps: ApiDeps, id: string): string {
  return callbackUrl(deps.config, id);
}
