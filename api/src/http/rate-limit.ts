import type { Context, MiddlewareHandler } from "hono";
import type { Redis } from "ioredis";
import { PERSONAL_ACCESS_TOKEN_PREFIX, RUNNER_API_PREFIX, RUNNER_TOKEN_PREFIX } from "@gantry/sdk/contracts";
import type { ApiDeps, AppEnv } from "../context.js";
import { ApiError } from "../errors.js";
import { authenticate, bearerToken } from "../auth/middleware.js";
import { TtlCache } from "../auth/ttl-cache.js";
import { createBatcher, type Batcher } from "../batching/batcher.js";

/**
 * Token bucket, one per environment, taking the tokens of several requests at once (the requests of one flush).
 * KEYS[1]  the bucket (hash: tokens, ts)
 * ARGV[1]  capacity (burst), ARGV[2] refill in tokens per minute, ARGV[3] requests (n)
 * Returns  per request, in order: allowed 0|1, remaining (whole tokens), reset (unix ms): on a refusal, when the
 *          next request is allowed; otherwise when the bucket is full again. Exactly what n calls one after the
 *          other at the same instant would answer.
 * Guarantees: atomic (one script), time from Redis's clock so every api instance agrees; the key expires once
 *          it would be full anyway, so idle environments cost nothing.
 */
