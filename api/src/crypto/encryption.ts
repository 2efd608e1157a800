import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/**
 * AES-256-GCM with GANTRY_ENCRYPTION_KEY, for secret keys and env var values at rest.
 * Format: `v1.<iv b64url>.<tag b64url>.<ciphertext b64url>`.
 */
export function encrypt(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), data.toString("base64url")].join(".");
}

/** Throws when the value was encrypted with another key or tampered with. */
export function decrypt(key: Buffer, value: string): string {
  const [version, iv, tag, data] = value.split(".");
  if (version !== "v1" || iv === undefined || tag === undefined || data === undefined) {
    throw new Error("decrypt: not a v1 encrypted value");
  }
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
  decipher.setAuthTag(Buffer.from(tag, "base64url"));
  try {
    return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
  } catch (error) {
    throw new Error("decrypt failed: was GANTRY_ENCRYPTION_KEY changed since this value was stored?", { cause: error });
  }
}
