import type { RequestOptions } from "../client/config.js";
import { triggerTask, type RunHandle, type TriggerOptions } from "../client/trigger.js";
import { batchTriggerTask, type BatchRunHandle, type BatchTriggerOptions } from "../client/batch.js";
import { batchTriggerAndWait, SubtaskUnwrapError, triggerAndWait, type BatchResult, type TaskRunPromise } from "./child-runs.js";
import { registerTask } from "./registry.js";
import { getSchemaParseFn, type inferSchemaIn, type inferSchemaOut, type Schema } from "./schema.js";
import type { MaybePromise, QueueOptions, TaskOptions } from "./types.js";

/** A defined task: its id, and `trigger` to start a run of it. */
export interface Task<TIdentifier extends string = string, TInput = any, TOutput = any> {
  readonly id: TIdentifier;
  readonly description?: string;
  trigger(payload: TInput, options?: TriggerOptions, requestOptions?: RequestOptions): Promise<RunHandle<TIdentifier, TInput, TOutput>>;
  /** inside a task: triggers a child run and waits for its result (`.unwrap()` for the output or a throw) */
  triggerAndWait(payload: TInput, options?: TriggerOptions): TaskRunPromise<TIdentifier, TOutput>;
  /** triggers many runs of this task in one batch (each payload validated first for a schemaTask) */
  batchTrigger(
    items: Array<{ payload: TInput; options?: TriggerOptions }>,
    options?: BatchTriggerOptions,
    requestOptions?: RequestOptions,
  ): Promise<BatchRunHandle<TIdentifier, TInput, TOutput>>;
  /** inside a task: triggers many child runs and waits for all of them */
  batchTriggerAndWait(items: Array<{ payload: TInput; options?: TriggerOptions }>): Promise<BatchResult<TIdentifier, TOutput>>;
  /** type-only brand used by `tasks.trigger<typeof myTask>` */
  readonly __types?: { payload: TInput; output: TOutput };
}

export type AnyTask = Task<string, any, any>;
export type TaskIdentifier<T> = T extends Task<infer I, any, any> ? I : never;
export type TaskPayload<T> = T extends Task<string, infer P, any> ? P : never;
export type TaskOutput<T> = T extends Task<string, any, infer O> ? Awaited<O> : never;

/**
 * Defines a task. It registers itself when its file is imported (exported or not: hidden tasks count).
 *
 * @example
 * import { task } from "@gantry/sdk";
 * export const hello = task({
 *   id: "hello-world",
 *   retry: { maxAttempts: 3 },
 *   run: async (payload: { name: string }, { ctx }) => ({ greeting: `Hello ${payload.name}`, run: ctx.run.id }),
 * });
 */
export function task<TIdentifier extends string, TPayload = void, TOutput = unknown, TInit = unknown>(
  options: TaskOptions<TIdentifier, TPayload, TOutput, TInit>,
): Task<TIdentifier, TPayload, Awaited<TOutput>> {
  return defineTask(options, undefined, "STANDARD");
}

/** Options of `schemaTask`: a task's options plus `schema`. */
export type SchemaTaskOptions<TIdentifier extends string, S extends Schema, TOutput, TInit = unknown> = TaskOptions<
  TIdentifier,
  inferSchemaOut<S>,
  TOutput,
  TInit
> & { schema: S };

/**
 * Defines a task whose payload is validated by a schema (zod, yup, superstruct, ArkType, effect, runtypes,
 * valibot, typebox, Standard Schema, or a function). `myTask.trigger` validates before sending; the worker
 * validates again before every run and fails the run without retrying (`TaskPayloadParsedError`).
 *
 * @example
 * import { schemaTask } from "@gantry/sdk";
 * import { z } from "zod";
 * export const resize = schemaTask({
 *   id: "resize",
 *   schema: z.object({ url: z.string().url(), width: z.number().default(800) }),
 *   run: async ({ url, width }) => ({ url, width }),
 * });
 */
