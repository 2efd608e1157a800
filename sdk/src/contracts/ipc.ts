import { z } from "zod";
import { TaskRunExecution, TaskRunExecutionResult } from "./execution.js";
import { BuildManifest, TaskManifest } from "./manifest.js";
import { LogEvent } from "./runner.js";
import { WaitpointResult } from "./waitpoints.js";

/**
 * Messages between the runner (parent) and a worker process (child, the bundle's entry,
 * `@gantry/sdk/worker`), over Node's IPC channel (`process.send`, JSON).
 *
 * Spawn: `node <artifactDir>/<entryPoint>` with env GANTRY_WORKER_MODE = "execute" | "index".
 * In "index" mode the child imports every task file, sends one `indexed` message and exits 0.
 */
export const ParentToWorker = z.discriminatedUnion("type", [
  z.object({ type: z.literal("execute"), execution: TaskRunExecution }),
  /** Cancel the attempt: abort its signal, run onCancel (up to 30 s), then it completes as CANCELED. */
  z.object({ type: z.literal("cancel"), runId: z.string() }),
  /** Finish in-flight work and exit. */
  z.object({ type: z.literal("shutdown") }),
  /** The suspended attempt's wait is over: continue it with the waitpoint's result (and a fresh run token). */
  z.object({ type: z.literal("resume"), runId: z.string(), attemptNumber: z.number(), runToken: z.string(), waitpoint: WaitpointResult }),
  /** Forget the suspended attempt (the run continues elsewhere, replaying from the record, or is over). */
  z.object({ type: z.literal("discard"), runId: z.string() }),
]);
export type ParentToWorker = z.infer<typeof ParentToWorker>;

export const WorkerToParent = z.discriminatedUnion("type", [
  /** Bundle loaded and tasks registered: ready for `execute`. */
  z.object({ type: z.literal("ready"), taskCount: z.number() }),
  z.object({ type: z.literal("indexed"), tasks: z.array(TaskManifest), config: BuildManifest.shape.config.optional() }),
  z.object({ type: z.literal("index_error"), error: z.object({ message: z.string(), stack: z.string().optional() }) }),
  z.object({ type: z.literal("completed"), runId: z.string(), attemptNumber: z.number(), result: TaskRunExecutionResult }),
  z.object({ type: z.literal("log"), event: LogEvent }),
  /** The attempt waits (the api has the run WAITING): it holds no slot until `resume`; the process may run others. */
  z.object({ type: z.literal("suspended"), runId: z.string(), attemptNumber: z.number() }),
]);
export type WorkerToParent = z.infer<typeof WorkerToParent>;
