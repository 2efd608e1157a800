import { calculateNextRetryDelay, DEFAULT_RETRY_OPTIONS } from "./delay.js";
import type { RetryOptions } from "../contracts/index.js";

/**
 * Runs `fn` until it resolves, retrying a throw with the task retry backoff; throws the last error
 * once `maxAttempts` (default 3) have failed.
 *
 * @example
 * import { retry } from "@gantry/sdk";
 * const data = await retry.onThrow(async ({ attempt }) => fetchFlaky(attempt), { maxAttempts: 5, randomize: false });
 */
export async function onThrow<T>(fn: (options: { attempt: number }) => Promise<T> | T, options: RetryOptions = {}): Promise<T> {
  const opts = { ...DEFAULT_RETRY_OPTIONS, ...options };
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn({ attempt });
    } catch (error) {
      const delay = calculateNextRetryDelay(opts, attempt);
      if (delay === undefined) throw error;
      await sleep(delay);
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
