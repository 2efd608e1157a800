import { BatchWaitItem, type TaskRunError, type TriggerTaskRequestBody } from "../contracts/index.js";
import { apiClient } from "../client/config.js";
import { resolveIdempotencyKey } from "../client/idempotency.js";
import { packetClient, packetPathPrefix } from "../client/packet-client.js";
import { byteLength, offloadPacket, parsePacket, stringifyPacket } from "../client/packets.js";
import { triggerBodyOptions, type TriggerOptions } from "../client/trigger.js";
import { durableStep, waitpointOutput } from "./steps.js";
import type { AnyTask, TaskIdentifier, TaskOutput, TaskPayload } from "./task.js";

/** A child run's outcome: its output, or the error it failed with (after all its attempts). */
export type TaskRunResult<TIdentifier extends string = string, TOutput = unknown> =
  | { ok: true; id: string; taskIdentifier: TIdentifier; output: TOutput }
  | { ok: false; id: string; taskIdentifier: TIdentifier; error: unknown };

/** A promise of a child run's outcome that can also `.unwrap()`: the output, or throws SubtaskUnwrapError. */
export type TaskRunPromise<TIdentifier extends string, TOutput> = Promise<TaskRunResult<TIdentifier, TOutput>> & { unwrap(): Promise<TOutput> };

export interface BatchResult<TIdentifier extends string = string, TOutput = unknown> {
  /** the batch's id */
  id: string;
  runs: TaskRunResult<TIdentifier, TOutput>[];
}

