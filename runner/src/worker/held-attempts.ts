/** A run this runner has taken from the queue, from the start request until its completion is acknowledged. */
export type HeldAttempt = { runId: string; attemptNumber: number | undefined; canceled: boolean };

/**
 * The attempts this runner holds: what the heartbeat renews, and where a cancel (from a heartbeat answer or the
 * Redis cancel channel) finds its attempt, whether it is still starting or already executing.
 */
export class HeldAttempts {
  private readonly attempts = new Map<string, HeldAttempt>();
  private readonly releaseWaiters = new Map<string, Array<() => void>>();

  constructor(private readonly cancelExecution: (runId: string) => void) {}

  /** Undefined when the run is already held here (a duplicate delivery of its job). */
  take(runId: string): HeldAttempt | undefined {
    if (this.attempts.has(runId)) return undefined;
    const attempt: HeldAttempt = { runId, attemptNumber: undefined, canceled: false };
    this.attempts.set(runId, attempt);
    return attempt;
  }

  release(runId: string): void {
    this.attempts.delete(runId);
    const waiters = this.releaseWaiters.get(runId);
    this.releaseWaiters.delete(runId);
    for (const wake of waiters ?? []) wake();
  }

  /** Resolves true once the run is released here (at once if it is not held), false after `ms`. */
  waitReleased(runId: string, ms: number): Promise<boolean> {
    if (!this.attempts.has(runId)) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      const list = this.releaseWaiters.get(runId) ?? [];
      list.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
      this.releaseWaiters.set(runId, list);
    });
  }

  /**
   * Marks the attempt canceled and stops its execution if one is running. False when the run is not held here,
   * or when `onlyAttempt` is given and the run has moved on to another attempt (a heartbeat answer about
   * attempt 1 must not cancel the retry that started meanwhile).
   */
  cancel(runId: string, onlyAttempt?: number): boolean {
    const attempt = this.attempts.get(runId);
    if (!attempt) return false;
    if (onlyAttempt !== undefined && attempt.attemptNumber !== onlyAttempt) return false;
    attempt.canceled = true;
    this.cancelExecution(runId);
    return true;
  }

  /** Attempts that have started (hold a lease), for the heartbeat. */
  started(): Array<{ runId: string; attemptNumber: number }> {
    const out: Array<{ runId: string; attemptNumber: number }> = [];
    for (const a of this.attempts.values()) if (a.attemptNumber !== undefined) out.push({ runId: a.runId, attemptNumber: a.attemptNumber });
    return out;
  }

  get size(): number {
    return this.attempts.size;
  }

  runIds(): string[] {
    return [...this.attempts.keys()];
  }
}
