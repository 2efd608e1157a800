/**
 * Runs `poll` when woken, never twice at once: a wake during a poll runs it once more right after it. Also
 * wakes itself every `safetyMs`, so a lost pub/sub message only delays an update. `delayMs` (optional) spaces
 * polls out: while it answers more than 0, the poll waits that long. Errors go to `onError` unless closed.
 */
export class CoalescedPoll {
  private running = false;
  private again = false;
  private delayed: NodeJS.Timeout | undefined;
  private readonly timer: NodeJS.Timeout;
  closed = false;

  constructor(
    private readonly opts: {
      poll: () => Promise<void>;
      onError: (error: unknown) => void;
      safetyMs: number;
      delayMs?: () => number;
    },
  ) {
    this.timer = setInterval(() => this.wake(), opts.safetyMs);
    this.timer.unref();
  }

  wake(): void {
    if (this.closed || this.delayed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const wait = this.opts.delayMs?.() ?? 0;
    if (wait > 0) {
      this.delayed = setTimeout(() => {
        this.delayed = undefined;
        this.wake();
      }, wait);
      return;
    }
    this.running = true;
    void this.loop();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
    if (this.delayed) clearTimeout(this.delayed);
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.opts.poll();
      } while (this.again && !this.closed);
    } catch (error) {
      if (!this.closed) this.opts.onError(error);
    } finally {
      this.running = false;
    }
  }
}
