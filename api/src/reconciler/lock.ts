import { randomUUID } from "node:crypto";
import type { ApiDeps } from "../context.js";

/**
 * A Redis lock so that, of several api instances, one reconciles at a time. Losing it (Redis flushed, TTL
 * passed) only means two instances may do the same idempotent work once.
 */
const RELEASE = `
-- KEYS[1] lock key; ARGV[1] owner token. Deletes the lock only if this owner still holds it. Returns 1 or 0.
if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end`;

export async function withReconcileLock<T>(deps: ApiDeps, ttlMs: number, fn: () => Promise<T>): Promise<T | undefined> {
  const key = `{${deps.config.GANTRY_REDIS_PREFIX}}:reconciler-lock`;
  const token = randomUUID();
  const ok = await deps.redis.set(key, token, "PX", ttlMs, "NX");
  if (ok !== "OK") return undefined;
  try {
    return await fn();
  } finally {
    await deps.redis.eval(RELEASE, 1, key, token).catch(() => {});
  }
}
