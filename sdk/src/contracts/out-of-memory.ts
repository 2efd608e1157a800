import { z } from "zod";
import { MachinePreset, RetryOptions, type TaskRunError } from "./common.js";

/** `retry.outOfMemory`: only an attempt that runs out of memory retries, on this (larger) machine. */
export const OutOfMemoryRetry = z.object({ machine: MachinePreset.optional() });
export type OutOfMemoryRetry = z.infer<typeof OutOfMemoryRetry>;

/** A task's retry settings (and the config's `retries.default`): the backoff options plus `outOfMemory`. */
export const TaskRetryOptions = RetryOptions.extend({ outOfMemory: OutOfMemoryRetry.optional() });
export type TaskRetryOptions = z.infer<typeof TaskRetryOptions>;

/** The code an attempt that ran out of memory fails with (the process's heap or RSS, or `OutOfMemoryError`). */
export const OUT_OF_MEMORY_ERROR_CODE = "TASK_PROCESS_OOM_KILLED";
/** The reference's message for it. */
export const OUT_OF_MEMORY_ERROR_MESSAGE =
  "TASK_PROCESS_OOM_KILLED. Your run was terminated due to exceeding the machine's memory limit. Try increasing the machine preset in your task options or replay using a larger machine.";

/**
 * Whether an attempt's error is an out-of-memory one: the runner's TASK_PROCESS_OOM_KILLED (or the reference's
 * TASK_PROCESS_MAYBE_OOM_KILLED), or an `OutOfMemoryError` the task threw (also as a worker older than this
 * classification reports it: a built-in error by that name).
 */
export function isOutOfMemoryError(error: TaskRunError): boolean {
  if (error.type === "INTERNAL_ERROR") return error.code === OUT_OF_MEMORY_ERROR_CODE || error.code === "TASK_PROCESS_MAYBE_OOM_KILLED";
  return error.type === "BUILT_IN_ERROR" && error.name === "OutOfMemoryError";
}

/** The error a run records for an out-of-memory attempt: the reference's code and message, details as the trace. */
export function outOfMemoryError(details?: string): TaskRunError {
  return { type: "INTERNAL_ERROR", code: OUT_OF_MEMORY_ERROR_CODE, message: OUT_OF_MEMORY_ERROR_MESSAGE, ...(details ? { stackTrace: details } : {}) };
}

// The reference's backoff, shared so that the api times an out-of-memory retry as the worker times the others.
export { calculateNextRetryDelay } from "../retry/delay.js";
