import { createHmac } from "node:crypto";
import type { ApiConfig } from "../config.js";
import { safeEqual } from "../crypto/hash.js";

/**
 * A token's callback URL: POSTing any JSON there completes the token with that body (a webhook target for a
 * service that knows nothing of Gantry). The path carries an HMAC of the token id under a key derived from
 * GANTRY_ENCRYPTION_KEY, so the URL itself is the credential and nothing extra is stored.
 */
export function callbackUrl(config: ApiConfig, waitpointId: string): string {
  return `${config.publicUrl}/api/v1/waitpoints/tokens/${waitpointId}/callback/${callbackHash(config, waitpointId)}`;
}

export function callbackHash(config: ApiConfig, waitpointId: string): string {
  const key = createHmac("sha256", config.encryptionKey).update("gantry/waitpoint-callback/v1").digest();
  return createHmac("sha256", key).update(waitpointId).digest("hex").slice(0, 40);
}

export function validCallbackHash(config: ApiConfig, waitpointId: string, hash: string): boolean {
  return safeEqual(callbackHash(config, waitpointId), hash);
}
