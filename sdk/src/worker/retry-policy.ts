import type { RetryOptions, RuntimeConfig, TaskRunExecution } from "../contracts/index.js";
import { DEFAULT_RETRY_OPTIONS } from "../retry/delay.js";
import type { RegisteredTask } from "../tasks/registry.js";

/**
 * The retry policy of an attempt: the api's resolved `execution.retry` over the task's over the config default
 * (without `execution.retry`, no retries in DEVELOPMENT unless `retries.enabledInDev`). The run's own maxAttempts
 * (a trigger option) wins over both.
 */
export function effectiveRetryPolicy(
  execution: TaskRunExecution,
  task: RegisteredTask,
  config: RuntimeConfig | undefined,
): Required<RetryOptions> {
  const { outOfMemory: _oom, ...taskRetry } = task.options.retry ?? {};
  const policy: Required<RetryOptions> = {
    ...DEFAULT_RETRY_OPTIONS,
    ...defined(config?.retries?.default ?? {}),
    ...defined(taskRetry),
    ...defined(execution.retry ?? {}),
  };
  if (!execution.retry && execution.environment.type === "DEVELOPMENT" && config?.retries?.enabledInDev !== true) policy.maxAttempts = 1;
  if (execution.run.maxAttempts !== undefined) policy.maxAttempts = execution.run.maxAttempts;
  return policy;
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
