import { parseDurationMs, type CreateWaitpointTokenRequest, type CreateWaitpointTokenResponse } from "@gantry/sdk/contracts";
import type { ApiDeps, AuthEnvironment } from "../context.js";
import { badRequest, notFound } from "../errors.js";
import { signPublicToken } from "../auth/public-token.js";
import { newId } from "../crypto/ids.js";
import { normalizeTags } from "../runs/trigger-options.js";
import { callbackUrl } from "./callback.js";
import { resumeWaitingRuns } from "./resume.js";
import { wakeAt } from "./timers.js";
import { completeWaitpoints, insertWaitpoint, selectWaitpoint, type WaitpointRow } from "./queries/waitpoints.js";

/** The reference's defaults: a token times out after 10 minutes; its idempotency key lives 1 hour. */
const DEFAULT_TIMEOUT = "10m";
const DEFAULT_IDEMPOTENCY_TTL = "1h";
const MAX_TOKEN_TAGS = 10;

/** POST /api/v1/waitpoints/tokens (and wait.createToken inside a run). */
export async function createToken(
  deps: ApiDeps,
  environment: AuthEnvironment,
  body: CreateWaitpointTokenRequest,
): Promise<CreateWaitpointTokenResponse & { row: WaitpointRow }> {
  const now = deps.clock();
  const timeoutAt = timePeriod(body.timeout ?? DEFAULT_TIMEOUT, now, "timeout");
  const tags = normalizeTags(body.tags, "tags");
  if (tags.length > MAX_TOKEN_TAGS) throw badRequest(`A token can have at most ${MAX_TOKEN_TAGS} tags (got ${tags.length})`, "tags");
  const ttlMs = parseDurationMs(body.idempotencyKeyTTL ?? DEFAULT_IDEMPOTENCY_TTL);
  if (ttlMs === undefined) throw badRequest(`Invalid idempotencyKeyTTL "${body.idempotencyKeyTTL}": use a duration like "1h"`, "idempotencyKeyTTL");
  const { row, isCached } = await insertWaitpoint(deps.sql, {
    id: newId("waitpoint"),
    environmentId: environment.id,
    projectId: environment.projectId,
    kind: "MANUAL",
    completedAfter: timeoutAt,
    ...(body.idempotencyKey ? { idempotencyKey: body.idempotencyKey, idempotencyKeyExpiresAt: new Date(now.getTime() + ttlMs) } : {}),
    tags,
  });
  if (!isCached) wakeAt(deps, timeoutAt);
  return { id: row.id, isCached, url: callbackUrl(deps.config, row.id), row };
}

/**
 * Completes a token with `output` (JSON). Completing one that is already complete changes nothing and still
 * succeeds (a webhook retried by its sender). 404 for an unknown token or another kind of waitpoint.
 */
export async function completeToken(deps: ApiDeps, environmentId: string | undefined, tokenId: string, output: unknown): Promise<void> {
  const row = environmentId ? await selectWaitpoint(deps.sql, environmentId, tokenId) : await selectAnyWaitpoint(deps, tokenId);
  if (!row || row.kind !== "MANUAL") throw notFound(`Waitpoint token ${tokenId} not found in this environment`, "tokenId");
  const json = JSON.stringify(output === undefined ? {} : output);
  const completed = await completeWaitpoints(deps.sql, [{ id: row.id, output: json, outputType: "application/json", isError: false }]);
  await resumeWaitingRuns(deps, completed);
}

async function selectAnyWaitpoint(deps: ApiDeps, id: string): Promise<WaitpointRow | undefined> {
  const [row] = await deps.sql<WaitpointRow[]>`select * from waitpoints where id = ${id}`;
  return row;
}

/** The reference's lifetime of a token's public access token (the official client signs it for 24 h). */
const PUBLIC_TOKEN_TTL_MS = 24 * 3600_000;

/**
 * A public access token that may complete this one token (`write:waitpoints:<id>`), signed by the api for
 * callers that cannot sign one (a run's token inside a task, public tokens). It lasts the reference's 24 h, or
 * until the token's timeout when that is later (a frontend may complete a 4-week token on day 3).
 */
export function tokenPublicAccessToken(deps: ApiDeps, environmentId: string, token: { id: string; completed_after: Date | null }): string {
  const nowMs = deps.clock().getTime();
  const expiresMs = Math.max(nowMs + PUBLIC_TOKEN_TTL_MS, token.completed_after?.getTime() ?? 0);
  return signPublicToken(deps.config, { environmentId, scopes: [`write:waitpoints:${token.id}`] }, Math.floor(expiresMs / 1000), nowMs);
}

/** "30s", "1m", "2h", "3d", "4w", or a date. */
export function timePeriod(value: string | Date, now: Date, param: string): Date {
  if (value instanceof Date) return value;
  const ms = parseDurationMs(value);
  if (ms !== undefined) return new Date(now.getTime() + ms);
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw badRequest(`Invalid ${param} "${value}": use a duration like "10m" or "4w", or an ISO date`, param);
  return new Date(parsed);
}
