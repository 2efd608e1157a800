import { createHmac } from "node:crypto";
import type { ApiConfig } from "../config.js";
import { signJwt, verifyJwt } from "../crypto/jwt.js";

export interface RunTokenClaims {
  environmentId: string;
  runId: string;
  attemptNumber: number;
}

/** Run tokens are signed with a key derived from GANTRY_ENCRYPTION_KEY, never with the key itself. */
function runTokenKey(config: ApiConfig): Buffer {
  return createHmac("sha256", config.encryptionKey).update("gantry/run-token/v1").digest();
}

/**
 * The short-lived token an attempt gets, scoped to its own run (metadata, child triggers, waits).
 * HS256 JWT with `typ: "run"`, `sub` = environment id. Default lifetime: 24 h (covers maxDuration).
 */
export function signRunToken(config: ApiConfig, claims: RunTokenClaims, ttlSeconds = 24 * 3600): string {
  const now = Math.floor(Date.now() / 1000);
  return signJwt(
    { typ: "run", sub: claims.environmentId, run: claims.runId, att: claims.attemptNumber, iat: now, exp: now + ttlSeconds },
    runTokenKey(config),
  );
}

/** The token's claims, or undefined if it is not a valid, unexpired run token. */
export function verifyRunToken(config: ApiConfig, token: string, nowMs = Date.now()): RunTokenClaims | undefined {
  const result = verifyJwt(token, runTokenKey(config), { nowSeconds: Math.floor(nowMs / 1000) });
  if (!result.ok) return undefined;
  const p = result.payload;
  if (p.typ !== "run" || typeof p.sub !== "string" || typeof p.run !== "string" || typeof p.att !== "number") return undefined;
  return { environmentId: p.sub, runId: p.run, attemptNumber: p.att };
}
