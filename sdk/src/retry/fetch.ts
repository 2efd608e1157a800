import type { RetryOptions } from "../contracts/index.js";
import { calculateNextRetryDelay, DEFAULT_RETRY_OPTIONS } from "./delay.js";
import { sleep } from "./on-throw.js";

/** Retry by waiting until a rate-limit reset header says so. */
export interface HeadersStrategy {
  strategy: "headers";
  limitHeader?: string;
  remainingHeader?: string;
  resetHeader: string;
  resetFormat?: "unix_timestamp" | "unix_timestamp_in_ms" | "iso_8601" | "iso_8601_duration_openai_variant";
}
/** Retry with exponential backoff. */
export type BackoffStrategy = { strategy: "backoff" } & RetryOptions;

export interface FetchRetryOptions {
  /** keys: a status ("429"), a range ("500-599"), a class ("5xx"), or a comma list of those */
  byStatus?: Record<string, HeadersStrategy | BackoffStrategy>;
  timeout?: RetryOptions;
  connectionError?: RetryOptions;
}

export type RetryFetchInit = RequestInit & { retry?: FetchRetryOptions; timeoutInMs?: number };

const DEFAULT_BY_STATUS: Record<string, BackoffStrategy> = { "429,408,409,5xx": { strategy: "backoff", ...DEFAULT_RETRY_OPTIONS } };

/**
 * `fetch` that retries by response status (backoff or rate-limit headers), on timeouts and on connection
 * errors. Throws once the matching policy's attempts are spent.
 *
 * @example
 * import { retry } from "@gantry/sdk";
 * const res = await retry.fetch("https://api.example.com/items", {
 *   timeoutInMs: 5000,
 *   retry: {
 *     byStatus: { "429": { strategy: "headers", resetHeader: "x-ratelimit-reset", resetFormat: "unix_timestamp_in_ms" },
 *                 "500-599": { strategy: "backoff", maxAttempts: 5, minTimeoutInMs: 500 } },
 *   },
 * });
 */
export async function retryFetch(input: string | URL, init: RetryFetchInit = {}): Promise<Response> {
  const { retry = {}, timeoutInMs, ...requestInit } = init;
  const byStatus = retry.byStatus ?? DEFAULT_BY_STATUS;
  const timeoutOpts = { ...DEFAULT_RETRY_OPTIONS, ...retry.timeout };
  const connectionOpts = { ...DEFAULT_RETRY_OPTIONS, ...retry.connectionError };

  for (let attempt = 1; ; attempt++) {
    const signals = [requestInit.signal, timeoutInMs ? AbortSignal.timeout(timeoutInMs) : undefined].filter((s): s is AbortSignal => !!s);
    let response: Response;
    try {
      response = await fetch(input, { ...requestInit, ...(signals.length ? { signal: AbortSignal.any(signals) } : {}) });
    } catch (error) {
      if (requestInit.signal?.aborted) throw error;
      const isTimeout = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
      const delay = calculateNextRetryDelay(isTimeout ? timeoutOpts : connectionOpts, attempt);
      if (delay === undefined) throw error;
      await sleep(delay);
      continue;
    }
    const strategy = matchStatus(byStatus, response.status);
    if (!strategy) return response;
    const delay = strategyDelay(strategy, response, attempt);
    if (delay === undefined) {
      throw new Error(`retry.fetch ${String(input)}: ${response.status} ${response.statusText} after ${attempt} attempt(s)`);
    }
    await response.body?.cancel().catch(() => undefined);
    await sleep(delay);
  }
}

function strategyDelay(strategy: HeadersStrategy | BackoffStrategy, response: Response, attempt: number): number | undefined {
  if (strategy.strategy === "backoff") {
    const { strategy: _s, ...options } = strategy;
    return calculateNextRetryDelay(options, attempt);
  }
  if (attempt >= DEFAULT_RETRY_OPTIONS.maxAttempts) return undefined;
  const resetAt = parseReset(response.headers.get(strategy.resetHeader), strategy.resetFormat ?? "unix_timestamp");
  return resetAt === undefined ? calculateNextRetryDelay(DEFAULT_RETRY_OPTIONS, attempt) : Math.max(0, resetAt - Date.now());
}

/** Epoch ms of a reset header value in one of the reference's formats. */
export function parseReset(value: string | null, format: NonNullable<HeadersStrategy["resetFormat"]>, now = Date.now()): number | undefined {
  if (!value) return undefined;
  switch (format) {
    case "unix_timestamp":
      return Number.isFinite(Number(value)) ? Number(value) * 1000 : undefined;
    case "unix_timestamp_in_ms":
      return Number.isFinite(Number(value)) ? Number(value) : undefined;
    case "iso_8601": {
      const t = Date.parse(value);
      return Number.isNaN(t) ? undefined : t;
    }
    case "iso_8601_duration_openai_variant": {
      const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+)ms)?$/.exec(value);
      if (!m || value === "") return undefined;
      const [d, h, min, s, ms] = [m[1], m[2], m[3], m[4], m[5]].map((x) => Number(x ?? 0)) as [number, number, number, number, number];
      return now + (((d * 24 + h) * 60 + min) * 60 + s) * 1000 + ms;
    }
  }
}

function matchStatus<T>(byStatus: Record<string, T>, status: number): T | undefined {
  for (const [key, strategy] of Object.entries(byStatus)) {
    for (const part of key.split(",").map((p) => p.trim())) {
      if (/^\dxx$/i.test(part) && Math.floor(status / 100) === Number(part[0])) return strategy;
      const range = /^(\d{3})-(\d{3})$/.exec(part);
      if (range && status >= Number(range[1]) && status <= Number(range[2])) return strategy;
      if (part === String(status)) return strategy;
    }
  }
  return undefined;
}
