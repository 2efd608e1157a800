import type { z } from "zod";
import { SDK_VERSION } from "../version.js";
import { ApiConnectionError, ApiError, ApiSchemaValidationError } from "./errors.js";

/** Backoff of the client's HTTP retries. The defaults are the official client's: 5 attempts, 1000 × 1.6^(n-1) ms, ≤ 30 s, no jitter. */
export interface RequestRetryOptions {
  maxAttempts?: number;
  factor?: number;
  minTimeoutInMs?: number;
  maxTimeoutInMs?: number;
  randomize?: boolean;
}

export const DEFAULT_REQUEST_RETRY = { maxAttempts: 5, factor: 1.6, minTimeoutInMs: 1000, maxTimeoutInMs: 30_000, randomize: false } as const;

export const API_VERSION = "2025-07-16";

export interface ApiClientOptions {
  baseURL: string;
  accessToken: string;
  previewBranch?: string;
  /** called from inside a running task (adds the worker headers; no self-signed tokens) */
  insideTask: boolean;
  retry?: RequestRetryOptions;
  fetch: typeof fetch;
}

export interface RequestInit {
  body?: unknown;
  query?: URLSearchParams;
  /** trigger and batch calls inside a task send x-trigger-span-parent-as-link */
  spanParentAsLink?: boolean;
  /** a fixed x-trigger-request-idempotency-key (a trigger inside a task: the same on a replay of the run) */
  requestIdempotencyKey?: string;
}

/** Speaks the official wire format: its headers, its retry policy, its error classes. */
export class ApiClient {
  readonly baseURL: string;
  constructor(readonly options: ApiClientOptions) {
    this.baseURL = options.baseURL.replace(/\/+$/, "");
  }

  get accessToken(): string {
    return this.options.accessToken;
  }

  async request<S extends z.ZodType>(schema: S, method: string, path: string, init: RequestInit = {}): Promise<{ data: z.infer<S>; headers: Headers }> {
    const retry = { ...DEFAULT_REQUEST_RETRY, ...definedOnly(this.options.retry ?? {}) };
    const query = init.query?.toString();
    const url = `${this.baseURL}${path}${query ? `?${query}` : ""}`;
    const headers = this.headers(init);
    const body = init.body === undefined ? undefined : JSON.stringify(init.body);

    for (let attempt = 1; ; attempt++) {
      const last = attempt >= retry.maxAttempts;
      let response: Response;
      try {
        response = await this.options.fetch(url, { method, headers, ...(body === undefined ? {} : { body }) });
      } catch (error) {
        if (last) throw new ApiConnectionError(error);
        await sleep(backoff(retry, attempt));
        continue;
      }

      if (response.ok) {
        const text = await response.text();
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          throw new ApiSchemaValidationError(response.status, text, `Expected a JSON body from ${method} ${path}`, headersOf(response));
        }
        const parsed = schema.safeParse(json);
        if (!parsed.success) {
          throw new ApiSchemaValidationError(response.status, json, `Unexpected response from ${method} ${path}: ${parsed.error.message}`, headersOf(response));
        }
        return { data: parsed.data, headers: response.headers };
      }

      const errorBody = await readBody(response);
      if (!last && shouldRetry(response)) {
        await sleep(retryDelay(response, retry, attempt));
        continue;
      }
      throw ApiError.generate(response.status, errorBody, undefined, headersOf(response));
    }
  }

  /** A call's headers, for the requests `request` cannot make (the NDJSON stream of batch items). */
  requestHeaders(init: RequestInit = {}): Record<string, string> {
    return this.headers(init);
  }

  private headers(init: RequestInit): Record<string, string> {
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.options.accessToken}`,
      "content-type": "application/json",
      "trigger-version": SDK_VERSION,
      "x-trigger-api-version": API_VERSION,
      "x-trigger-source": "sdk",
      "x-trigger-realtime-streams-version": "v2",
      // One value per call, repeated on each retry, so the server can dedupe retried POSTs.
      "x-trigger-request-idempotency-key": init.requestIdempotencyKey ?? crypto.randomUUID(),
    };
    if (this.options.previewBranch) headers["x-trigger-branch"] = this.options.previewBranch;
    if (this.options.insideTask) {
      headers["x-trigger-worker"] = "true";
      headers["x-trigger-engine-version"] = "V2";
      if (init.spanParentAsLink) headers["x-trigger-span-parent-as-link"] = "1";
    }
    if (typeof window !== "undefined" && typeof document !== "undefined") headers["x-trigger-client"] = "browser";
    return headers;
  }
}

function shouldRetry(response: Response): boolean {
  const explicit = response.headers.get("x-should-retry");
  if (explicit === "true") return true;
  if (explicit === "false") return false;
  const s = response.status;
  return s === 408 || s === 409 || s === 429 || s >= 500;
}

function retryDelay(response: Response, retry: Required<RequestRetryOptions>, attempt: number): number {
  if (response.status === 429) {
    const reset = Number(response.headers.get("x-ratelimit-reset"));
    if (Number.isFinite(reset) && reset > 0) return Math.max(0, reset - Date.now()) + Math.floor(Math.random() * 1000);
  }
  return backoff(retry, attempt);
}

/** The delay after the `attempt`-th failure. */
export function backoff(retry: Required<RequestRetryOptions>, attempt: number): number {
  const jitter = retry.randomize ? 1 + Math.random() : 1;
  return Math.round(Math.min(retry.maxTimeoutInMs, jitter * retry.minTimeoutInMs * Math.pow(retry.factor, attempt - 1)));
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => "");
  try {
    return JSON.parse(text);
  } catch {
    return text || undefined;
  }
}

function headersOf(response: Response): Record<string, string> {
  return Object.fromEntries(response.headers.entries());
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
