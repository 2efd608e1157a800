import { createHmac } from "node:crypto";
import type { ApiConfig } from "../config.js";
import { signJwt } from "../crypto/jwt.js";
import { badRequest } from "../errors.js";

export const JWT_ISSUER = "https://id.trigger.dev";
export const JWT_AUDIENCE = "https://api.trigger.dev";
/** The reference's default lifetime of a public access token. */
export const DEFAULT_PUBLIC_TOKEN_TTL_SECONDS = 15 * 60;

/**
 * Public access tokens Gantry signs itself (for additional API keys, run tokens and public tokens, which may not
 * self-sign) use a key derived from GANTRY_ENCRYPTION_KEY: rotating that key invalidates them, as it does run
 * tokens. Tokens the official client signs with the environment's secret key are verified with that key.
 */
export function publicTokenKey(config: ApiConfig): Buffer {
  return createHmac("sha256", config.encryptionKey).update("gantry/public-token/v1").digest();
}

export interface PublicTokenClaims {
  environmentId: string;
  scopes: string[];
  /** one-time use (trigger tokens) */
  oneTimeUse?: boolean;
  realtime?: { skipColumns?: string[] };
}

/** Signs a public access token with the reference's claims (`sub`, `pub`, `scopes`, `otu`, iss/aud/iat/exp). */
export function signPublicToken(config: ApiConfig, claims: PublicTokenClaims, expiresAtSeconds: number, nowMs = Date.now()): string {
  const iat = Math.floor(nowMs / 1000);
  return signJwt(
    {
      sub: claims.environmentId,
      pub: true,
      scopes: claims.scopes,
      ...(claims.oneTimeUse ? { otu: true } : {}),
      ...(claims.realtime ? { realtime: claims.realtime } : {}),
      iss: JWT_ISSUER,
      aud: JWT_AUDIENCE,
      iat,
      exp: expiresAtSeconds,
    },
    publicTokenKey(config),
  );
}

/**
 * The reference's `expirationTime`: a time span ("15m", "1hr", "24hr", "2 days"; jose units), a Unix timestamp
 * in seconds, or an ISO date. Returns the expiry in Unix seconds.
 */
export function expirationSeconds(value: string | number | undefined, nowMs: number, param = "expirationTime"): number {
  const now = Math.floor(nowMs / 1000);
  if (value === undefined) return now + DEFAULT_PUBLIC_TOKEN_TTL_SECONDS;
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value <= now) throw badRequest(`${param} ${value} is not a Unix timestamp (seconds) in the future`, param);
    return Math.floor(value);
  }
  const span = value.trim().match(/^(-)?\s*(\d+(?:\.\d+)?)\s*(sec|secs|second|seconds|s|min|mins|minute|minutes|m|hr|hrs|hour|hours|h|day|days|d|week|weeks|w|year|years|yr|yrs|y)(\s+ago)?$/i);
  if (span) {
    const unit = span[3]!.toLowerCase();
    const seconds =
      unit.startsWith("s") ? 1 : unit.startsWith("mi") || unit === "m" ? 60 : unit.startsWith("h") ? 3600 : unit.startsWith("d") ? 86400 : unit.startsWith("w") ? 604800 : 31557600;
    const sign = span[1] || span[4] ? -1 : 1;
    const exp = now + sign * Math.round(Number(span[2]) * seconds);
    if (exp <= now) throw badRequest(`${param} "${value}" is in the past`, param);
    return exp;
  }
  const date = Date.parse(value);
  if (Number.isFinite(date) && date > nowMs) return Math.floor(date / 1000);
  throw badRequest(`${param} "${value}" is not a time span like "15m" or "1hr", a Unix timestamp or a future date`, param);
}
