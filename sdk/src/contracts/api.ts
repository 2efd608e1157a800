import { z } from "zod";
import { BuildManifest } from "./manifest.js";
import { DeploymentStatus, EnvironmentSlug, EnvironmentType, MachinePreset, PacketType, RunStatus, TaskRunError, parseDurationMs } from "./common.js";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;
const DELAY_HELP = 'use a duration like "1h" or "30m", or an ISO 8601 date';

/** A duration string ("1h", "30m") or an ISO 8601 date string. */
export function isDelayString(value: string): boolean {
  return parseDurationMs(value) !== undefined || (ISO_DATE.test(value.trim()) && !Number.isNaN(Date.parse(value)));
}

/**
 * `delay` of trigger, batch items, replay and reschedule: a duration, an ISO date (JSON's form of a Date), or a
 * Date in process. Numbers and booleans are refused (no silent "now" for `-5` or `true`).
 */
export const Delay = z.union([z.string().refine(isDelayString, { message: `Invalid delay: ${DELAY_HELP}` }), z.date()], {
  error: `delay must be a string: ${DELAY_HELP}`,
});

/** Options of a trigger, as the official client sends them (wire-format.md §3.2). */
export const TriggerTaskOptions = z
  .object({
    queue: z.object({ name: z.string().min(1), concurrencyLimit: z.number().int().min(0).optional() }).optional(),
    concurrencyKey: z.string().min(1).optional(),
    payloadType: PacketType.optional(),
    payloadSize: z.number().int().min(0).optional(),
    idempotencyKey: z.string().min(1).optional(),
    idempotencyKeyTTL: z.string().optional(),
    idempotencyKeyOptions: z.object({ key: z.string(), scope: z.enum(["run", "attempt", "global"]) }).optional(),
    delay: Delay.optional(),
    ttl: z.union([z.string(), z.number().int().min(0)]).optional(),
    tags: z.union([z.string(), z.array(z.string())]).optional(),
    maxAttempts: z.number().int().min(1).optional(),
    metadata: z.unknown().optional(),
    metadataType: z.string().optional(),
    maxDuration: z.number().int().min(0).optional(),
    machine: MachinePreset.optional(),
    priority: z.number().int().min(0).optional(),
    lockToVersion: z.string().optional(),
    version: z.string().optional(),
    test: z.boolean().optional(),
    parentRunId: z.string().optional(),
    resumeParentOnCompletion: z.boolean().optional(),
    parentBatch: z.string().optional(),
    region: z.string().optional(),
  })
  .passthrough();
export type TriggerTaskOptions = z.infer<typeof TriggerTaskOptions>;

export const TriggerTaskRequestBody = z.object({
  /** A string (SuperJSON, JSON or text per payloadType), or any JSON value for plain HTTP callers. */
  payload: z.unknown().optional(),
  context: z.unknown().optional(),
  options: TriggerTaskOptions.optional(),
});
export type TriggerTaskRequestBody = z.infer<typeof TriggerTaskRequestBody>;

export const TriggerTaskResponse = z.object({ id: z.string(), isCached: z.boolean().optional() });
export type TriggerTaskResponse = z.infer<typeof TriggerTaskResponse>;

export const RunEnvironment = z.object({ id: z.string(), name: z.string(), user: z.string().optional() });

/** Fields common to retrieve and list items. */
export const CommonRunFields = z.object({
  id: z.string(),
  status: RunStatus,
  taskIdentifier: z.string(),
  idempotencyKey: z.string().optional(),
  version: z.string().optional(),
  isQueued: z.boolean(),
  isExecuting: z.boolean(),
  isWaiting: z.boolean(),
  isCompleted: z.boolean(),
  isSuccess: z.boolean(),
  isFailed: z.boolean(),
  isCancelled: z.boolean(),
  isTest: z.boolean(),
  createdAt: z.coerce.date(),
  updatedAt: z.coerce.date(),
  startedAt: z.coerce.date().optional(),
  finishedAt: z.coerce.date().optional(),
  delayedUntil: z.coerce.date().optional(),
  ttl: z.string().optional(),
  expiredAt: z.coerce.date().optional(),
  tags: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()).optional(),
  costInCents: z.number(),
  baseCostInCents: z.number(),
  durationMs: z.number(),
  machine: z.string().optional(),
});

export const RelatedRun = CommonRunFields.extend({ depth: z.number().optional() });

