import type { LogEvent, MachinePreset, TaskRunExecution, TaskRunExecutionResult, WaitpointResult } from "@gantry/sdk/contracts";

/** The reference's `processKeepAlive`, resolved: reuse a process for up to `maxExecutionsPerProcess` runs. */
export type KeepAlive = {
  enabled: boolean;
  maxExecutionsPerProcess?: number;
  /** Attempts one process runs at once; overrides the executor's `maxConcurrentAttemptsPerProcess`. */
  maxConcurrentAttempts?: number;
};

export type ExecuteRequest = {
  execution: TaskRunExecution;
  /** Directory holding the extracted bundle (the artifact). */
  workerDir: string;
  /** Worker entry inside workerDir, e.g. "index.mjs". */
  entryPoint: string;
  keepAlive?: KeepAlive;
  /** Extra variables for the attempt (e.g. `gantry dev --env-file`); they override the execution's env. */
  env?: Record<string, string>;
  /** Every log line and span of the attempt: `logger.*` from the worker and its stdout/stderr lines. */
  onLog(event: LogEvent): void;
  /**
   * The attempt suspended at a wait (its run is WAITING). With this callback the attempt stays in its process,
   * `execute` stays pending, and `resume` continues it; without it, the attempt is dropped and `execute`
   * resolves at once with a SUSPENDED result (whose completion the api finds stale): the run replays instead.
   */
  onSuspended?(): void;
};

export type PrewarmRequest = { workerDir: string; entryPoint: string; machine: MachinePreset };

/** Runs attempts. `process` (warm child processes) and `docker` (a container per attempt) implement it. */
export interface Executor {
  /** Resolves with the attempt's result; never rejects for anything the task or its process did. */
  execute(request: ExecuteRequest): Promise<TaskRunExecutionResult>;
  /** Stops the run's attempt (onCancel gets a grace period); it then resolves as CANCELED. False if unknown here. */
  cancel(runId: string): boolean;
  /** Spawns processes ahead for this version and machine; resolves once they are ready (no-op for docker). */
  prewarm(request: PrewarmRequest): Promise<void>;
  /** Kills every process; attempts still running resolve as CRASHED. */
  close(): Promise<void>;
  /** Executors that keep suspended attempts (process): the attempt of a run suspended here, resume it, drop it. */
  suspendedAttempt?(runId: string): number | undefined;
  resume?(runId: string, message: { attemptNumber: number; runToken: string; waitpoint: WaitpointResult }): boolean;
  discard?(runId: string): void;
}
