import { z } from "zod";
import { TaskRunExecution, TaskRunExecutionResult } from "./execution.js";
import { WaitpointResult } from "./waitpoints.js";

/**
 * The runner ↔ api protocol: batch-shaped HTTP, `Authorization: Bearer <runner token>`.
 * Paths live under `/api/runner/v1`.
 *
 * BullMQ job data on the runs queue is `RunJobData`: the run id only (plus the env for routing).
 */
export const RUNNER_API_PREFIX = "/api/runner/v1";
export const RUNS_QUEUE_NAME = "gantry-runs";

export const RunJobData = z.object({ runId: z.string(), envId: z.string().optional() });
export type RunJobData = z.infer<typeof RunJobData>;

/** POST /api/runner/v1/attempts/start — start many. */
export const StartAttemptsRequest = z.object({
  runnerId: z.string(),
  runs: z
    .array(
      z.object({
        runId: z.string(),
        /** the run's environment as its job names it: a hint that lets the api read its variables in parallel */
        environmentId: z.string().optional(),
        /** this runner holds the run's attempt suspended at a wait: resume that attempt rather than start a new one */
        resumeAttempt: z.number().int().min(1).optional(),
      }),
    )
    .min(1)
    .max(1000),
});
export const StartAttemptResult = z.discriminatedUnion("ok", [
  z.object({
    runId: z.string(),
    ok: z.literal(true),
    execution: TaskRunExecution,
    /** set when the suspended attempt (`resumeAttempt`) continues: the result of the wait it was suspended on */
    resume: z.object({ waitpoint: WaitpointResult }).optional(),
  }),
  z.object({
    runId: z.string(),
    ok: z.literal(false),
    /** not_found | not_startable (already started, canceled, finished) | pending_version | delayed */
    reason: z.string(),
  }),
]);
export const StartAttemptsResponse = z.object({ results: z.array(StartAttemptResult) });
export type StartAttemptsRequest = z.infer<typeof StartAttemptsRequest>;
export type StartAttemptResult = z.infer<typeof StartAttemptResult>;
export type StartAttemptsResponse = z.infer<typeof StartAttemptsResponse>;

/** POST /api/runner/v1/attempts/complete — complete many. */
export const CompleteAttemptsRequest = z.object({
  runnerId: z.string(),
  completions: z
    .array(z.object({ runId: z.string(), attemptNumber: z.number().int().min(1), result: TaskRunExecutionResult }))
    .min(1)
    .max(1000),
});
export const CompleteAttemptResult = z.object({
  runId: z.string(),
  /** done: final status written; retrying: a new attempt is scheduled; stale: the attempt no longer holds the lease */
  action: z.enum(["done", "retrying", "stale"]),
  status: z.string().optional(),
});
export const CompleteAttemptsResponse = z.object({ results: z.array(CompleteAttemptResult) });
export type CompleteAttemptsRequest = z.infer<typeof CompleteAttemptsRequest>;
export type CompleteAttemptsResponse = z.infer<typeof CompleteAttemptsResponse>;

/** POST /api/runner/v1/heartbeat — renews the leases of the attempts a runner holds. */
export const HeartbeatRequest = z.object({
  runnerId: z.string(),
  attempts: z.array(z.object({ runId: z.string(), attemptNumber: z.number().int().min(1) })),
});
/** `cancel`: runs whose attempt must stop now (canceled, or the lease moved on). */
export const HeartbeatResponse = z.object({ cancel: z.array(z.string()) });

/** POST /api/runner/v1/logs — log lines and spans of attempts, batched. */
export const LogEvent = z.object({
  runId: z.string(),
  attemptNumber: z.number().int().min(1),
  /** "log" for logger.* and console.*, "span" for logger.trace */
  kind: z.enum(["log", "span"]).default("log"),
  level: z.enum(["trace", "debug", "log", "info", "warn", "error"]),
  message: z.string(),
  attributes: z.record(z.string(), z.unknown()).optional(),
  time: z.number(),
  spanId: z.string().optional(),
  parentSpanId: z.string().optional(),
  durationMs: z.number().optional(),
});
export type LogEvent = z.infer<typeof LogEvent>;
export const LogsRequest = z.object({ events: z.array(LogEvent).max(5000) });

/** Redis pub/sub channel on which the api announces canceled runs: message = JSON `{ runId }`. */
export const CANCEL_CHANNEL = "gantry:cancel";

/**
 * Redis pub/sub channel on which the api hands a resumed run to the runner holding its suspended attempt (the
 * run's job reached another runner): message = JSON `{ runId, runnerId }`; that runner starts it itself.
 */
export const RESUME_CHANNEL = "gantry:resume";

/** GET /api/runner/v1/artifacts/{hash}: the artifact JSON (see manifest.ts `Artifact`). */

/**
 * Dev runs (environment type DEVELOPMENT) are never put on the shared BullMQ runs queue: the user's
 * `gantry dev` session claims them. POST /api/v1/dev/claim with the dev environment's secret key
 * (`Authorization: Bearer tr_dev_…`), long-polling up to `waitMs`. The answer has the same shape as a
 * start: an attempt has begun for each `ok` result. Heartbeats, completions and logs of those attempts
 * go to the runner endpoints above with the same dev secret key (accepted for runs of its own
 * environment only).
 */
export const DevClaimRequest = z.object({
  max: z.number().int().min(1).max(100).default(10),
  waitMs: z.number().int().min(0).max(30_000).default(10_000),
  runnerId: z.string().default("dev"),
  /**
   * This session keeps attempts suspended at a wait in their processes (as the runner does): a resumed run
   * whose suspended attempt this `runnerId` started (the record says) is resumed in place (the result carries
   * `resume`) rather than replayed in a new attempt. Sessions that do not say so get replays.
   */
  keepsSuspendedAttempts: z.boolean().default(false),
  /** Runs whose suspended attempt this session held but lost (its process died): they replay when claimed. */
  lostSuspendedRuns: z.array(z.string()).max(1000).default([]),
});
export type DevClaimRequest = z.infer<typeof DevClaimRequest>;
export const DevClaimResponse = StartAttemptsResponse;
