type Pending<I, O> = { item: I; resolve(value: O): void; reject(err: unknown): void };

/**
 * Coalesces concurrent calls into batched requests, adaptively (PERFORMANCE.md #3): a call made while nothing
 * is in flight is sent at once (after the current tick, so calls made together go together); calls made while
 * a batch is in flight wait behind it and go out as the next batch, up to `maxBatch` items.
 */
export class Batcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private inFlight = false;
  private scheduled = false;
  private last: Promise<unknown> = Promise.resolve();

  constructor(
    /** Sends one batch; returns one result per item, in order. A throw rejects every item of the batch. */
    private readonly send: (items: I[]) => Promise<O[]>,
    private readonly maxBatch = 1000,
    /** Optional size cap per batch (e.g. bytes of outputs), so one request stays under the api's body limit. */
    private readonly weight?: { of: (item: I) => number; max: number },
  ) {}

  push(item: I): Promise<O> {
    const promise = new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
    this.last = promise;
    return promise;
  }

  /** Resolves once everything pushed so far has been sent (or failed): batches go out in push order. */
  drain(): Promise<void> {
    return this.last.then(
      () => undefined,
      () => undefined,
    );
  }

  get pending(): number {
    return this.queue.length;
  }

  private batchLength(): number {
    const limit = Math.min(this.maxBatch, this.queue.length);
    if (!this.weight) return limit;
    let total = 0;
    for (let i = 0; i < limit; i++) {
      total += this.weight.of(this.queue[i]!.item);
      if (total > this.weight.max) return Math.max(1, i);
    }
    return limit;
  }

  private schedule(): void {
    if (this.inFlight || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.inFlight) return;
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0, this.batchLength());
    this.inFlight = true;
    try {
      const results = await this.send(batch.map((p) => p.item));
      batch.forEach((p, i) => {
        if (i < results.length) p.resolve(results[i]!);
        else p.reject(new Error("the api answered fewer results than it was sent"));
      });
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.inFlight = false;
    }
    await this.flush();
  }
}
