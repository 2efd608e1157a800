import type { RequestOptions } from "../client/config.js";
import { triggerTask, type RunHandle, type TriggerOptions } from "../client/trigger.js";
import { batchTriggerTask } from "../client/batch.js";
import { batchTriggerAndWait, triggerAndWait } from "./child-runs.js";
import { addGlobalHook } from "./hooks.js";
import type { AnyTask, TaskIdentifier, TaskOutput, TaskPayload } from "./task.js";
import type {
  CancelHookFn,
  CatchErrorFn,
  CompleteHookFn,
  FailureHookFn,
  MiddlewareFn,
  StartHookFn,
  SuccessHookFn,
  WaitHookFn,
} from "./types.js";

type Named<F> = { (fn: F): void; (name: string, fn: F): void };
const hook =
  <K extends Parameters<typeof addGlobalHook>[0], F>(kind: K): Named<F> =>
  (nameOrFn: string | F, fn?: F) =>
    addGlobalHook(kind, nameOrFn as never, fn as never);

/**
 * Triggers a task by id, typed by the task (a type-only import keeps task code out of your backend).
 * Does not validate a schemaTask's payload client-side (use `myTask.trigger` for that).
 *
 * @example
 * import { tasks } from "@gantry/sdk";
 * import type { hello } from "./trigger/hello";
 * const handle = await tasks.trigger<typeof hello>("hello-world", { name: "Ada" }, { tags: ["demo"] });
 */
function trigger<TTask extends AnyTask>(
  id: TaskIdentifier<TTask>,
  payload: TaskPayload<TTask>,
  options?: TriggerOptions,
  requestOptions?: RequestOptions,
): Promise<RunHandle<TaskIdentifier<TTask>, TaskPayload<TTask>, TaskOutput<TTask>>> {
  return triggerTask(id, payload, options, requestOptions);
}

/**
 * `tasks.trigger`, plus global lifecycle hooks for every task (register them in init.ts). Each hook takes
 * an optional name; registering a name again replaces the earlier hook.
 *
 * @example
 * import { tasks, logger } from "@gantry/sdk";
 * tasks.onStartAttempt(({ ctx }) => logger.info("attempt", { n: ctx.attempt.number }));
 * tasks.middleware("timing", async ({ next }) => { const t = Date.now(); await next(); logger.info("took", { ms: Date.now() - t }); });
 * tasks.catchError(({ error }) => (error instanceof TypeError ? { skipRetrying: true } : undefined));
 */
export const tasks = {
  trigger,
  triggerAndWait,
  batchTriggerAndWait,
  batchTrigger: batchTriggerTask,
  middleware: hook<"middleware", MiddlewareFn>("middleware"),
  /** @deprecated global init: prefer middleware and locals */
  init: hook<"init", StartHookFn>("init"),
  onStart: hook<"onStart", StartHookFn>("onStart"),
  onStartAttempt: hook<"onStartAttempt", StartHookFn>("onStartAttempt"),
  onSuccess: hook<"onSuccess", SuccessHookFn>("onSuccess"),
  onFailure: hook<"onFailure", FailureHookFn>("onFailure"),
  onComplete: hook<"onComplete", CompleteHookFn>("onComplete"),
  onWait: hook<"onWait", WaitHookFn>("onWait"),
  onResume: hook<"onResume", WaitHookFn>("onResume"),
  onCancel: hook<"onCancel", CancelHookFn>("onCancel"),
  catchError: hook<"catchError", CatchErrorFn>("catchError"),
};
