/**
 * Throw inside `run` (or a hook) to fail the attempt and the run at once, without retrying.
 *
 * @example
 * import { task, AbortTaskRunError } from "@gantry/sdk";
 * export const charge = task({
 *   id: "charge",
 *   run: async (payload: { cents: number }) => {
 *     if (payload.cents <= 0) throw new AbortTaskRunError("cents must be positive");
 *   },
 * });
 */
export class AbortTaskRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AbortTaskRunError";
  }
}

/**
 * The error a run fails with when a `schemaTask` payload does not pass its schema (never retried).
 * `cause` holds the schema library's own error.
 *
 * @example
 * import { TaskPayloadParsedError } from "@gantry/sdk";
 * if (error instanceof TaskPayloadParsedError) console.error(error.cause);
 */
export class TaskPayloadParsedError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "TaskPayloadParsedError";
  }
}

/**
 * Throw to report that the task ran out of memory (the reference's `OutOfMemoryError`).
 *
 * @example
 * import { OutOfMemoryError } from "@gantry/sdk";
 * if (process.memoryUsage().heapUsed > limit) throw new OutOfMemoryError();
 */
export class OutOfMemoryError extends Error {
  constructor() {
    super("TASK_PROCESS_OOM_KILLED. Your run was terminated due to exceeding the machine's memory limit.");
    this.name = "OutOfMemoryError";
  }
}
