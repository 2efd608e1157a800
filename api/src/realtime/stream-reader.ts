import { FINAL_RUN_STATUSES } from "@gantry/sdk/contracts";
import type { ApiDeps } from "../context.js";
import { CoalescedPoll } from "./coalesced-poll.js";
import type { HubSubscriber } from "./hub.js";
import { CHUNKS_PAGE, selectStreamChunks, selectStreamRun, type StreamChunk } from "./queries/stream-chunks.js";

/** Follows one stream of one run: sends chunks after its cursor whenever woken; ends after the run finished. */
export class StreamReader implements HubSubscriber {
  private readonly polling: CoalescedPoll;

  constructor(
    private readonly deps: ApiDeps,
    readonly environmentId: string,
    readonly runId: string,
    private readonly key: string,
    private cursor: number,
    private readonly out: {
      send(chunks: StreamChunk[]): Promise<void>;
      end(): void;
      onError(error: unknown): void;
    },
  ) {
    this.polling = new CoalescedPoll({ poll: () => this.poll(), onError: (error) => this.out.onError(error), safetyMs: 15_000 });
  }

  /** chunks appended, or the run itself changed (it may have finished) */
  wants(): boolean {
    return true;
  }

  wake(): void {
    this.polling.wake();
  }

  close(): void {
    this.polling.close();
  }

  private async poll(): Promise<void> {
    // read the status first: chunks written before the run finished are then all visible below
    const run = await selectStreamRun(this.deps.sql, this.runId);
    const finished = !run || FINAL_RUN_STATUSES.includes(run.status);
    for (;;) {
      const chunks = await selectStreamChunks(this.deps.sql, this.runId, this.key, this.cursor);
      if (this.polling.closed) return;
      if (chunks.length) {
        await this.out.send(chunks);
        this.cursor = chunks[chunks.length - 1]!.seq;
      }
      if (chunks.length < CHUNKS_PAGE) break;
    }
    if (finished) this.out.end();
  }
}
