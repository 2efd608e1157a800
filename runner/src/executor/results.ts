import { MACHINE_SPECS, outOfMemoryError, type TaskRunExecution, type TaskRunExecutionResult } from "@gantry/sdk/contracts";

type Failure = Extract<TaskRunExecutionResult, { ok: false }>;

function failure(
  execution: TaskRunExecution,
  outcome: NonNullable<Failure["outcome"]>,
  code: string,
  message: string,
  durationMs: number,
): Failure {
  return {
    ok: false,
    id: execution.run.id,
    error: { type: "INTERNAL_ERROR", code, message },
    outcome,
    skippedRetrying: outcome !== "FAILED",
    usage: { durationMs },
  };
}

/** How the runner knows an attempt's process ran out of memory: V8 reported its heap limit, or the RSS watch killed it. */
export type OutOfMemoryKind = "heap" | "rss";

const HEAP_OUT_OF_MEMORY = /heap out of memory|Reached heap limit|Allocation failed/i;

/** True for a stderr line with which V8 announces it reached the heap limit (the process then aborts). */
export function isHeapOutOfMemoryLine(line: string): boolean {
  return HEAP_OUT_OF_MEMORY.test(line);
}

/**
 * The worker process died during the attempt: CRASHED (not retried, as in the reference), unless it ran out of
 * memory: then the error is the reference's TASK_PROCESS_OOM_KILLED, which the api retries on the task's
 * `retry.outOfMemory.machine` when it has one.
 */
export function crashedResult(
  execution: TaskRunExecution,
  exit: { code: number | null; signal: NodeJS.Signals | null },
  stderrTail: string,
  durationMs: number,
  when = "during the attempt",
  outOfMemory?: OutOfMemoryKind,
): TaskRunExecutionResult {
  const how = exit.signal ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const tail = stderrTail ? `\n${stderrTail}` : "";
  const oom = outOfMemory ?? (isHeapOutOfMemoryLine(stderrTail) ? "heap" : undefined);
  if (oom) {
    const machine = execution.machine.name;
    const why =
      oom === "rss"
        ? `used more memory than the ${machine} machine has (${MACHINE_SPECS[machine].memoryGb} GB) and was killed`
        : `reached the JavaScript heap limit of the ${machine} machine`;
    return {
      ok: false,
      id: execution.run.id,
      error: outOfMemoryError(`The task's process ${why} ${when} (it ${how})${tail}`),
      outcome: "CRASHED",
      skippedRetrying: true,
      usage: { durationMs },
    };
  }
  const code =
    exit.signal === "SIGKILL"
      ? "TASK_PROCESS_SIGKILL"
      : exit.signal === "SIGSEGV"
        ? "TASK_PROCESS_SIGSEGV"
        : exit.signal === "SIGTERM"
          ? "TASK_PROCESS_SIGTERM"
          : "TASK_PROCESS_EXITED_WITH_NON_ZERO_CODE";
  return failure(execution, "CRASHED", code, `The task's process ${how} ${when}${tail}`, durationMs);
}

export function timedOutResult(execution: TaskRunExecution, maxDurationSeconds: number, durationMs: number): TaskRunExecutionResult {
  return failure(
    execution,
    "TIMED_OUT",
    "MAX_DURATION_EXCEEDED",
    `Run exceeded its maxDuration of ${maxDurationSeconds}s and was stopped: raise maxDuration on the task (or in gantry.config.ts) if it needs longer`,
    durationMs,
  );
}

export function canceledResult(execution: TaskRunExecution, durationMs: number): TaskRunExecutionResult {
  return failure(execution, "CANCELED", "TASK_RUN_CANCELLED", "Run was canceled", durationMs);
}

/** Something outside the task went wrong (the runner could not fetch the bundle, spawn a process, ...). */
export function systemFailureResult(execution: TaskRunExecution, message: string, durationMs = 0): TaskRunExecutionResult {
  return failure(execution, "SYSTEM_FAILURE", "RUNNER_SYSTEM_FAILURE", message, durationMs);
}

/**
 * An attempt suspended at a wait that its caller could not keep (no `onSuspended`): it was dropped. The run is
 * WAITING at the api, so reporting this result changes nothing (the completion is stale); on resume a new
 * attempt replays the run from its recorded waits.
 */
export function suspendedResult(execution: TaskRunExecution, durationMs: number): TaskRunExecutionResult {
  return failure(execution, "SYSTEM_FAILURE", "TASK_RUN_SUSPENDED", "The attempt was suspended at a wait and let go; the run resumes in a new attempt", durationMs);
}
