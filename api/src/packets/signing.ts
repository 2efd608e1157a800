import { createHmac, timingSafeEqual } from "node:crypto";
import type { ApiConfig } from "../config.js";

/** What a presigned URL grants: one method on one stored packet, or on one run's payload or output. */
export type PacketTarget =
  | { kind: "packet"; method: "GET" | "PUT"; environmentId: string; path: string }
  | { kind: "run"; method: "GET"; runId: string; field: "payload" | "output" };

export const PRESIGNED_PREFIX = "/api/v1/presigned";

const keys = new WeakMap<ApiConfig, Buffer>();

/** A key of its own, derived from GANTRY_ENCRYPTION_KEY, so a URL signature can never stand for anything else. */
function signingKey(config: ApiConfig): Buffer {
  let key = keys.get(config);
  if (!key) {
    key = createHmac("sha256", config.encryptionKey).update("gantry presigned packet urls v1").digest();
    keys.set(config, key);
  }
  return key;
}

function message(target: PacketTarget, expires: number): string {
  const what = target.kind === "packet" ? [target.environmentId, target.path] : [target.runId, target.field];
  return [target.method, target.kind, ...what, String(expires)].join("\n");
}

function signature(config: ApiConfig, target: PacketTarget, expires: number): string {
  return createHmac("sha256", signingKey(config)).update(message(target, expires)).digest("base64url");
}

/** An absolute URL anyone may use (no auth header) for `target.method` until GANTRY_PACKET_URL_TTL_MS from now. */
export function presignedUrl(config: ApiConfig, target: PacketTarget, nowMs: number): string {
  const expires = nowMs + config.GANTRY_PACKET_URL_TTL_MS;
  const path =
    target.kind === "packet"
      ? `${PRESIGNED_PREFIX}/packets/${encodeURIComponent(target.environmentId)}/${encodeURIComponent(target.path)}`
      : `${PRESIGNED_PREFIX}/runs/${encodeURIComponent(target.runId)}/${target.field}`;
  return `${config.publicUrl}${path}?expires=${expires}&signature=${signature(config, target, expires)}`;
}

/** Checks a presigned URL's query against its target (HMAC, constant time) and its expiry. */
export function verifyPresigned(
  config: ApiConfig,
  target: PacketTarget,
  query: { expires?: string; signature?: string },
  nowMs: number,
): "ok" | "expired" | "invalid" {
  const expires = Number(query.expires);
  if (!query.signature || !Number.isSafeInteger(expires)) return "invalid";
  const expected = Buffer.from(signature(config, target, expires));
  const given = Buffer.from(query.signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return "invalid";
  return expires < nowMs ? "expired" : "ok";
}
