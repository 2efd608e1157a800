import type { RetryOptions } from "../contracts/index.js";

/** The reference's task retry defaults (`defaultRetryOptions`): 3 attempts, factor 2, 1 s to 60 s, randomized. */
export const DEFAULT_RETRY_OPTIONS = {
  maxAttempts: 3,
  factor: 2,
  minTimeoutInMs: 1000,
  maxTimeoutInMs: 60_000,
  randomize: true,
} as const satisfies Required<RetryOptions>;

/**
 * The delay before the attempt after `attempt` (1-based), or `undefined` when no attempt is left.
 * `delay = round(min(max, (randomize ? 1 + random : 1) * min * factor^(attempt-1)))`, as the reference computes it.
 *
 * @example
 * import { calculateNextRetryDelay } from "@gantry/sdk";
 * calculateNextRetryDelay({ maxAttempts: 3, factor: 2, minTimeoutInMs: 1000, randomize: false }, 2); // 2000
 */
export function calculateNextRetryDelay(options: RetryOptions, attempt: number, random: () => number = Math.random): number | undefined {
  const opts = { ...DEFAULT_RETRY_OPTIONS, ...stripUndefined(options) };
  if (attempt >= opts.maxAttempts) return undefined;
  const jitter = opts.randomize ? 1 + random() : 1;
  const delay = Math.min(opts.maxTimeoutInMs, jitter * opts.minTimeoutInMs * Math.pow(opts.factor, attempt - 1));
  return Math.round(delay);
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
