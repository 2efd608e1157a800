import type { Job } from "bullmq";
import { RunJobData, type RuntimeConfig, type TaskRunExecutionResult } from "@gantry/sdk/contracts";
import type { RunnerApiClient } from "../api-client/runner-api-client.js";
import type { ArtifactCache } from "../artifacts/artifact-cache.js";
import { canceledResult, systemFailureResult } from "../executor/results.js";
import type { Executor, KeepAlive } from "../executor/types.js";
import type { HeldAttempts } from "./held-attempts.js";
import { LiveAttempt, type SuspendedAttempts } from "./suspended-attempts.js";

export type ProcessRunDeps = {
  client: RunnerApiClient;
  cache: ArtifactCache;
  executor: Executor;
  held: HeldAttempts;
  /** attempts suspended at a wait on this runner (absent: waits are not kept in place, runs replay on resume) */
  suspended?: SuspendedAttempts;
  /** Set when the runner is being killed past its grace period: results are then not reported (the lease expires and the api redrives). */
  isAbandoning: () => boolean;
};

export type ProcessRunOutcome =
  | { started: false; reason: string }
  | { started: true; status: string | undefined; action: "done" | "retrying" | "stale" | "suspended" };

/** How long a resume job waits for the same run's previous job here to end (its attempt is just suspending). */
const HELD_WAIT_MS = 5_000;

/**
 * One BullMQ job: start the run's attempt (batched with concurrent jobs), execute it from the cached bundle,
 * report the result (batched) and resolve once the api has acknowledged it. A run the api refuses to start
 * (already started, canceled, waiting for a version) completes the job without executing anything.
 */
export function createRunProcessor(deps: ProcessRunDeps) {
  return async function processRun(job: Job<RunJobData>): Promise<ProcessRunOutcome> {
    const { runId, envId } = RunJobData.parse(job.data);
    // a resume can arrive while the job that ran the attempt is still ending (the attempt has just suspended)
    const held = deps.held.take(runId) ?? ((await deps.held.waitReleased(runId, HELD_WAIT_MS)) ? deps.held.take(runId) : undefined);
    if (!held) return { started: false, reason: "already_held_by_this_runner" };
    try {
      let kept = deps.suspended?.get(runId);
      if (kept && deps.executor.suspendedAttempt?.(runId) !== kept.attemptNumber) {
        // its process is gone: start the run afresh (a replay from its recorded waits)
        deps.suspended?.delete(runId);
        kept = undefined;
      }
      const start = await deps.client.startAttempt(runId, envId, kept?.attemptNumber);
      if (!start.ok) return { started: false, reason: start.reason };
      const execution = start.execution;
      held.attemptNumber = execution.attempt.number;

      let live: LiveAttempt | undefined;
      if (kept && start.resume && kept.attemptNumber === execution.attempt.number) {
        // the api resumed the suspended attempt: it continues in its process where it waited
        live = kept;
        const resumed = deps.executor.resume?.(runId, { attemptNumber: kept.attemptNumber, runToken: execution.runToken, waitpoint: start.resume.waitpoint });
        if (!resumed) live = undefined; // its process died just now: the result below reports the crash
      } else if (kept) {
        // the run started a new attempt (a replay): the old one is of no use any more
        deps.suspended?.delete(runId);
        deps.executor.discard?.(runId);
      }

      let result: TaskRunExecutionResult;
      if (held.canceled) {
        result = canceledResult(execution, 0);
      } else if (live) {
        const next = await live.next();
        if (next.kind === "suspended") return { started: true, status: "WAITING", action: "suspended" };
        deps.suspended?.delete(runId);
        result = next.result;
      } else if (kept && start.resume) {
        // its process died between the start request and now: the attempt ends as the process did (CRASHED)
        deps.suspended?.delete(runId);
        result = await kept.result;
      } else {
        try {
          const artifact = await deps.cache.get(execution.deployment.artifactHash);
          if (held.canceled) {
            result = canceledResult(execution, 0);
          } else {
            let fresh: LiveAttempt | undefined;
            const outcome = deps.executor.execute({
              execution,
              workerDir: artifact.dir,
              entryPoint: execution.deployment.entryPoint || artifact.manifest.entryPoint,
              keepAlive: keepAliveOf(artifact.manifest.config),
              onLog: (event) => deps.client.log(event),
              ...(deps.suspended ? { onSuspended: () => fresh?.markSuspended() } : {}),
            });
            fresh = new LiveAttempt(runId, execution.attempt.number, outcome);
            if (deps.suspended) deps.suspended.add(fresh);
            const next = await fresh.next();
            if (next.kind === "suspended") return { started: true, status: "WAITING", action: "suspended" };
            deps.suspended?.delete(runId);
            result = next.result;
          }
        } catch (err) {
          result = systemFailureResult(execution, (err as Error).message);
        }
      }
      if (deps.isAbandoning()) throw new Error(`runner stopped before run ${runId} finished; its lease will expire and the api redrives it`);

      await deps.client.flushLogs(runId); // its logs are stored before the run reads as finished
      const ack = await deps.client.completeAttempt({ runId, attemptNumber: execution.attempt.number, result });
      return { started: true, status: ack.status, action: ack.action };
    } finally {
      deps.held.release(runId);
    }
  };
}

/** The reference's `processKeepAlive` from the version's config. */
export function keepAliveOf(config: RuntimeConfig): KeepAlive {
  const value = config.processKeepAlive;
  if (value === undefined || value === false) return { enabled: false };
  if (value === true) return { enabled: true };
  return { enabled: value.enabled ?? true, maxExecutionsPerProcess: value.maxExecutionsPerProcess };
}
