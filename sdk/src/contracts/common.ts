import { z } from "zod";

/** Run statuses, exactly the reference's v4 enum. */
export const RUN_STATUSES = [
  "PENDING_VERSION",
  "DELAYED",
  "QUEUED",
  "DEQUEUED",
  "EXECUTING",
  "WAITING",
  "COMPLETED",
  "CANCELED",
  "FAILED",
  "CRASHED",
  "SYSTEM_FAILURE",
  "EXPIRED",
  "TIMED_OUT",
] as const;
export const RunStatus = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatus>;

export const FINAL_RUN_STATUSES: readonly RunStatus[] = [
  "COMPLETED",
  "CANCELED",
  "FAILED",
  "CRASHED",
  "SYSTEM_FAILURE",
  "EXPIRED",
  "TIMED_OUT",
];
export const FAILED_RUN_STATUSES: readonly RunStatus[] = ["FAILED", "CRASHED", "SYSTEM_FAILURE", "EXPIRED", "TIMED_OUT"];

export const DEPLOYMENT_STATUSES = ["PENDING", "BUILDING", "DEPLOYING", "DEPLOYED", "FAILED", "CANCELED", "TIMED_OUT"] as const;
export const DeploymentStatus = z.enum(DEPLOYMENT_STATUSES);
export type DeploymentStatus = z.infer<typeof DeploymentStatus>;

export const MACHINE_PRESETS = ["micro", "small-1x", "small-2x", "medium-1x", "medium-2x", "large-1x", "large-2x"] as const;
export const MachinePreset = z.enum(MACHINE_PRESETS);
export type MachinePreset = z.infer<typeof MachinePreset>;

/** vCPU and memory (GB) of each preset, from the reference's machines page. */
export const MACHINE_SPECS: Record<MachinePreset, { cpu: number; memoryGb: number }> = {
  micro: { cpu: 0.25, memoryGb: 0.25 },
  "small-1x": { cpu: 0.5, memoryGb: 0.5 },
  "small-2x": { cpu: 1, memoryGb: 1 },
  "medium-1x": { cpu: 1, memoryGb: 2 },
  "medium-2x": { cpu: 2, memoryGb: 4 },
  "large-1x": { cpu: 4, memoryGb: 8 },
  "large-2x": { cpu: 8, memoryGb: 16 },
};

export const ENVIRONMENT_TYPES = ["DEVELOPMENT", "STAGING", "PRODUCTION", "PREVIEW"] as const;
export const EnvironmentType = z.enum(ENVIRONMENT_TYPES);
export type EnvironmentType = z.infer<typeof EnvironmentType>;

/** The slugs people and the CLI use for environments. */
export const ENVIRONMENT_SLUGS = ["dev", "staging", "prod", "preview"] as const;
export const EnvironmentSlug = z.enum(ENVIRONMENT_SLUGS);
export type EnvironmentSlug = z.infer<typeof EnvironmentSlug>;

export const ENV_TYPE_BY_SLUG: Record<EnvironmentSlug, EnvironmentType> = {
  dev: "DEVELOPMENT",
  staging: "STAGING",
  prod: "PRODUCTION",
  preview: "PREVIEW",
};

/** Secret key prefixes per environment slug (the reference's `tr_dev_`, `tr_stg_`, `tr_prod_`). */
export const SECRET_KEY_PREFIX: Record<EnvironmentSlug, string> = {
  dev: "tr_dev_",
  staging: "tr_stg_",
  prod: "tr_prod_",
  preview: "tr_preview_",
};
export const PERSONAL_ACCESS_TOKEN_PREFIX = "tr_pat_";
export const RUNNER_TOKEN_PREFIX = "gr_runner_";

/** Stable error codes carried in `{ error, code, param }` bodies. */
export const ERROR_CODES = [
  "bad_request",
  "invalid_body",
  "invalid_param",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "payload_too_large",
  "rate_limited",
  "unprocessable",
  "internal_error",
  "version_mismatch",
  "stale_attempt",
] as const;
export const ErrorCode = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ApiErrorBody = z.object({
  error: z.string(),
  code: ErrorCode.or(z.string()),
  param: z.string().optional(),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;

/** An error as it is stored on a run or attempt and returned by the API. */
export const TaskRunError = z.object({
  /** BUILT_IN_ERROR (an Error thrown by user code), STRING_ERROR, CUSTOM_ERROR or INTERNAL_ERROR */
  type: z.enum(["BUILT_IN_ERROR", "STRING_ERROR", "CUSTOM_ERROR", "INTERNAL_ERROR"]).default("BUILT_IN_ERROR"),
  name: z.string().optional(),
  message: z.string(),
  stackTrace: z.string().optional(),
  /** For INTERNAL_ERROR: e.g. TASK_PROCESS_EXITED_WITH_NON_ZERO_CODE, MAX_DURATION_EXCEEDED, TASK_RUN_CANCELLED, TASK_PAYLOAD_PARSE_ERROR, COULD_NOT_FIND_TASK */
  code: z.string().optional(),
});
export type TaskRunError = z.infer<typeof TaskRunError>;

/** Payload and output encodings (the reference's wire format). */
export const PACKET_TYPES = ["application/json", "application/super+json", "text/plain", "application/store"] as const;
export const PacketType = z.enum(PACKET_TYPES);
export type PacketType = z.infer<typeof PacketType>;

/** Limits from the reference's limits page. */
export const LIMITS = {
  payloadBytes: 3 * 1024 * 1024,
  outputBytes: 10 * 1024 * 1024,
  tagsPerRun: 10,
  tagMaxLength: 128,
  metadataBytes: 256 * 1024,
} as const;

export const RetryOptions = z.object({
  maxAttempts: z.number().int().min(1).optional(),
  factor: z.number().positive().optional(),
  minTimeoutInMs: z.number().int().min(0).optional(),
  maxTimeoutInMs: z.number().int().min(0).optional(),
  randomize: z.boolean().optional(),
});
export type RetryOptions = z.infer<typeof RetryOptions>;

/** Duration strings like "1h", "30m", "1h52m18s", "2w", "3d", or seconds. Returns milliseconds, or undefined when invalid. */
export function parseDurationMs(value: string | number): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
  const trimmed = value.trim();
  if (!/^(\d+(?:\.\d+)?(ms|s|m|h|d|w))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const match of trimmed.matchAll(re)) total += Number(match[1]) * units[match[2]!]!;
  return total;
}
