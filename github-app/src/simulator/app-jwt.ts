import { createPublicKey, generateKeyPairSync, verify, type KeyObject } from "node:crypto";

/** A fresh RSA key pair for a simulated GitHub App (PKCS#1 PEM, as GitHub hands out). */
export function generateAppKey(): { privateKeyPem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { privateKeyPem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(), publicKey };
}

export function publicKeyOf(privateKeyPem: string): KeyObject {
  return createPublicKey(privateKeyPem);
}

/** Verifies an app JWT (RS256, `iss` = app id, not expired) the way GitHub does; returns why it is refused, or null. */
export function checkAppJwt(token: string, publicKey: KeyObject, appId: number, now = Date.now()): string | null {
  const [header, payload, signature] = token.split(".");
  if (!header || !payload || !signature) return "A JSON web token could not be decoded";
  const ok = verify("RSA-SHA256", Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, "base64url"));
  if (!ok) return "A JSON web token could not be decoded";
  const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { iss?: unknown; exp?: number; iat?: number };
  if (String(claims.iss) !== String(appId)) return "Integration not found";
  if (typeof claims.exp !== "number" || claims.exp * 1000 < now) return "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
  return null;
}
