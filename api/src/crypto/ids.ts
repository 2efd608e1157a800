import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** `length` random lowercase base36 characters (rejection sampling, so every character is equally likely). */
export function randomString(length: number, alphabet = ALPHABET): string {
  let out = "";
  const limit = 256 - (256 % alphabet.length);
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= limit) continue;
      out += alphabet[byte % alphabet.length];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A prefixed random id, e.g. `newId("run")` → `run_` + 24 lowercase characters (~124 bits). */
export function newId(prefix: string, length = 24): string {
  return `${prefix}_${randomString(length)}`;
}
