/** HS256 JWTs signed with a secret key, as the official client signs public access tokens (WebCrypto: browser-safe). */

const encoder = new TextEncoder();

/**
 * Signs `claims` with `secretKey` (HS256). Adds `iss`, `aud`, `iat` and `exp` (`expiresInSeconds` from now).
 *
 * @example
 * const token = await signJwt("tr_prod_…", { scopes: ["read:runs:run_123"] }, 3600);
 */
export async function signJwt(secretKey: string, claims: Record<string, unknown>, expiresInSeconds: number, now = Date.now()): Promise<string> {
  const iat = Math.floor(now / 1000);
  const payload = { ...claims, iss: "https://id.trigger.dev", aud: "https://api.trigger.dev", iat, exp: iat + expiresInSeconds };
  const head = base64url(encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const body = base64url(encoder.encode(JSON.stringify(payload)));
  const key = await crypto.subtle.importKey("raw", encoder.encode(secretKey), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = await crypto.subtle.sign("HMAC", key, encoder.encode(`${head}.${body}`));
  return `${head}.${body}.${base64url(new Uint8Array(signature))}`;
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
