/**
 * Coalesces concurrent calls into one flush (one SQL statement with array parameters, one Redis addBulk...).
 *
 * Adaptive (PERFORMANCE.md, choice 3): when nothing is in flight, items added in the same tick flush at once;
 * while a flush runs, new items wait and go out together right after it, up to `maxBatch` per flush.
 * If a flush of several items fails, each item is retried alone so one bad item fails only its own caller.
 */
export interface Batcher<I, O> {
  add(item: I): Promise<O>;
  /** Resolves once everything added so far has been flushed. */
  drain(): Promise<void>;
}

export interface BatcherOptions {
  /** most items per flush (default 1000) */
  maxBatch?: number;
  /** flushes allowed in flight at once (default 1) */
  concurrency?: number;
}

interface Pending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/** `flush` gets the items in order and must return one result per item, in the same order. */
export function createBatcher<I, O>(flush: (items: I[]) => Promise<O[]>, opts: BatcherOptions = {}): Batcher<I, O> {
  const maxBatch = opts.maxBatch ?? 1000;
  const concurrency = opts.concurrency ?? 1;
  let queue: Pending<I, O>[] = [];
  let inFlight = 0;
  let scheduled = false;
  const idleWaiters: (() => void)[] = [];

  function schedule(): void {
    if (scheduled || inFlight >= concurrency || queue.length === 0) return;
    scheduled = true;
    // a microtask, so calls made in the same tick share the flush
    queueMicrotask(() => {
      scheduled = false;
      void next();
    });
  }

  async function next(): Promise<void> {
    if (inFlight >= concurrency || queue.length === 0) return;
    const batch = queue.slice(0, maxBatch);
    queue = queue.slice(batch.length);
    inFlight++;
    try {
      await run(batch);
    } finally {
      inFlight--;
      if (queue.length > 0) void next();
      else if (inFlight === 0) for (const wake of idleWaiters.splice(0)) wake();
    }
  }

  async function run(batch: Pending<I, O>[]): Promise<void> {
    try {
      const results = await flush(batch.map((p) => p.item));
      if (results.length !== batch.length) {
        throw new Error(`batch flush returned ${results.length} results for ${batch.length} items`);
      }
      batch.forEach((p, i) => p.resolve(results[i] as O));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      for (const p of batch) await run([p]);
    }
  }

  return {
    add(item) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
    drain() {
      if (queue.length === 0 && inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
