import { z } from "zod";
import { EnvironmentType, RunStatus } from "./common.js";

/** The alert events of the reference (its alerts page and `webhooks.constructEvent`). */
export const ALERT_EVENT_TYPES = ["alert.run.failed", "alert.deployment.success", "alert.deployment.failed"] as const;
export const AlertEventType = z.enum(ALERT_EVENT_TYPES);
export type AlertEventType = z.infer<typeof AlertEventType>;

export const ALERT_CHANNEL_TYPES = ["WEBHOOK", "SLACK", "EMAIL"] as const;
export const AlertChannelType = z.enum(ALERT_CHANNEL_TYPES);
export type AlertChannelType = z.infer<typeof AlertChannelType>;

/** Header carrying the hex HMAC-SHA256 of the raw body, keyed by the channel's secret (the reference's name). */
export const ALERT_SIGNATURE_HEADER = "x-trigger-signature-hmacsha256";
export const ALERT_WEBHOOK_VERSION = "2025-01-01";

/** The reference's INTERNAL_ERROR codes (what `webhooks.constructEvent` of the official SDK accepts). */
export const INTERNAL_ERROR_CODES = [
  "COULD_NOT_FIND_EXECUTOR", "COULD_NOT_FIND_TASK", "COULD_NOT_IMPORT_TASK", "CONFIGURED_INCORRECTLY", "TASK_ALREADY_RUNNING",
  "TASK_EXECUTION_FAILED", "TASK_EXECUTION_ABORTED", "TASK_PROCESS_EXITED_WITH_NON_ZERO_CODE", "TASK_PROCESS_SIGKILL_TIMEOUT",
  "TASK_PROCESS_SIGSEGV", "TASK_PROCESS_SIGTERM", "TASK_PROCESS_OOM_KILLED", "TASK_PROCESS_MAYBE_OOM_KILLED", "TASK_RUN_CANCELLED",
  "TASK_INPUT_ERROR", "TASK_OUTPUT_ERROR", "TASK_MIDDLEWARE_ERROR", "HANDLE_ERROR_ERROR", "GRACEFUL_EXIT_TIMEOUT",
  "TASK_RUN_HEARTBEAT_TIMEOUT", "TASK_RUN_CRASHED", "TASK_RUN_UNCAUGHT_EXCEPTION", "MAX_DURATION_EXCEEDED", "DISK_SPACE_EXCEEDED",
  "POD_EVICTED", "POD_UNKNOWN_ERROR", "TASK_HAS_N0_EXECUTION_SNAPSHOT", "TASK_DEQUEUED_INVALID_STATE", "TASK_DEQUEUED_QUEUE_NOT_FOUND",
  "TASK_RUN_DEQUEUED_MAX_RETRIES", "TASK_RUN_STALLED_EXECUTING", "TASK_RUN_STALLED_EXECUTING_WITH_WAITPOINTS", "OUTDATED_SDK_VERSION",
  "TASK_DID_CONCURRENT_WAIT", "RECURSIVE_WAIT_DEADLOCK", "BATCH_ITEM_COULD_NOT_TRIGGER", "PAYLOAD_TOO_LARGE", "UNSPECIFIED_ERROR",
] as const;

/** A run's error in the reference's discriminated shape (alert payloads only; runs keep their own). */
export const AlertRunError = z.discriminatedUnion("type", [
  z.object({ type: z.literal("BUILT_IN_ERROR"), name: z.string(), message: z.string(), stackTrace: z.string() }),
  z.object({ type: z.literal("CUSTOM_ERROR"), raw: z.string() }),
  z.object({ type: z.literal("STRING_ERROR"), raw: z.string() }),
  z.object({ type: z.literal("INTERNAL_ERROR"), code: z.enum(INTERNAL_ERROR_CODES), message: z.string().optional(), stackTrace: z.string().optional() }),
]);
export type AlertRunError = z.infer<typeof AlertRunError>;

