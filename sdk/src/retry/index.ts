import { retryFetch } from "./fetch.js";
import { onThrow } from "./on-throw.js";

/**
 * Retry a block inside a task: `retry.onThrow(fn, options)` and `retry.fetch(url, init)`.
 *
 * @example
 * import { retry } from "@gantry/sdk";
 * const res = await retry.fetch("https://example.com", { retry: { byStatus: { "5xx": { strategy: "backoff", maxAttempts: 3 } } } });
 */
export const retry = { onThrow, fetch: retryFetch };