const TOKEN_BUCKET_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2]) / 60000
local n = tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
if now > ts then tokens = math.min(capacity, tokens + (now - ts) * rate) end
local out = {}
for i = 1, n do
  if tokens >= 1 then
    tokens = tokens - 1
    out[#out + 1] = 1
    out[#out + 1] = math.floor(tokens)
    out[#out + 1] = now + math.ceil((capacity - tokens) / rate)
  else
    out[#out + 1] = 0
    out[#out + 1] = math.floor(tokens)
    out[#out + 1] = now + math.ceil((1 - tokens) / rate)
  end
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - tokens) / rate) + 1000)
return out
`;

export interface RateLimit {
  perMinute: number;
  burst: number;
}

export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** unix ms */
  reset: number;
}

type RedisWithBucket = Redis & {
  gantryTokenBuckets(key: string, capacity: number, perMinute: number, requests: number): Promise<number[]>;
};

function withBucket(redis: Redis): RedisWithBucket {
  const r = redis as RedisWithBucket;
  if (typeof r.gantryTokenBuckets !== "function") {
    redis.defineCommand("gantryTokenBuckets", { numberOfKeys: 1, lua: TOKEN_BUCKET_LUA });
  }
  return r;
}

export function rateLimitKey(deps: ApiDeps, environmentId: string): string {
  return `${deps.config.GANTRY_REDIS_PREFIX}:ratelimit:api:${environmentId}`;
}

interface TokenRequest {
  environmentId: string;
  limit: RateLimit;
}

const bucketBatchers = new WeakMap<ApiDeps, Batcher<TokenRequest, RateLimitResult>>();

/**
 * The requests of one flush take their tokens together: one script call per environment (bucket) instead of
 * one per request (PERFORMANCE.md #1; a Redis round trip per trigger was the api's largest single cost).
 */
function bucketBatcher(deps: ApiDeps): Batcher<TokenRequest, RateLimitResult> {
  let b = bucketBatchers.get(deps);
  if (!b) {
    b = createBatcher<TokenRequest, RateLimitResult>(
      async (requests) => {
        const groups = new Map<string, number[]>();
        requests.forEach((r, i) => {
          // requests under different limits (a limit just changed) are different calls, each exact
          const group = `${r.environmentId}\u001f${r.limit.burst}\u001f${r.limit.perMinute}`;
          const list = groups.get(group);
          if (list) list.push(i);
          else groups.set(group, [i]);
        });
        const results: RateLimitResult[] = new Array(requests.length);
        await Promise.all(
          [...groups.values()].map(async (indexes) => {
            const { environmentId, limit } = requests[indexes[0]!]!;
            const flat = await withBucket(deps.redis).gantryTokenBuckets(rateLimitKey(deps, environmentId), limit.burst, limit.perMinute, indexes.length);
            indexes.forEach((index, j) => {
              results[index] = { allowed: flat[3 * j] === 1, limit: limit.perMinute, remaining: flat[3 * j + 1]!, reset: flat[3 * j + 2]! };
            });
          }),
        );
        return results;
      },
      { concurrency: 2 },
    );
    bucketBatchers.set(deps, b);
  }
  return b;
}

/** Takes one request from the environment's bucket (coalesced with concurrent requests into one Lua call). */
export function takeToken(deps: ApiDeps, environmentId: string, limit: RateLimit): Promise<RateLimitResult> {
  return bucketBatcher(deps).add({ environmentId, limit });
}

/** The default, or the environment's own limit (environments.api_rate_limit_*; cached 10 s per instance). */
const limitsByDeps = new WeakMap<ApiDeps, TtlCache<RateLimit>>();
const LIMIT_CACHE_MS = 10_000;

export function environmentRateLimit(deps: ApiDeps, environmentId: string): Promise<RateLimit | undefined> {
  let cache = limitsByDeps.get(deps);
  if (!cache) {
    cache = new TtlCache(LIMIT_CACHE_MS);
    limitsByDeps.set(deps, cache);
  }
  return cache.get(environmentId, async () => {
    const [row] = await deps.sql<{ per_minute: number | null; burst: number | null }[]>`
      select api_rate_limit_per_minute as per_minute, api_rate_limit_burst as burst from environments where id = ${environmentId}`;
    if (!row) return undefined;
    return resolveLimit(deps, row.per_minute, row.burst);
  });
}

export function resolveLimit(deps: ApiDeps, perMinuteOverride: number | null, burstOverride: number | null): RateLimit {
  const perMinute = perMinuteOverride ?? deps.config.GANTRY_API_RATE_LIMIT_PER_MINUTE;
  const burst = burstOverride ?? (perMinuteOverride === null ? deps.config.GANTRY_API_RATE_LIMIT_BURST : undefined) ?? Math.max(1, Math.floor(perMinute / 2));
  return { perMinute, burst };
}

/** Forgets cached limits (after an environment's limit changed on this instance). */
export function invalidateRateLimits(deps: ApiDeps): void {
  limitsByDeps.get(deps)?.clear();
}

/**
 * The public REST API is `/api/…`, minus the runners' protocol (and `gantry dev`'s claim). Realtime (`/realtime/…`:
 * subscriptions, stream reads and appends) is not limited here, as in the reference, where it is its own service.
 */
function exempt(path: string): boolean {
  return !path.startsWith("/api/") || path.startsWith(RUNNER_API_PREFIX) || path.startsWith("/api/v1/dev/");
}

/** The environment a request's bearer credential acts in, if it is an environment credential (secret key, public or run token). */
async function requestEnvironment(deps: ApiDeps, c: Context): Promise<string | undefined> {
  const token = bearerToken(c);
  // no bearer: a dashboard session, a presigned packet URL, health; PATs and runner tokens are not environment calls
  if (!token || token.startsWith(PERSONAL_ACCESS_TOKEN_PREFIX) || token.startsWith(RUNNER_TOKEN_PREFIX)) return undefined;
  const auth = await authenticate(deps, token).catch(() => undefined);
  if (!auth || (auth.kind !== "environment" && auth.kind !== "run")) return undefined;
  return auth.environment.id;
}

/**
 * API rate limiting per environment (the reference's 1,500 requests/min by default): a request with a secret key,
 * public token or run token takes one token from its environment's bucket; when it is empty the answer is 429
 * `{ error, code: "rate_limited" }` with `x-ratelimit-limit`, `x-ratelimit-remaining` and `x-ratelimit-reset`
 * (unix ms: the official client waits until then and retries). Unknown credentials pass through to auth's 401.
 */
export function rateLimit(): MiddlewareHandler<AppEnv> {
  return async function rateLimitMiddleware(c, next) {
    const deps = c.get("deps");
    if (exempt(c.req.path)) return next();
    const environmentId = await requestEnvironment(deps, c);
    if (!environmentId) return next();
    const limit = await environmentRateLimit(deps, environmentId);
    if (!limit || limit.perMinute === 0) return next();
    // Redis holds only the buckets: if it cannot answer, the request goes through rather than failing (logged)
    const result = await takeToken(deps, environmentId, limit).catch(warnOnce);
    if (!result) return next();
    const headers = {
      "x-ratelimit-limit": String(result.limit),
      "x-ratelimit-remaining": String(result.remaining),
      "x-ratelimit-reset": String(result.reset),
    };
    if (!result.allowed) {
      const seconds = Math.max(0, (result.reset - Date.now()) / 1000).toFixed(1);
      throw new ApiError(
        429,
        "rate_limited",
        `Rate limit exceeded: this environment may make ${result.limit} API requests per minute; retry after x-ratelimit-reset (in ${seconds}s), or use batchTrigger for many runs`,
        undefined,
        { headers: { ...headers, "retry-after": String(Math.max(1, Math.ceil(Number(seconds)))) } },
      );
    }
    await next();
    try {
      for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
    } catch {
      // a response with immutable headers (a proxied one) goes out without them
    }
  };
}

let lastWarning = 0;
function warnOnce(error: unknown): undefined {
  if (Date.now() - lastWarning > 60_000) {
    lastWarning = Date.now();
    console.warn("[api] rate limiting skipped: Redis did not answer the token bucket (requests pass unlimited meanwhile):", error);
  }
  return undefined;
}