export const RetrieveRunResponse = CommonRunFields.extend({
  depth: z.number(),
  triggerFunction: z.enum(["trigger", "triggerAndWait", "batchTrigger", "batchTriggerAndWait"]),
  batchId: z.string().optional(),
  payload: z.unknown().optional(),
  payloadPresignedUrl: z.string().optional(),
  output: z.unknown().optional(),
  outputPresignedUrl: z.string().optional(),
  error: TaskRunError.partial({ type: true }).optional(),
  schedule: z.object({ id: z.string(), externalId: z.string().optional(), deduplicationKey: z.string().optional(), generator: z.object({ type: z.literal("CRON"), expression: z.string(), description: z.string() }) }).optional(),
  relatedRuns: z.object({ root: RelatedRun.optional(), parent: RelatedRun.optional(), children: z.array(RelatedRun).optional() }),
  attemptCount: z.number().default(0),
  attempts: z.array(z.object({ id: z.string(), number: z.number(), status: z.string(), startedAt: z.coerce.date().optional(), completedAt: z.coerce.date().optional(), error: TaskRunError.optional() })).optional(),
  replayedFromId: z.string().optional(),
});
export type RetrieveRunResponse = z.infer<typeof RetrieveRunResponse>;

export const ListRunItem = CommonRunFields.extend({ env: RunEnvironment });
export type ListRunItem = z.infer<typeof ListRunItem>;

export const ListRunsResponse = z.object({
  data: z.array(ListRunItem),
  pagination: z.object({ next: z.string().optional(), previous: z.string().optional() }),
});
export type ListRunsResponse = z.infer<typeof ListRunsResponse>;

export const CanceledRunResponse = z.object({ id: z.string() });
export const ReplayRunResponse = z.object({ id: z.string() });

export const ReplayRunRequestBody = z
  .object({
    payload: z.unknown().optional(),
    payloadType: PacketType.optional(),
    metadata: z.unknown().optional(),
    tags: z.union([z.string(), z.array(z.string())]).optional(),
    queue: z.string().min(1).optional(),
    concurrencyKey: z.string().min(1).optional(),
    machine: MachinePreset.optional(),
    version: z.string().optional(),
    region: z.string().optional(),
    delay: Delay.optional(),
    ttl: z.union([z.string(), z.number().int().min(0)]).optional(),
    idempotencyKey: z.string().optional(),
    idempotencyKeyTTL: z.string().optional(),
    maxAttempts: z.number().int().min(1).optional(),
    maxDuration: z.number().int().min(0).optional(),
    priority: z.number().int().min(0).optional(),
  })
  .strict();
export type ReplayRunRequestBody = z.infer<typeof ReplayRunRequestBody>;

/**
 * POST /api/v1/idempotencyKeys/{key}/reset: `key` is the hashed key as triggers send it (wire-format.md §3.3).
 * Frees it for `taskIdentifier` in the caller's environment; answers `{ id: key }`, or 404 when no run holds it.
 */
export const ResetIdempotencyKeyRequestBody = z.object({ taskIdentifier: z.string().min(1) });
export type ResetIdempotencyKeyRequestBody = z.infer<typeof ResetIdempotencyKeyRequestBody>;
export const ResetIdempotencyKeyResponse = z.object({ id: z.string() });
export type ResetIdempotencyKeyResponse = z.infer<typeof ResetIdempotencyKeyResponse>;

// ---------------------------------------------------------------------------------------------
// Projects, environments, tokens (CLI, personal access tokens)

export const EnvironmentInfo = z.object({
  id: z.string(),
  slug: EnvironmentSlug,
  type: EnvironmentType,
  branchName: z.string().nullable().optional(),
  /** Present only where the caller may see it (project members). */
  apiKey: z.string().optional(),
  currentVersion: z.string().nullable().optional(),
});
export type EnvironmentInfo = z.infer<typeof EnvironmentInfo>;

export const ProjectInfo = z.object({
  id: z.string(),
  ref: z.string(),
  name: z.string(),
  organization: z.object({ id: z.string(), slug: z.string(), title: z.string() }),
  environments: z.array(EnvironmentInfo),
});
export type ProjectInfo = z.infer<typeof ProjectInfo>;

export const CreateProjectRequestBody = z.object({
  name: z.string().min(1).max(100),
  /** Organization slug; defaults to the caller's first organization. */
  organization: z.string().optional(),
  /** Optional explicit ref (`proj_` + lowercase letters/digits); generated otherwise. */
  ref: z.string().regex(/^proj_[a-z0-9]{4,40}$/).optional(),
});

export const WhoAmIResponse = z.object({
  userId: z.string(),
  email: z.string(),
  name: z.string().nullable().optional(),
  organizations: z.array(z.object({ id: z.string(), slug: z.string(), title: z.string() })),
  dashboardUrl: z.string(),
});
export type WhoAmIResponse = z.infer<typeof WhoAmIResponse>;

export const CreateTokenRequestBody = z.object({ name: z.string().min(1).max(100) });
export const CreateTokenResponse = z.object({ id: z.string(), name: z.string(), token: z.string() });

// ---------------------------------------------------------------------------------------------
// Deployments (CLI deploy, build worker, action)

