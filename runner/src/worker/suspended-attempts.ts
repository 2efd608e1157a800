import type { TaskRunExecutionResult } from "@gantry/sdk/contracts";

/**
 * An attempt this runner started, from its first start until its result is reported: while it is suspended at
 * a wait no BullMQ job holds it (its job ended), so it lives here until the run's resume job comes back.
 */
export class LiveAttempt {
  suspended = false;
  private onSuspend: (() => void) | undefined;

  constructor(
    readonly runId: string,
    readonly attemptNumber: number,
    /** settles once the attempt ends for good (completed, crashed, discarded) */
    public result: Promise<TaskRunExecutionResult>,
  ) {}

  /** Called by the executor each time the attempt suspends. */
  markSuspended(): void {
    this.suspended = true;
    const notify = this.onSuspend;
    this.onSuspend = undefined;
    notify?.();
  }

  /** Resolves with the result, or "suspended" when the attempt suspends first (a job then ends without a result). */
  next(): Promise<{ kind: "done"; result: TaskRunExecutionResult } | { kind: "suspended" }> {
    this.suspended = false;
    return Promise.race([
      this.result.then((result) => ({ kind: "done" as const, result })),
      new Promise<{ kind: "suspended" }>((resolve) => (this.onSuspend = () => resolve({ kind: "suspended" }))),
    ]);
  }
}

/** The attempts suspended at a wait on this runner, by run id. */
export class SuspendedAttempts {
  private readonly attempts = new Map<string, LiveAttempt>();

  add(attempt: LiveAttempt): void {
    this.attempts.set(attempt.runId, attempt);
    // an attempt that ends while suspended (its process died, it was canceled or discarded) leaves
    void attempt.result.then(() => {
      if (this.attempts.get(attempt.runId) === attempt && attempt.suspended) this.attempts.delete(attempt.runId);
    });
  }

  get(runId: string): LiveAttempt | undefined {
    return this.attempts.get(runId);
  }

  delete(runId: string): void {
    this.attempts.delete(runId);
  }

  get size(): number {
    return this.attempts.size;
  }
}
