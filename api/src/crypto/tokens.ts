import { createHmac } from "node:crypto";
import { PERSONAL_ACCESS_TOKEN_PREFIX, RUNNER_TOKEN_PREFIX, SECRET_KEY_PREFIX, type EnvironmentSlug } from "@gantry/sdk/contracts";
import { randomString } from "./ids.js";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** A new secret key for an environment: `tr_dev_` + 24 base62 characters (~142 bits). */
export function generateSecretKey(slug: EnvironmentSlug): string {
  return SECRET_KEY_PREFIX[slug] + randomString(24, BASE62);
}

export function generatePersonalAccessToken(): string {
  return PERSONAL_ACCESS_TOKEN_PREFIX + randomString(40, BASE62);
}

export function generateRunnerToken(): string {
  return RUNNER_TOKEN_PREFIX + randomString(40, BASE62);
}

/**
 * A token derived from GANTRY_ENCRYPTION_KEY and a label: the demo seed uses it so `npm start` prints the same
 * access and runner tokens every time without ever storing them in clear.
 */
export function deriveToken(encryptionKey: Buffer, prefix: string, label: string, length = 40): string {
  const digest = createHmac("sha256", encryptionKey).update(`gantry/derived-token/${label}`).digest();
  let out = "";
  let n = BigInt(`0x${digest.toString("hex")}`);
  while (out.length < length) {
    out += BASE62[Number(n % 62n)];
    n /= 62n;
    if (n === 0n) n = BigInt(`0x${createHmac("sha256", encryptionKey).update(out).digest("hex")}`);
  }
  return prefix + out;
}
