import { parseDurationMs, type TriggerTaskRequestBody } from "@gantry/sdk/contracts";
import type { ApiDeps, AuthEnvironment } from "../context.js";
import { createBatcher, type Batcher } from "../batching/batcher.js";
import { newId } from "../crypto/ids.js";
import { afterRunsReady } from "../engine/dispatch.js";
import { assertStoredPayload, STORE_TYPE } from "../packets/service.js";
import { publishRunChanges } from "../realtime/publish.js";
import { payloadPacket } from "./packets.js";
import { insertRuns, type InsertedRun, type NewRun } from "./queries/insert-runs.js";
import { delayUntil, idempotencyExpiry, metadataJson, normalizeTags, normalizeTtl } from "./trigger-options.js";

/** The reference's `ttl` default for dev runs; staging and prod runs have none unless given. */
const DEV_DEFAULT_TTL = "10m";

export interface TriggerInput {
  taskId: string;
  body: TriggerTaskRequestBody;
  environment: AuthEnvironment;
  /** `x-trigger-request-idempotency-key` */
  requestIdempotencyKey?: string;
  /** the run whose token made the request (child runs) */
  parentRunId?: string;
  triggerFunction?: string;
  replayedFromId?: string;
  /** prefixes the `param` of validation errors (a batch item: `items[3].` → `items[3].options.delay`) */
  paramPrefix?: string;
}

const batchers = new WeakMap<ApiDeps, Batcher<NewRun, InsertedRun>>();

function insertBatcher(deps: ApiDeps): Batcher<NewRun, InsertedRun> {
  let b = batchers.get(deps);
  if (!b) {
    b = createBatcher(async (runs) => {
      const inserted = await insertRuns(deps.sql, runs);
      // one announcement per flush, not awaited (realtime subscribers re-read the runs from Postgres)
      publishRunChanges(
        deps,
        inserted.flatMap((r, i) => (r.isCached ? [] : [{ runId: r.id, environmentId: runs[i]!.environmentId }])),
      );
      return inserted;
    });
    batchers.set(deps, b);
  }
  return b;
}

/** Builds the row for a trigger. Validation errors (400/413) throw before anything is written. */
export function newRunFromTrigger(deps: ApiDeps, input: TriggerInput): NewRun {
  const now = deps.clock();
  const options = input.body.options ?? {};
  const p = input.paramPrefix ?? "";
  const packet = payloadPacket(input.body.payload, options.payloadType, `${p}payload`);
  const env = input.environment;
  const delay = delayUntil(options.delay, now, `${p}options.delay`);
  // the reference's default: dev runs expire after 10 minutes without a `gantry dev` to take them
  const ttl = normalizeTtl(options.ttl, `${p}options.ttl`) ?? (env.type === "DEVELOPMENT" ? DEV_DEFAULT_TTL : undefined);
  const ttlMs = ttl === undefined ? undefined : parseDurationMs(ttl);
  return {
    id: newId("run"),
    environmentId: env.id,
    projectId: env.projectId,
    taskIdentifier: input.taskId,
    payload: packet.data,
    payloadType: packet.type,
    idempotencyKey: options.idempotencyKey,
    idempotencyKeyExpiresAt: options.idempotencyKey ? idempotencyExpiry(options.idempotencyKeyTTL, now, `${p}options.idempotencyKeyTTL`) : undefined,
    requestIdempotencyKey: input.requestIdempotencyKey,
    tags: normalizeTags(options.tags, `${p}options.tags`),
    metadata: metadataJson(options.metadata, `${p}options.metadata`),
    queueName: options.queue?.name,
    concurrencyKey: options.concurrencyKey,
    priorityMs: (options.priority ?? 0) * 1000,
    maxAttempts: options.maxAttempts,
    maxDuration: options.maxDuration,
    machine: options.machine,
    ttl,
    // `0` disables it, as in the reference
    ttlExpiresAt: ttlMs ? new Date((delay ?? now).getTime() + ttlMs) : undefined,
    delayUntil: delay,
    requestedVersion: options.lockToVersion ?? options.version,
    isTest: options.test ?? false,
    parentRunId: input.parentRunId ?? options.parentRunId,
    batchId: options.parentBatch,
    triggerFunction: input.triggerFunction ?? (options.resumeParentOnCompletion ? "triggerAndWait" : "trigger"),
    replayedFromId: input.replayedFromId,
  };
}

/**
 * Triggers a run: one batched insert (coalesced with concurrent triggers), then, after commit, the run is
 * handed to dispatch (BullMQ for deployed environments, the dev claim for dev ones) in the background.
 * Resolves once the run is committed: an acknowledged trigger is durable (invariant 2).
 */
export async function triggerRun(deps: ApiDeps, input: TriggerInput): Promise<InsertedRun> {
  const run = newRunFromTrigger(deps, input);
  // an offloaded payload (large payloads, wire-format.md §3.3) must have been uploaded: only such triggers pay a read
  if (run.payloadType === STORE_TYPE) {
    await assertStoredPayload(deps, run.environmentId, run.payload ?? "", `${input.paramPrefix ?? ""}payload`);
  }
  const inserted = await insertBatcher(deps).add(run);
  if (!inserted.isCached && (inserted.status === "QUEUED" || inserted.status === "DELAYED")) {
    // a delayed run waits in the concurrency gate until its placement's available time
    afterRunsReady(deps, [
      {
        runId: inserted.id,
        environmentId: input.environment.id,
        attemptNumberToStart: 1,
        placement: inserted.placement && { ...inserted.placement, concurrencyKey: run.concurrencyKey },
      },
    ]);
  }
  return inserted;
}

export async function drainTriggers(deps: ApiDeps): Promise<void> {
  await batchers.get(deps)?.drain();
}
