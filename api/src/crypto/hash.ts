import { createHash, timingSafeEqual } from "node:crypto";

/** Lowercase hex sha256: how secret keys, access tokens and runner tokens are looked up. */
export function sha256Hex(value: string | Uint8Array): string {
  return createHash("sha256").update(value).digest("hex");
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** What is shown of a secret after creation: its prefix and last 4 characters. */
export function hint(token: string): string {
  const underscore = token.lastIndexOf("_");
  return `${token.slice(0, underscore + 1)}…${token.slice(-4)}`;
}
