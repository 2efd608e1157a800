import { LIMITS, parseDurationMs, type TriggerTaskOptions } from "@gantry/sdk/contracts";
import { badRequest } from "../errors.js";

const DEFAULT_IDEMPOTENCY_TTL_MS = 30 * 24 * 3600 * 1000;

export function normalizeTags(tags: string | string[] | undefined, param = "options.tags"): string[] {
  if (tags === undefined) return [];
  const list = typeof tags === "string" ? [tags] : tags;
  if (list.length > LIMITS.tagsPerRun) throw badRequest(`A run can have at most ${LIMITS.tagsPerRun} tags (got ${list.length})`, param);
  for (const tag of list) {
    if (tag.length === 0 || tag.length > LIMITS.tagMaxLength) {
      throw badRequest(`Tags must be 1-${LIMITS.tagMaxLength} characters`, param);
    }
  }
  return [...new Set(list)];
}

/** `delay`: a duration ("1h", "30m"), an ISO date, or a Date. Undefined when not in the future. */
export function delayUntil(delay: string | Date | undefined, now: Date, param = "options.delay"): Date | undefined {
  if (delay === undefined) return undefined;
  let at: Date;
  if (delay instanceof Date) at = delay;
  else {
    const ms = parseDurationMs(delay);
    if (ms !== undefined) at = new Date(now.getTime() + ms);
    else {
      const parsed = Date.parse(delay);
      if (Number.isNaN(parsed)) throw badRequest(`Invalid delay "${delay}": use a duration like "1h" or "30m", or an ISO date`, param);
      at = new Date(parsed);
    }
  }
  return at.getTime() > now.getTime() ? at : undefined;
}

export function normalizeTtl(ttl: string | number | undefined, param = "options.ttl"): string | undefined {
  if (ttl === undefined) return undefined;
  if (typeof ttl === "number") return `${ttl}s`;
  if (parseDurationMs(ttl) === undefined) throw badRequest(`Invalid ttl "${ttl}": use a duration like "10m"`, param);
  return ttl;
}

export function idempotencyExpiry(ttl: string | undefined, now: Date, param = "options.idempotencyKeyTTL"): Date {
  if (ttl === undefined) return new Date(now.getTime() + DEFAULT_IDEMPOTENCY_TTL_MS);
  const ms = parseDurationMs(ttl);
  if (ms === undefined) throw badRequest(`Invalid idempotencyKeyTTL "${ttl}": use a duration like "1h"`, param);
  return new Date(now.getTime() + ms);
}

export function metadataJson(metadata: unknown, param = "options.metadata"): string | undefined {
  if (metadata === undefined || metadata === null) return undefined;
  let value = metadata;
  if (typeof metadata === "string") {
    try {
      value = JSON.parse(metadata);
    } catch {
      throw badRequest("metadata must be a JSON object", param);
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw badRequest("metadata must be a JSON object", param);
  const json = JSON.stringify(value);
  if (Buffer.byteLength(json) > LIMITS.metadataBytes) throw badRequest(`metadata exceeds ${LIMITS.metadataBytes} bytes`, param);
  return json;
}

export type { TriggerTaskOptions };
