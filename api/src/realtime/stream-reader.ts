import { FINAL_RUN_STATUSES } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import type { HubSubscriber } from "./hub.js";
import { CHUNKS_PAGE, selectStreamChunks, selectStreamRun } from "./queries/stream-chunks.js";

/** Follows one stream of one run: sends chunks after its cursor whenever woken; ends after the run finished. */
export class StreamReader implements HubSubscriber {
  private running = false;
  private again = false;
  private closed = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly deps: ApiDeps,
    readonly environmentId: string,
    readonly runId: string,
    private readonly key: string,
    private cursor: number,
    private readonly out: {
      send(chunks: Array<{ seq: number; data: string }>): Promise<void>;
      end(): void;
      onError(error: unknown): void;
    },
  ) {
    this.timer = setInterval(() => this.wake(), 15_000);
    this.timer.unref();
  }

  /** chunks appended, or the run itself changed (it may have finished) */
  wants(): boolean {
    return true;
  }

  wake(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.loop();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        await this.poll();
      } while (this.again && !this.closed);
    } catch (error) {
      if (!this.closed) this.out.onError(error);
    } finally {
      this.running = false;
    }
  }

  private async poll(): Promise<void> {
    // read the status first: chunks written before the run finished are then all visible below
    const run = await selectStreamRun(this.deps.sql, this.runId);
    const finished = !run || FINAL_RUN_STATUSES.includes(run.status);
    for (;;) {
      const chunks = await selectStreamChunks(this.deps.sql, this.runId, this.key, this.cursor);
      if (this.closed) return;
      if (chunks.length) {
        await this.out.send(chunks);
        this.cursor = chunks[chunks.length - 1]!.seq;
      }
      if (chunks.length < CHUNKS_PAGE) break;
    }
    if (finished) this.out.end();
  }
}
