import { z } from "zod";
import { EnvironmentType, MachinePreset, PacketType, TaskRunError } from "./common.js";
import { TaskRetryOptions } from "./out-of-memory.js";

/**
 * Everything an attempt needs, as the api hands it to a runner and the runner to the worker process.
 * `ctx` inside a task is built from this (the reference's context page).
 */
export const TaskRunExecution = z.object({
  task: z.object({ id: z.string(), filePath: z.string(), exportName: z.string().optional() }),
  attempt: z.object({ id: z.string(), number: z.number().int().min(1), startedAt: z.coerce.date(), status: z.literal("EXECUTING").default("EXECUTING") }),
  run: z.object({
    id: z.string(),
    payload: z.string().optional(),
    payloadType: PacketType,
    tags: z.array(z.string()),
    isTest: z.boolean(),
    createdAt: z.coerce.date(),
    startedAt: z.coerce.date(),
    idempotencyKey: z.string().optional(),
    maxAttempts: z.number().int().optional(),
    /** seconds */
    maxDuration: z.number().int().optional(),
    metadata: z.record(z.string(), z.unknown()).optional(),
    version: z.string(),
    durationMs: z.number().default(0),
    costInCents: z.number().default(0),
    baseCostInCents: z.number().default(0),
    parentTaskRunId: z.string().optional(),
    rootTaskRunId: z.string().optional(),
    depth: z.number().int().default(0),
    context: z.unknown().optional(),
  }),
  queue: z.object({ id: z.string(), name: z.string() }),
  environment: z.object({ id: z.string(), slug: z.string(), type: EnvironmentType, branchName: z.string().optional() }),
  organization: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  project: z.object({ id: z.string(), ref: z.string(), slug: z.string(), name: z.string() }),
  deployment: z.object({
    id: z.string(),
    shortCode: z.string(),
    version: z.string(),
    artifactHash: z.string(),
    entryPoint: z.string(),
    git: z.record(z.string(), z.unknown()).optional(),
    /** Container image of this version, where one was built (the docker executor runs it); else the bundle is mounted into a Node image. */
    imageReference: z.string().optional(),
  }),
  machine: z.object({ name: MachinePreset, cpu: z.number(), memory: z.number() }),
  /** The batch the run belongs to (`ctx.batch`), when it was triggered as a batch item. */
  batch: z.object({ id: z.string() }).optional(),
  /** Retry policy resolved by the api: task retry over config default; maxAttempts is the run's override if set. */
  retry: TaskRetryOptions.optional(),
  /** Environment variables for the attempt (the environment's, branch overrides applied). */
  env: z.record(z.string(), z.string()).default({}),
  /** Short-lived bearer token scoped to this run (child triggers, metadata, waits). */
  runToken: z.string(),
  apiUrl: z.string(),
});
export type TaskRunExecution = z.infer<typeof TaskRunExecution>;

/** The outcome an attempt reports. */
export const TaskRunExecutionResult = z.discriminatedUnion("ok", [
  z.object({
    ok: z.literal(true),
    id: z.string(),
    output: z.string().optional(),
    outputType: PacketType.default("application/json"),
    usage: z.object({ durationMs: z.number() }).optional(),
  }),
  z.object({
    ok: z.literal(false),
    id: z.string(),
    error: TaskRunError,
    /** The worker's verdict: retry after delayMs, or not at all (AbortTaskRunError, payload parse error, catchError skipRetrying). */
    retry: z.object({ timestamp: z.number(), delay: z.number() }).optional(),
    skippedRetrying: z.boolean().optional(),
    /**
     * What happened outside user code, set by the runner: the process died (CRASHED), maxDuration
     * (TIMED_OUT), the attempt was canceled (CANCELED), the runner itself failed (SYSTEM_FAILURE).
     */
    outcome: z.enum(["FAILED", "CRASHED", "TIMED_OUT", "CANCELED", "SYSTEM_FAILURE"]).optional(),
    usage: z.object({ durationMs: z.number() }).optional(),
  }),
]);
export type TaskRunExecutionResult = z.infer<typeof TaskRunExecutionResult>;
