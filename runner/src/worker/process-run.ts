import type { Job } from "bullmq";
import { RunJobData, type RuntimeConfig, type TaskRunExecutionResult } from "@gantry/sdk/contracts";
import type { RunnerApiClient } from "../api-client/runner-api-client.js";
import type { ArtifactCache } from "../artifacts/artifact-cache.js";
import { canceledResult, systemFailureResult } from "../executor/results.js";
import type { Executor, KeepAlive } from "../executor/types.js";
import type { HeldAttempts } from "./held-attempts.js";

export type ProcessRunDeps = {
  client: RunnerApiClient;
  cache: ArtifactCache;
  executor: Executor;
  held: HeldAttempts;
  /** Set when the runner is being killed past its grace period: results are then not reported (the lease expires and the api redrives). */
  isAbandoning: () => boolean;
};

export type ProcessRunOutcome =
  | { started: false; reason: string }
  | { started: true; status: string | undefined; action: "done" | "retrying" | "stale" };

/**
 * One BullMQ job: start the run's attempt (batched with concurrent jobs), execute it from the cached bundle,
 * report the result (batched) and resolve once the api has acknowledged it. A run the api refuses to start
 * (already started, canceled, waiting for a version) completes the job without executing anything.
 */
export function createRunProcessor(deps: ProcessRunDeps) {
  return async function processRun(job: Job<RunJobData>): Promise<ProcessRunOutcome> {
    const { runId, envId } = RunJobData.parse(job.data);
    const held = deps.held.take(runId);
    if (!held) return { started: false, reason: "already_held_by_this_runner" };
    try {
      const start = await deps.client.startAttempt(runId, envId);
      if (!start.ok) return { started: false, reason: start.reason };
      const execution = start.execution;
      held.attemptNumber = execution.attempt.number;

      let result: TaskRunExecutionResult;
      if (held.canceled) {
        result = canceledResult(execution, 0);
      } else {
        try {
          const artifact = await deps.cache.get(execution.deployment.artifactHash);
          result = held.canceled
            ? canceledResult(execution, 0)
            : await deps.executor.execute({
                execution,
                workerDir: artifact.dir,
                entryPoint: execution.deployment.entryPoint || artifact.manifest.entryPoint,
                keepAlive: keepAliveOf(artifact.manifest.config),
                onLog: (event) => deps.client.log(event),
              });
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