/** Thrown by `.unwrap()` when the child run failed; `cause` is the child's error. */
export class SubtaskUnwrapError extends Error {
  constructor(
    readonly runId: string,
    readonly taskId: string,
    readonly cause: unknown,
  ) {
    super(`Error in ${taskId}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "SubtaskUnwrapError";
  }
}

/** The trigger body a child run is created with: the same options as `tasks.trigger` (large payloads offloaded). */
async function triggerBody(payload: unknown, options: TriggerOptions = {}): Promise<TriggerTaskRequestBody> {
  const encoded = stringifyPacket(payload);
  const packet = await offloadPacket(packetClient(apiClient()), encoded, packetPathPrefix());
  const idempotency = await resolveIdempotencyKey(options.idempotencyKey);
  // a child waited for runs on its parent's version unless told otherwise (the api fills it in)
  const raw = triggerBodyOptions(options, { packet, payloadSize: byteLength(encoded.data), ...(idempotency ? { idempotency } : {}), ...(options.version ? { lockToVersion: options.version } : {}) });
  const opts = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
  return { ...(packet.data !== undefined ? { payload: packet.data } : {}), options: opts as TriggerTaskRequestBody["options"] };
}

function childError(error: unknown): unknown {
  const e = error as Partial<TaskRunError> | undefined;
  if (!e || typeof e !== "object" || typeof e.message !== "string") return error;
  const out = new Error(e.message);
  out.name = e.name ?? (e.type === "INTERNAL_ERROR" && e.code ? e.code : "Error");
  if (e.stackTrace) out.stack = e.stackTrace;
  return out;
}

function withUnwrap<TIdentifier extends string, TOutput>(promise: Promise<TaskRunResult<TIdentifier, TOutput>>): TaskRunPromise<TIdentifier, TOutput> {
  return Object.assign(promise, {
    unwrap: async () => {
      const r = await promise;
      if (r.ok) return r.output;
      throw new SubtaskUnwrapError(r.id, r.taskIdentifier, r.error);
    },
  });
}

/**
 * Triggers a child run and waits for it. The parent is WAITING meanwhile (it holds no concurrency slot, so a
 * child on the parent's own queue never deadlocks it); the child runs on the parent's version.
 *
 * @example
 * const result = await tasks.triggerAndWait<typeof resize>("resize", { url });
 * if (result.ok) console.log(result.output); // or: const output = await resize.triggerAndWait({ url }).unwrap();
 */
export function triggerAndWait<TTask extends AnyTask>(
  taskId: TaskIdentifier<TTask>,
  payload: TaskPayload<TTask>,
  options?: TriggerOptions,
): TaskRunPromise<TaskIdentifier<TTask>, TaskOutput<TTask>> {
  return withUnwrap(
    (async () => {
      const trigger = await triggerBody(payload, options);
      const { response, result } = await durableStep("triggerAndWait()", { type: "task", taskId, trigger }, (r) => ({
        type: "task",
        runId: "childRunIds" in r ? (r.childRunIds?.[0] ?? "") : "",
      }));
      const id = "childRunIds" in response ? (response.childRunIds?.[0] ?? "") : "";
      if (!result) throw new Error("triggerAndWait(): the api gave no result");
      if (result.isError) return { ok: false as const, id, taskIdentifier: taskId, error: childError(waitpointOutput(result)) };
      return { ok: true as const, id, taskIdentifier: taskId, output: waitpointOutput(result) as TaskOutput<TTask> };
    })(),
  );
}

/**
 * Triggers many child runs (1..1000, any tasks) and waits for all of them; results come in item order.
 *
 * @example
 * const { runs } = await batch.triggerAndWait<typeof a | typeof b>([{ id: "a", payload: 1 }, { id: "b", payload: 2 }]);
 * for (const run of runs) if (run.ok) console.log(run.taskIdentifier, run.output);
 */
export async function batchTriggerAndWaitItems<TIdentifier extends string = string, TOutput = unknown>(
  items: Array<{ id: string; payload: unknown; options?: TriggerOptions }>,
): Promise<BatchResult<TIdentifier, TOutput>> {
  if (items.length === 0) return { id: "", runs: [] };
  const bodies = await Promise.all(items.map(async (item) => ({ taskId: item.id, trigger: await triggerBody(item.payload, item.options) })));
  const { response, result } = await durableStep("batchTriggerAndWait()", { type: "batch", items: bodies }, (r) => ({
    type: "batch",
    runIds: "childRunIds" in r ? (r.childRunIds ?? []) : [],
  }));
  if (!result) throw new Error("batchTriggerAndWait(): the api gave no result");
  const list = BatchWaitItem.array().parse(waitpointOutput(result));
  const runs = list.map((run): TaskRunResult<TIdentifier, TOutput> => {
    const taskIdentifier = run.taskIdentifier as TIdentifier;
    if (!run.ok) return { ok: false, id: run.id, taskIdentifier, error: childError(run.error) };
    const output = parsePacket({ ...(run.output !== undefined && run.output !== null ? { data: run.output } : {}), dataType: (run.outputType ?? "application/json") as never });
    return { ok: true, id: run.id, taskIdentifier, output: output as TOutput };
  });
  // the batch's id, as the reference's BatchResult has it (an api without `batchId` gave only the waitpoint's)
  const batchId = response.status !== "TOKEN" ? response.batchId : undefined;
  return { id: batchId ?? result.id, runs };
}

/**
 * Triggers many runs of one task and waits for all of them.
 *
 * @example
 * const { runs } = await tasks.batchTriggerAndWait<typeof resize>("resize", urls.map((url) => ({ payload: { url } })));
 */
export function batchTriggerAndWait<TTask extends AnyTask>(
  taskId: TaskIdentifier<TTask>,
  items: Array<{ payload: TaskPayload<TTask>; options?: TriggerOptions }>,
): Promise<BatchResult<TaskIdentifier<TTask>, TaskOutput<TTask>>> {
  return batchTriggerAndWaitItems(items.map((item) => ({ id: taskId, payload: item.payload, ...(item.options ? { options: item.options } : {}) })));
}

/**
 * `batch.triggerAndWait` (items name tasks by id) and `batch.triggerByTaskAndWait` (items name task objects).
 *
 * @example
 * const { runs } = await batch.triggerByTaskAndWait([{ task: resize, payload: { url } }, { task: notify, payload: { to } }]);
 */
export const batchWaits = {
  triggerAndWait: <TTask extends AnyTask>(items: Array<{ id: TaskIdentifier<TTask>; payload: TaskPayload<TTask>; options?: TriggerOptions }>) =>
    batchTriggerAndWaitItems<TaskIdentifier<TTask>, TaskOutput<TTask>>(items),
  triggerByTaskAndWait: (items: Array<{ task: AnyTask; payload: unknown; options?: TriggerOptions }>) =>
    batchTriggerAndWaitItems(items.map((item) => ({ id: item.task.id, payload: item.payload, ...(item.options ? { options: item.options } : {}) }))),
};
