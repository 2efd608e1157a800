/**
 * `@gantry/sdk`: define tasks, and trigger and manage runs from your app. Browser-safe except for
 * `@gantry/sdk/worker` (the runtime the builder bundles with your tasks).
 */
export { SDK_VERSION } from "./version.js";
export { AbortTaskRunError, OutOfMemoryError, TaskPayloadParsedError } from "./errors.js";
export { defineConfig } from "./config.js";
export type { BuildContext, BuildExtension, BuildLayer, GantryConfig, ProcessKeepAlive, SyncEnvVarsContext, SyncEnvVarsFunction, SyncEnvVarsResult } from "./config.js";

export { task, schemaTask, queue } from "./tasks/task.js";
export type { AnyTask, Task, TaskIdentifier, TaskOutput, TaskPayload, SchemaTaskOptions } from "./tasks/task.js";
export { schedules } from "./schedules/index.js";
export type { CreateScheduleOptions, ScheduledTaskPayload, ScheduleObject, SchedulesPage, UpdateScheduleOptions } from "./schedules/index.js";
export { tasks } from "./tasks/tasks-api.js";
export { wait, WaitpointTimeoutError } from "./tasks/wait.js";
export type { CreateTokenOptions, ListTokensOptions, ManualWaitpointPromise, WaitpointToken, WaitpointTokenResult } from "./tasks/wait.js";
export { batchWaits, SubtaskUnwrapError } from "./tasks/child-runs.js";
export type { BatchResult, TaskRunPromise, TaskRunResult } from "./tasks/child-runs.js";
export { tags } from "./tasks/tags.js";
export { usage } from "./tasks/usage.js";
export type { ComputeUsage, CurrentUsage } from "./tasks/usage.js";
export { locals } from "./tasks/locals.js";
export type { Local } from "./tasks/locals.js";
export { getSchemaParseFn } from "./tasks/schema.js";
export type { Schema, inferSchemaIn, inferSchemaOut } from "./tasks/schema.js";
export type { Context, GitContext } from "./tasks/context.js";
export type * from "./tasks/types.js";

export { logger } from "./logger/logger.js";
export type { LogLevel, Span } from "./logger/logger.js";
export { retry } from "./retry/index.js";
export { calculateNextRetryDelay, DEFAULT_RETRY_OPTIONS } from "./retry/delay.js";
export type { FetchRetryOptions, RetryFetchInit, HeadersStrategy, BackoffStrategy } from "./retry/fetch.js";

export { configure, readSdkEnv, DEFAULT_API_URL } from "./client/config.js";
export type { ClientConfig, RequestOptions, SdkEnv } from "./client/config.js";
export { runs } from "./client/runs.js";
export type { ListProjectRunsOptions, ListRunsOptions, ReplayRunOptions, RunsPage } from "./client/runs.js";
export { queues } from "./client/queues.js";
export type { QueueRef, QueuesPage } from "./client/queues.js";
export type { BulkActionSelection, BulkActionsPage } from "./client/bulk-actions.js";
export type { BulkActionFilter, BulkActionObject } from "./contracts/bulk-actions.js";
export type { RunHandle, TriggerOptions } from "./client/trigger.js";
export { batch, BatchNotSealedError, BatchTriggerError } from "./client/batch.js";
export type { BatchByIdItem, BatchByTaskItem, BatchItem, BatchItems, BatchRunHandle, BatchTriggerOptions } from "./client/batch.js";
export { idempotencyKeys } from "./client/idempotency.js";
export type { IdempotencyKey, IdempotencyKeyScope, ResetIdempotencyKeyOptions } from "./client/idempotency.js";
export {
  ApiError,
  ApiConnectionError,
  ApiSchemaValidationError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
} from "./client/errors.js";

export { auth } from "./auth.js";
export type { CreatePublicTokenOptions, CreateTriggerPublicTokenOptions, ExpirationTime } from "./auth.js";
export { envvars } from "./envvars/index.js";
export type { EnvSlug, EnvVarWithSecret } from "./envvars/index.js";
export type { RealtimeRun } from "./realtime/run.js";
export type { RunSubscription, SubscribeOptions, RealtimeConnection } from "./realtime/subscribe.js";
export type { RealtimeRunWithStreamsPart, RunWithStreamsSubscription, StreamsRecord } from "./realtime/with-streams.js";
export { streams } from "./realtime/streams.js";
export type { InferStreamType, PipeResult, StreamDefinition, StreamReadOptions, StreamTarget, StreamWriteOptions } from "./realtime/streams.js";
export { metadata } from "./realtime/metadata.js";
export type { MetadataUpdater } from "./realtime/metadata.js";
export { webhooks, WebhookError } from "./webhooks.js";
export type { WebhookPayloadAndHeader } from "./webhooks.js";
export type { AlertWebhook } from "./contracts/alerts.js";
