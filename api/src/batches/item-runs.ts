import { ZodError, type z } from "zod";
import type { TriggerTaskOptions } from "@gantry/sdk/contracts";
import type { ApiDeps, AuthEnvironment } from "../context.js";
import { badRequest } from "../errors.js";
import { assertStoredPayload, STORE_TYPE } from "../packets/service.js";
import type { NewRun } from "../runs/queries/insert-runs.js";
import { newRunFromTrigger } from "../runs/trigger.js";

/** What an item's run takes from its batch. */
export interface BatchTarget {
  id: string;
  environment: AuthEnvironment;
  runCount: number;
  parentRunId: string | null;
  resumeParentOnCompletion: boolean;
}

export interface BatchItemInput {
  index: number;
  task: string;
  payload?: unknown;
  options?: TriggerTaskOptions;
}

export interface PreparedItem {
  index: number;
  run: NewRun;
  /** where errors about this item point (`items[3]`) */
  param: string;
}

/**
 * Builds an item's run through the trigger's own path (same option validation, same payload handling, an
 * offloaded `application/store` payload included), so a bad option is a 400 naming `<param>.options.<field>`
 * before anything is written. The batch decides parent and trigger function, never the item.
 */
export function prepareItem(deps: ApiDeps, batch: BatchTarget, item: BatchItemInput, param: string): PreparedItem {
  if (item.index >= batch.runCount) {
    throw badRequest(`Item index ${item.index} is past the batch's runCount (${batch.runCount}): indexes run 0…${batch.runCount - 1}`, `${param}.index`);
  }
  const { parentRunId: _p, resumeParentOnCompletion: _r, parentBatch: _b, ...options } = item.options ?? {};
  const run = newRunFromTrigger(deps, {
    taskId: item.task,
    body: { payload: item.payload, options },
    environment: batch.environment,
    parentRunId: batch.parentRunId ?? undefined,
    triggerFunction: batch.resumeParentOnCompletion ? "batchTriggerAndWait" : "batchTrigger",
    paramPrefix: `${param}.`,
  });
  return { index: item.index, run: { ...run, batchId: batch.id }, param };
}

/**
 * Offloaded payloads (`application/store`, wire-format.md §3.3) must have been uploaded, as for a trigger. Only
 * such items pay a read (each is at least 128 KiB, so a batch has few); before anything is written.
 */
export async function assertStoredItems(deps: ApiDeps, environmentId: string, items: PreparedItem[]): Promise<void> {
  await Promise.all(
    items
      .filter((item) => item.run.payloadType === STORE_TYPE)
      .map((item) => assertStoredPayload(deps, environmentId, item.run.payload ?? "", `${item.param}.payload`)),
  );
}

/** Parses one item with a contract schema; a failure is a 400 whose param starts with `param` (`items[3].options.delay`). */
export function parseItem<S extends z.ZodType>(schema: S, value: unknown, param: string, where = ""): z.infer<S> {
  try {
    return schema.parse(value);
  } catch (error) {
    if (!(error instanceof ZodError)) throw error;
    const issue = error.issues[0];
    const path = issue?.path.length ? `${param}.${issue.path.map(String).join(".")}` : param;
    throw badRequest(`${path}${where}: ${issue?.message ?? "invalid item"}`, path);
  }
}
