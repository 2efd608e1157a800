import { z } from "zod";
import { MachinePreset } from "./common.js";
import { TaskRetryOptions } from "./out-of-memory.js";
import { QueueRateLimit } from "./queues.js";

/** One task as found by indexing a bundle (registration, not exports: hidden tasks count). */
export const TaskManifest = z.object({
  id: z.string().min(1).max(128),
  filePath: z.string(),
  exportName: z.string().optional(),
  description: z.string().optional(),
  queue: z
    .object({
      name: z.string(),
      concurrencyLimit: z.number().int().min(0).optional(),
      totalConcurrencyLimit: z.number().int().min(0).optional(),
      rateLimit: QueueRateLimit.optional(),
      keyRateLimit: QueueRateLimit.optional(),
    })
    .optional(),
  /** backoff options plus `outOfMemory.machine` (deploy stores it with the task) */
  retry: TaskRetryOptions.optional(),
  /** seconds */
  maxDuration: z.number().int().min(0).optional(),
  machine: MachinePreset.optional(),
  /** "STANDARD" or "SCHEDULED" */
  triggerSource: z.enum(["STANDARD", "SCHEDULED"]).default("STANDARD"),
  schedule: z
    .object({ cron: z.string(), timezone: z.string().optional(), environments: z.array(z.string()).optional() })
    .optional(),
  /** JSON schema of a schemaTask's payload where the schema library can produce one */
  payloadSchema: z.unknown().optional(),
});
export type TaskManifest = z.infer<typeof TaskManifest>;

export const QueueManifest = z.object({
  name: z.string(),
  /** per concurrency key (the whole queue when runs have none) */
  concurrencyLimit: z.number().int().min(0).optional(),
  /** across all concurrency keys of the queue */
  totalConcurrencyLimit: z.number().int().min(0).optional(),
  /** runs started per period, the queue as a whole */
  rateLimit: QueueRateLimit.optional(),
  /** runs started per period, each concurrency key */
  keyRateLimit: QueueRateLimit.optional(),
});

/** Config values the runtime needs (defineConfig, minus `build`). */
export const RuntimeConfig = z.object({
  project: z.string(),
  retries: z
    .object({ enabledInDev: z.boolean().optional(), default: TaskRetryOptions.optional() })
    .optional(),
  maxDuration: z.number().int().min(0).optional(),
  machine: MachinePreset.optional(),
  processKeepAlive: z
    .union([z.boolean(), z.object({ enabled: z.boolean().optional(), maxExecutionsPerProcess: z.number().int().min(1).optional(), devMaxPoolSize: z.number().int().min(1).optional() })])
    .optional(),
  logLevel: z.enum(["debug", "info", "log", "warn", "error", "none"]).optional(),
});
export type RuntimeConfig = z.infer<typeof RuntimeConfig>;

/**
 * What `gantry deploy` (and the build worker) registers with a deployment. `entryPoint` names the
 * worker entry inside the artifact (see `Artifact`).
 */
export const BuildManifest = z.object({
  /** sha256 of the bundle's contents (what the runner caches by) */
  contentHash: z.string(),
  sdkVersion: z.string(),
  cliVersion: z.string().optional(),
  runtime: z.literal("node").default("node"),
  /** path of the worker entry inside the artifact, e.g. "index.mjs" */
  entryPoint: z.string(),
  config: RuntimeConfig,
  tasks: z.array(TaskManifest),
  queues: z.array(QueueManifest).default([]),
});
export type BuildManifest = z.infer<typeof BuildManifest>;

/** The artifact format: one JSON document holding the bundle's files (base64), content-addressed by sha256. */
export const Artifact = z.object({
  format: z.literal("gantry-artifact-v1"),
  files: z.record(z.string(), z.string()),
  manifest: BuildManifest,
});
export type Artifact = z.infer<typeof Artifact>;
