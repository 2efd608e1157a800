/** Retries `fn` with exponential backoff while `isRetryable(err)` holds and the attempts last. */
export async function withRetry<T>(
  fn: () => Promise<T>,
  opts: { attempts: number; baseMs?: number; maxMs?: number; isRetryable?: (err: unknown) => boolean; stopped?: () => boolean },
): Promise<T> {
  const base = opts.baseMs ?? 100;
  const max = opts.maxMs ?? 5_000;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const retryable = opts.isRetryable ? opts.isRetryable(err) : true;
      if (!retryable || attempt >= opts.attempts || opts.stopped?.()) throw err;
      const delay = Math.min(max, base * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
