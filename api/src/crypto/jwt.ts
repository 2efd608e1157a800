import { createHmac } from "node:crypto";
import { safeEqual } from "./hash.js";

export type JwtPayload = Record<string, unknown> & { exp?: number; iat?: number; sub?: string };

const b64url = (value: string | Buffer) => Buffer.from(value).toString("base64url");

/** Signs an HS256 JWT. */
export function signJwt(payload: JwtPayload, key: string | Buffer): string {
  const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = b64url(JSON.stringify(payload));
  const sig = createHmac("sha256", key).update(`${head}.${body}`).digest("base64url");
  return `${head}.${body}.${sig}`;
}

/** Reads a JWT's payload without verifying it (to find the key to verify it with), or undefined if malformed. */
export function decodeJwt(token: string): { header: Record<string, unknown>; payload: JwtPayload } | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8")) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1]!, "base64url").toString("utf8")) as unknown;
    if (!isObject(header) || !isObject(payload)) return undefined;
    return { header, payload: payload as JwtPayload };
  } catch {
    return undefined;
  }
}

export type JwtVerifyResult = { ok: true; payload: JwtPayload } | { ok: false; reason: "malformed" | "signature" | "expired" | "claims" };

/** Verifies an HS256 JWT's signature, `exp`/`nbf` (with 30 s leeway) and, when given, `iss`/`aud`. */
export function verifyJwt(
  token: string,
  key: string | Buffer,
  opts: { nowSeconds: number; issuer?: string; audience?: string },
): JwtVerifyResult {
  const decoded = decodeJwt(token);
  if (!decoded || decoded.header.alg !== "HS256") return { ok: false, reason: "malformed" };
  const [head, body, sig] = token.split(".") as [string, string, string];
  const expected = createHmac("sha256", key).update(`${head}.${body}`).digest("base64url");
  if (!safeEqual(sig, expected)) return { ok: false, reason: "signature" };
  const p = decoded.payload;
  const leeway = 30;
  if (typeof p.exp === "number" && p.exp + leeway < opts.nowSeconds) return { ok: false, reason: "expired" };
  if (typeof p.nbf === "number" && p.nbf - leeway > opts.nowSeconds) return { ok: false, reason: "expired" };
  if (opts.issuer !== undefined && p.iss !== opts.issuer) return { ok: false, reason: "claims" };
  if (opts.audience !== undefined) {
    const aud = p.aud;
    const ok = Array.isArray(aud) ? aud.includes(opts.audience) : aud === opts.audience;
    if (!ok) return { ok: false, reason: "claims" };
  }
  return { ok: true, payload: p };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
