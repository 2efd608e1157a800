import type { ApiDeps } from "../context.js";
import { CoalescedPoll } from "./coalesced-poll.js";
import { CHANGES_PAGE, selectRunChanges, type RealtimeRunRow, type RunFilter } from "./queries/select-run-changes.js";

/**
 * A change cursor is taken from a sequence when a row is written, not when it commits, so a row stamped 10 may
 * become visible after one stamped 11. Each read therefore looks back to the cursor it had LAG_MS ago and drops
 * what it already sent (per run, by stamp): a late commit is delivered, nothing twice.
 */
const LAG_MS = 1000;
/** Redis pub/sub wakes subscriptions; this poll only covers a lost message (e.g. while Redis restarts). */
const SAFETY_POLL_MS = 15_000;
/**
 * Tag and batch subscriptions wake on every change in their environment (a message names runs, not tags), so
 * they read at most this often: under load a change waits up to this long, and Postgres sees a bounded rate.
 */
const SET_READ_INTERVAL_MS = 25;

export interface SubscriptionOptions {
  environmentId: string;
  filter: RunFilter;
  /** Last-Event-ID: deliver changes after this cursor (runs with a tag or in a batch). 0: everything. */
  after: bigint;
  withPayloads: boolean;
  /** writes rows to the client, oldest change first */
  send(rows: RealtimeRunRow[]): Promise<void>;
  onError(error: unknown): void;
}

/** One open realtime subscription: reads its runs from Postgres whenever it is woken. */
export class RunSubscription {
  readonly environmentId: string;
  private readonly delivered = new Map<string, bigint>();
  private marks: Array<{ at: number; cursor: bigint }> = [];
  private readonly initialFloor: bigint;
  private lastReadAt = 0;
  private readonly polling: CoalescedPoll;

  constructor(
    private readonly deps: ApiDeps,
    private readonly opts: SubscriptionOptions,
  ) {
    this.environmentId = opts.environmentId;
    // one run: always send its current state on (re)connect; it is a single row
    this.initialFloor = opts.filter.kind === "run" ? 0n : opts.after;
    this.polling = new CoalescedPoll({
      poll: () => this.poll(),
      onError: (error) => this.opts.onError(error),
      safetyMs: SAFETY_POLL_MS + Math.floor(Math.random() * 1000),
      // sets (tags, batches) are read at most every SET_READ_INTERVAL_MS; one run at once
      delayMs: () => (this.opts.filter.kind === "run" ? 0 : this.lastReadAt + SET_READ_INTERVAL_MS - Date.now()),
    });
  }

  /** Set for one run: the hub wakes it only for that run's changes (tags and batches read to find out). */
  get runId(): string | undefined {
    return this.opts.filter.kind === "run" ? this.opts.filter.runId : undefined;
  }

  wants(kind: "run" | "stream"): boolean {
    return kind === "run";
  }

  /** Read and send what changed; coalesces while a read is running. */
  wake(): void {
    this.polling.wake();
  }

  close(): void {
    this.polling.close();
  }

  private async poll(): Promise<void> {
    const now = Date.now();
    this.lastReadAt = now;
    const floor = this.floor(now);
    let after = floor;
    let cursor = this.cursor();
    for (;;) {
      const rows = await selectRunChanges(this.deps.sql, this.environmentId, this.opts.filter, after, this.opts.withPayloads);
      if (this.polling.closed) return;
      const fresh = rows.filter((r) => BigInt(r.change_seq) > (this.delivered.get(r.id) ?? -1n));
      if (fresh.length) {
        await this.opts.send(fresh);
        for (const r of fresh) {
          const seq = BigInt(r.change_seq);
          this.delivered.set(r.id, seq);
          if (seq > cursor) cursor = seq;
        }
      }
      if (rows.length < CHANGES_PAGE) break;
      after = BigInt(rows[rows.length - 1]!.change_seq);
    }
    this.marks.push({ at: now, cursor });
    // a run last sent at or below the floor is never read again unless it changes (then its stamp is higher)
    for (const [id, seq] of this.delivered) if (seq <= floor) this.delivered.delete(id);
  }

  private cursor(): bigint {
    return this.marks.length ? this.marks[this.marks.length - 1]!.cursor : this.initialFloor;
  }

  /** The cursor this subscription had LAG_MS ago (older marks are dropped). */
  private floor(now: number): bigint {
    let floor = this.initialFloor;
    let keepFrom = 0;
    for (let i = 0; i < this.marks.length; i++) {
      const mark = this.marks[i]!;
      if (mark.at > now - LAG_MS) break;
      floor = mark.cursor;
      keepFrom = i;
    }
    if (keepFrom > 0) this.marks = this.marks.slice(keepFrom);
    return floor;
  }
}