export const GitMeta = z
  .object({
    commitSha: z.string().optional(),
    commitMessage: z.string().optional(),
    commitRef: z.string().optional(),
    dirty: z.boolean().optional(),
    remoteUrl: z.string().optional(),
    pullRequestNumber: z.number().int().optional(),
    pullRequestTitle: z.string().optional(),
    pullRequestUrl: z.string().optional(),
    authorName: z.string().optional(),
    provider: z.enum(["github", "cli"]).optional(),
  })
  .partial();
export type GitMeta = z.infer<typeof GitMeta>;

export const CreateDeploymentRequestBody = z.object({
  /** Needed with a personal access token; implied by a secret key. */
  projectRef: z.string().optional(),
  environment: EnvironmentSlug.optional(),
  /** Preview branch name (environment "preview"). */
  branch: z.string().min(1).max(255).optional(),
  sdkVersion: z.string(),
  cliVersion: z.string().optional(),
  git: GitMeta.optional(),
  /** "cli", "github", "action" */
  source: z.string().optional(),
});
export type CreateDeploymentRequestBody = z.infer<typeof CreateDeploymentRequestBody>;

export const DeploymentInfo = z.object({
  id: z.string(),
  shortCode: z.string(),
  version: z.string(),
  status: DeploymentStatus,
  environment: z.object({ id: z.string(), slug: EnvironmentSlug, type: EnvironmentType, branchName: z.string().nullable().optional() }),
  projectRef: z.string(),
  contentHash: z.string().nullable().optional(),
  artifactHash: z.string().nullable().optional(),
  tasks: z.array(z.object({ id: z.string(), filePath: z.string() })).default([]),
  git: GitMeta.nullable().optional(),
  error: z.object({ message: z.string(), stack: z.string().optional(), file: z.string().optional(), line: z.number().optional() }).nullable().optional(),
  isCurrent: z.boolean(),
  createdAt: z.coerce.date(),
  deployedAt: z.coerce.date().nullable().optional(),
  dashboardUrl: z.string(),
});
export type DeploymentInfo = z.infer<typeof DeploymentInfo>;

export const FinalizeDeploymentRequestBody = z.object({
  artifactHash: z.string().regex(/^[a-f0-9]{64}$/),
  manifest: BuildManifest,
  skipPromotion: z.boolean().optional(),
});

export const FailDeploymentRequestBody = z.object({
  status: z.enum(["FAILED", "CANCELED", "TIMED_OUT"]).default("FAILED"),
  error: z.object({ message: z.string(), stack: z.string().optional(), file: z.string().optional(), line: z.number().optional() }),
});

export const UploadArtifactResponse = z.object({ hash: z.string(), size: z.number() });

/** Most text one `POST /api/v1/deployments/:id/logs` may append; a deployment keeps the last 1 MB of its log. */
export const DEPLOYMENT_LOG_APPEND_MAX = 256 * 1024;

/** `POST /api/v1/deployments/:id/logs`: appends lines (newline-terminated text) to the deployment's build log. */
export const AppendDeploymentLogsRequestBody = z.object({ logs: z.string().min(1).max(DEPLOYMENT_LOG_APPEND_MAX) });
export type AppendDeploymentLogsRequestBody = z.infer<typeof AppendDeploymentLogsRequestBody>;

/** `size`: the log's length (characters) after the append; `truncated`: earlier lines were dropped to keep it bounded. */
export const AppendDeploymentLogsResponse = z.object({ size: z.number().int(), truncated: z.boolean() });
export type AppendDeploymentLogsResponse = z.infer<typeof AppendDeploymentLogsResponse>;


// ---------------------------------------------------------------------------------------------
// Preview branches (`gantry preview archive`, the GitHub Action's `command: archive`, a closed PR)

/**
 * `POST /api/v1/projects/:ref/branches/archive` (PAT of a project member, or the preview environment's secret
 * key): archives a preview branch. Triggering it is refused afterwards; its deployments stay readable. An
 * unknown branch is a 404 with param "branch".
 */
export const ArchivePreviewBranchRequestBody = z.object({ branch: z.string().min(1).max(255) });
export type ArchivePreviewBranchRequestBody = z.infer<typeof ArchivePreviewBranchRequestBody>;

export const ArchivedPreviewBranch = z.object({
  id: z.string(),
  branchName: z.string(),
  archivedAt: z.coerce.date(),
});
export type ArchivedPreviewBranch = z.infer<typeof ArchivedPreviewBranch>;

/** POST /api/v1/runs/{runId}/reschedule (DELAYED runs only): a new delay, as for trigger. Answers like retrieve. */
export const RescheduleRunRequestBody = z.object({ delay: Delay });
export type RescheduleRunRequestBody = z.infer<typeof RescheduleRunRequestBody>;