const AlertEnvironment = z.object({ id: z.string(), type: EnvironmentType, slug: z.string(), branchName: z.string().optional() });
const AlertOrganization = z.object({ id: z.string(), slug: z.string(), name: z.string() });
const AlertProject = z.object({ id: z.string(), ref: z.string(), slug: z.string(), name: z.string() });
const AlertGit = z.object({
  branch: z.string(),
  commitSha: z.string(),
  commitMessage: z.string(),
  commitUrl: z.string(),
  branchUrl: z.string(),
  pullRequestNumber: z.number().optional(),
  pullRequestTitle: z.string().optional(),
  pullRequestUrl: z.string().optional(),
  provider: z.string().optional(),
});
const AlertDeployment = { id: z.string(), status: z.string(), version: z.string(), shortCode: z.string() };

export const AlertRunFailedObject = z.object({
  task: z.object({
    id: z.string(),
    filePath: z.string(),
    exportName: z.string().optional(),
    version: z.string(),
    sdkVersion: z.string(),
    cliVersion: z.string(),
  }),
  run: z.object({
    id: z.string(),
    number: z.number(),
    status: RunStatus,
    createdAt: z.coerce.date(),
    startedAt: z.coerce.date().optional(),
    completedAt: z.coerce.date().optional(),
    isTest: z.boolean(),
    idempotencyKey: z.string().optional(),
    tags: z.array(z.string()),
    error: AlertRunError,
    isOutOfMemoryError: z.boolean(),
    machine: z.string(),
    dashboardUrl: z.string(),
  }),
  environment: AlertEnvironment,
  organization: AlertOrganization,
  project: AlertProject,
});

export const AlertDeploymentSuccessObject = z.object({
  environment: AlertEnvironment,
  organization: AlertOrganization,
  project: AlertProject,
  git: AlertGit.optional(),
  deployment: z.object({ ...AlertDeployment, deployedAt: z.coerce.date() }),
  tasks: z.array(z.object({ id: z.string(), filePath: z.string(), exportName: z.string().optional(), triggerSource: z.string() })),
});

export const AlertDeploymentFailedObject = z.object({
  environment: AlertEnvironment,
  organization: AlertOrganization,
  project: AlertProject,
  git: AlertGit.optional(),
  deployment: z.object({ ...AlertDeployment, failedAt: z.coerce.date() }),
  error: z.object({ name: z.string(), message: z.string(), stack: z.string().optional(), stderr: z.string().optional() }),
});

const common = { id: z.string(), created: z.coerce.date(), webhookVersion: z.string() };

/** An alert webhook's body, as `webhooks.constructEvent` returns it. */
export const AlertWebhook = z.discriminatedUnion("type", [
  z.object({ ...common, type: z.literal("alert.run.failed"), object: AlertRunFailedObject }),
  z.object({ ...common, type: z.literal("alert.deployment.success"), object: AlertDeploymentSuccessObject }),
  z.object({ ...common, type: z.literal("alert.deployment.failed"), object: AlertDeploymentFailedObject }),
]);
export type AlertWebhook = z.infer<typeof AlertWebhook>;

const environmentTypes = z.array(EnvironmentType).min(1).max(4);

/** `POST /api/v1/dashboard/projects/:ref/alerts` */
export const CreateAlertChannelBody = z.object({
  name: z.string().trim().min(1).max(100),
  type: AlertChannelType,
  /** WEBHOOK and SLACK: the URL to POST to; EMAIL: one or more addresses, comma-separated */
  target: z.string().trim().min(3).max(2000),
  events: z.array(AlertEventType).min(1).max(3),
  /** the environments whose runs and deployments alert (default: STAGING and PRODUCTION, as the reference) */
  environmentTypes: environmentTypes.optional(),
  enabled: z.boolean().optional(),
});
export type CreateAlertChannelBody = z.infer<typeof CreateAlertChannelBody>;

/** `PATCH /api/v1/dashboard/projects/:ref/alerts/:id` */
export const UpdateAlertChannelBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    events: z.array(AlertEventType).min(1).max(3),
    environmentTypes,
    enabled: z.boolean(),
  })
  .partial()
  .strict();
export type UpdateAlertChannelBody = z.infer<typeof UpdateAlertChannelBody>;
