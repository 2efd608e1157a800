import { useCallback, useState } from "react";
import type { RunHandle } from "../client/trigger.js";
import type { AnyTask, TaskIdentifier, TaskOutput, TaskPayload } from "../tasks/task.js";
import type { RealtimeRun } from "../realtime/run.js";
import { triggerWithToken, type BrowserTriggerOptions } from "./browser-trigger.js";
import { useRealtimeRun, type RealtimeHookOptions } from "./use-realtime-run.js";

export interface TaskTriggerHookOptions {
  /** a trigger token: `auth.createTriggerPublicToken(taskId)` */
  accessToken: string;
  baseURL?: string;
}

export interface TaskTriggerState<TTask extends AnyTask> {
  submit(payload: TaskPayload<TTask>, options?: BrowserTriggerOptions): Promise<RunHandle<TaskIdentifier<TTask>, TaskPayload<TTask>, TaskOutput<TTask>> | undefined>;
  handle: RunHandle<TaskIdentifier<TTask>, TaskPayload<TTask>, TaskOutput<TTask>> | undefined;
  isLoading: boolean;
  error: Error | undefined;
}

/**
 * Triggers a task from the browser with a trigger token.
 *
 * @example
 * const { submit, handle, isLoading } = useTaskTrigger<typeof sendEmail>("send-email", { accessToken: triggerToken, baseURL });
 * <button onClick={() => submit({ to: "a@b.c" })} disabled={isLoading}>Send</button>
 */
export function useTaskTrigger<TTask extends AnyTask>(taskId: TaskIdentifier<TTask>, options: TaskTriggerHookOptions): TaskTriggerState<TTask> {
  const [handle, setHandle] = useState<TaskTriggerState<TTask>["handle"]>();
  const [isLoading, setLoading] = useState(false);
  const [error, setError] = useState<Error>();
  const submit = useCallback(
    async (payload: TaskPayload<TTask>, triggerOptions?: BrowserTriggerOptions) => {
      setLoading(true);
      setError(undefined);
      try {
        const h = await triggerWithToken<TaskPayload<TTask>, TaskOutput<TTask>>(taskId, payload, options, triggerOptions);
        const typed = h as unknown as NonNullable<TaskTriggerState<TTask>["handle"]>;
        setHandle(typed);
        return typed;
      } catch (e) {
        setError(e instanceof Error ? e : new Error(String(e)));
        return undefined;
      } finally {
        setLoading(false);
      }
    },
    [taskId, options.accessToken, options.baseURL],
  );
  return { submit, handle, isLoading, error };
}

/**
 * Triggers a task and follows the new run live.
 *
 * @example
 * const { submit, run } = useRealtimeTaskTrigger<typeof resize>("resize", { accessToken: triggerToken, baseURL });
 */
export function useRealtimeTaskTrigger<TTask extends AnyTask>(
  taskId: TaskIdentifier<TTask>,
  options: TaskTriggerHookOptions & Omit<RealtimeHookOptions, "accessToken">,
): TaskTriggerState<TTask> & { run: RealtimeRun<TTask> | undefined; stop(): void } {
  const trigger = useTaskTrigger<TTask>(taskId, options);
  const realtime = useRealtimeRun<TTask>(trigger.handle?.id, {
    ...(trigger.handle?.publicAccessToken ? { accessToken: trigger.handle.publicAccessToken } : {}),
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    enabled: trigger.handle !== undefined,
  });
  return { ...trigger, run: realtime.run, error: trigger.error ?? realtime.error, stop: realtime.stop };
}