export function schemaTask<TIdentifier extends string, S extends Schema, TOutput = unknown, TInit = unknown>(
  options: SchemaTaskOptions<TIdentifier, S, TOutput, TInit>,
): Task<TIdentifier, inferSchemaIn<S>, Awaited<TOutput>> {
  const parse = getSchemaParseFn<inferSchemaOut<S>>(options.schema);
  return defineTask(options, parse, "STANDARD");
}

/**
 * Declares a queue that tasks can share (one concurrency limit for all of them). With a `concurrencyKey` at
 * trigger, each key gets its own copy of the limit; `totalConcurrencyLimit` caps all keys together, and
 * `rateLimit` / `keyRateLimit` bound how many runs start per period (the queue as a whole / each key).
 *
 * @example
 * import { queue, task } from "@gantry/sdk";
 * const emails = queue({ name: "emails", concurrencyLimit: 5 });
 * export const send = task({ id: "send-email", queue: emails, run: async () => {} });
 * // each tenant: 2 at once and 10 per minute; all tenants together: 20 at once
 * const tenants = queue({ name: "tenants", concurrencyLimit: 2, totalConcurrencyLimit: 20, keyRateLimit: { limit: 10, period: "1m" } });
 */
export function queue(options: QueueOptions & { name: string }): QueueOptions & { name: string } {
  return { ...options };
}

/** Registers the task and builds its handle (shared by task, schemaTask and schedules.task). */
export function defineTask<TIdentifier extends string, TInput, TOutput>(
  options: TaskOptions<TIdentifier, any, any, any>,
  parsePayload: ((payload: unknown) => Promise<unknown>) | undefined,
  triggerSource: "STANDARD" | "SCHEDULED",
  schedule?: { cron: string; timezone?: string; environments?: string[] },
): Task<TIdentifier, TInput, TOutput> {
  if (!options || typeof options.id !== "string" || options.id.length === 0) {
    throw new TypeError("task({ id, run }): `id` must be a non-empty string");
  }
  if (typeof options.run !== "function") throw new TypeError(`task "${options.id}": \`run\` must be a function`);
  registerTask({
    id: options.id,
    options,
    triggerSource,
    ...(parsePayload ? { parsePayload } : {}),
    ...(schedule ? { schedule } : {}),
  });
  const handle: Task<TIdentifier, TInput, TOutput> = {
    id: options.id,
    ...(options.description ? { description: options.description } : {}),
    async trigger(payload, triggerOptions, requestOptions) {
      // Validate client-side first; the parser's own error reaches the caller.
      if (parsePayload) await parsePayload(payload);
      return triggerTask<TIdentifier, TInput, TOutput>(options.id, payload, triggerOptions, requestOptions);
    },
    triggerAndWait(payload, triggerOptions) {
      const run = (async () => {
        if (parsePayload) await parsePayload(payload);
        return triggerAndWait<Task<TIdentifier, TInput, TOutput>>(options.id as never, payload as never, triggerOptions);
      })();
      return Object.assign(run, { unwrap: () => run.then((r) => (r.ok ? r.output : triggerAndWaitUnwrapError(r))) }) as never;
    },
    async batchTrigger(items, batchOptions, requestOptions) {
      if (parsePayload) for (const item of items) await parsePayload(item.payload);
      return batchTriggerTask<Task<TIdentifier, TInput, TOutput>>(options.id as never, items as never, batchOptions, requestOptions);
    },
    batchTriggerAndWait(items) {
      return batchTriggerAndWait<Task<TIdentifier, TInput, TOutput>>(options.id as never, items as never);
    },
  };
  return handle;
}

export type { MaybePromise };

function triggerAndWaitUnwrapError(r: { id: string; taskIdentifier: string; error?: unknown }): never {
  throw new SubtaskUnwrapError(r.id, r.taskIdentifier, r.error);
}
