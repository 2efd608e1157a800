import type { Db } from "../db/sql.js";
import { selectLastStamp, selectRunsWriters } from "./queries/select-change-horizon.js";

/** How often the horizon is sampled while this instance serves realtime subscribers. */
const SAMPLE_INTERVAL_MS = 250;
/** Samples kept while the horizon is held back (a long transaction); dropping older ones is safe. */
const MAX_SAMPLES = 1000;

interface Sample {
  /** the last stamp handed out when the sample was taken */
  lastStamp: bigint;
  /** the transactions that held a write lock on `runs` right after `lastStamp` was read */
  writers: Set<string>;
}

/**
 * The change horizon: a stamp at or below which every `runs` change has committed or rolled back, so a read
 * that starts now sees all of them. Stamps come from a sequence at write time and commit out of order, so the
 * highest stamp seen is no such bound. This one is exact: a transaction stamps a row only while it holds a
 * write lock on `runs` (taken before the stamp, kept to its end), so every stamp at most L (read first) belongs
 * to a transaction among the lock holders listed right after; once none of those holds it any more, each has
 * ended and L is final. A transaction held open for minutes holds the horizon back, as it must; readers and
 * other databases do not. One per api instance (the hub's), sampled every SAMPLE_INTERVAL_MS while it has
 * subscribers: two small statements shared by all of them.
 */
export class ChangeHorizon {
  private samples: Sample[] = [];
  private value = 0n;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** bumped by start(), so a loop left over from before a stop() ends instead of running alongside */
  private generation = 0;

  constructor(private readonly db: Db) {}

  /** Every change stamped at or below this is final (0: nothing known yet). */
  get floor(): bigint {
    return this.value;
  }

  /** Samples until stop(); idempotent. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop(++this.generation);
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Takes one sample and advances the horizon as far as it can. */
  async sample(): Promise<void> {
    // the order matters: the stamp first, then who may still hold one at or below it
    const lastStamp = await selectLastStamp(this.db);
    const writers = new Set(await selectRunsWriters(this.db));
    this.samples.push({ lastStamp, writers });
    // a sample's stamp is final once none of its writers is among today's (the newest sample's own writers are
    // today's: it is final only if there were none). A writer of an older sample still active now held its
    // lock at every sample since, so the first sample held back stops the scan.
    let used = -1;
    for (let i = 0; i < this.samples.length; i++) {
      const sample = this.samples[i]!;
      if ([...sample.writers].some((w) => writers.has(w))) break;
      if (sample.lastStamp > this.value) this.value = sample.lastStamp;
      used = i;
    }
    if (used >= 0) this.samples = this.samples.slice(used + 1);
    if (this.samples.length > MAX_SAMPLES) this.samples = this.samples.slice(-MAX_SAMPLES);
  }

  private async loop(generation: number): Promise<void> {
    try {
      await this.sample();
    } catch {
      // Postgres away: the horizon stays where it was (subscriptions read further back, nothing is missed)
    }
    if (!this.running || generation !== this.generation) return;
    this.timer = setTimeout(() => void this.loop(generation), SAMPLE_INTERVAL_MS);
    this.timer.unref();
  }
}
