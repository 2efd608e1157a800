import type { ApiDeps } from "../context.js";
import { CoalescedPoll } from "./coalesced-poll.js";
import { CHANGES_PAGE, selectRunChanges, type RealtimeRunRow, type RunFilter } from "./queries/select-run-changes.js";

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
  /**
   * Last-Event-ID (an id `send` was given): deliver the runs that changed after this cursor. 0: everything.
   * One run: its exact stamp (a row's stamps rise in commit order). Sets: a floor below any late commit.
   */
  after: bigint;
  withPayloads: boolean;
  /** this instance's change horizon (change-horizon.ts): every change stamped at or below `floor` is final */
  horizon: { readonly floor: bigint };
  /**
   * Writes rows to the client, oldest change first. `resumeId(row)` is the event id to send with each: a
   * reconnect with it as `after` misses nothing that changed after that row was sent.
   */
  send(rows: RealtimeRunRow[], resumeId: (row: RealtimeRunRow) => string): Promise<void>;
  onError(error: unknown): void;
}

/**
 * One open realtime subscription: reads its runs from Postgres whenever it is woken.
 *
 * A change stamp is taken from a sequence when a row is written, not when it commits, so a row stamped 10 may
 * become visible after one stamped 11. Each read therefore starts from `floor`, a stamp at or below which
 * every change this subscription follows was visible to an earlier read (and so was sent): the change
 * horizon as it stood when that read began, or the resume cursor. What it already sent above the floor it
 * drops (per run, by stamp): a late commit is delivered, nothing twice. The floor is also what a client
 * resumes from, so a change that committed late while the client was away still arrives (and a state it
 * already had may arrive again).
 */
export class RunSubscription {
  readonly environmentId: string;
  /** runs sent with a stamp above `floor`, and that stamp */
  private readonly delivered = new Map<string, bigint>();
  private floor: bigint;
  /** one run: the highest stamp sent (or the resume cursor) */
  private sent: bigint;
  private lastReadAt = 0;
  private readonly polling: CoalescedPoll;

  constructor(
    private readonly deps: ApiDeps,
    private readonly opts: SubscriptionOptions,
  ) {
    this.environmentId = opts.environmentId;
    this.floor = opts.after;
    this.sent = opts.after;
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

  /**
   * An id a client can resume from now (sent on keepalives so an idle client's Last-Event-ID moves on): one
   * run, the last stamp sent; a set, the floor (it moves after each read).
   */
  resumeId(): string {
    return (this.opts.filter.kind === "run" ? this.sent : this.floor).toString();
  }

  private async poll(): Promise<void> {
    this.lastReadAt = Date.now();
    // taken before the read: every change at or below it is final, so this read sees all of them
    const horizon = this.opts.horizon.floor;
    const floor = this.floor;
    const one = this.opts.filter.kind === "run";
    let after = floor;
    for (;;) {
      const rows = await selectRunChanges(this.deps.sql, this.environmentId, this.opts.filter, after, this.opts.withPayloads);
      if (this.polling.closed) return;
      const fresh = rows.filter((r) => BigInt(r.change_seq) > (this.delivered.get(r.id) ?? floor));
      if (fresh.length) {
        // one run: its stamps rise in commit order (its writers hold its row lock), so its own stamp is exact.
        // A set: rows come oldest stamp first, so once a row is sent every visible row stamped below it was
        // too; those at or below the horizon were all visible.
        const resumeId = one
          ? (row: RealtimeRunRow) => row.change_seq
          : (row: RealtimeRunRow) => maxBig(floor, minBig(horizon, BigInt(row.change_seq))).toString();
        await this.opts.send(fresh, resumeId);
        for (const r of fresh) {
          const seq = BigInt(r.change_seq);
          this.delivered.set(r.id, seq);
          if (seq > this.sent) this.sent = seq;
        }
      }
      if (rows.length < CHANGES_PAGE) break;
      after = BigInt(rows[rows.length - 1]!.change_seq);
    }
    if (horizon > this.floor) this.floor = horizon;
    // a run last sent at or below the floor is never read again unless it changes (then its stamp is higher)
    for (const [id, seq] of this.delivered) if (seq <= this.floor) this.delivered.delete(id);
  }
}

const maxBig = (a: bigint, b: bigint) => (a > b ? a : b);
const minBig = (a: bigint, b: bigint) => (a < b ? a : b);
