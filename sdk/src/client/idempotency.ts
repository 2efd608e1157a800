import { currentExecution } from "../runtime/current.js";

export type IdempotencyKeyScope = "run" | "attempt" | "global";

/** A hashed idempotency key (64 hex characters) made by `idempotencyKeys.create`. */
export type IdempotencyKey = string & { readonly __idempotencyKey?: true };

// The original key and scope of each hashed key we made, so triggers can send `idempotencyKeyOptions`.
const origins = new Map<string, { key: string; scope: IdempotencyKeyScope }>();
const MAX_ORIGINS = 1000;

/**
 * Makes an idempotency key: the SHA-256 hex of the key parts joined with `-`. Inside a task the scope
 * adds the run id (`run`, the default) or the run id and attempt number (`attempt`); `global` adds nothing.
 *
 * @example
 * import { idempotencyKeys, tasks } from "@gantry/sdk";
 * const key = await idempotencyKeys.create(["charge", orderId], { scope: "global" });
 * await tasks.trigger("charge", { orderId }, { idempotencyKey: key });
 */
async function create(key: string | string[], options: { scope?: IdempotencyKeyScope } = {}): Promise<IdempotencyKey> {
  const scope = options.scope ?? "run";
  const parts = Array.isArray(key) ? [...key] : [key];
  const store = currentExecution();
  if (store && scope === "run") parts.push(store.ctx.run.id);
  if (store && scope === "attempt") parts.push(store.ctx.run.id, String(store.ctx.attempt.number));
  const hash = await sha256Hex(parts.join("-"));
  if (origins.size >= MAX_ORIGINS) origins.delete(origins.keys().next().value as string);
  origins.set(hash, { key: Array.isArray(key) ? key.join("-") : key, scope });
  return hash as IdempotencyKey;
}

/** True for a string that already is a hashed key (sent unchanged). */
function isIdempotencyKey(value: unknown): value is IdempotencyKey {
  return typeof value === "string" && /^[a-f0-9]{64}$/.test(value);
}

/**
 * Idempotency keys for triggers: `create(key, { scope })`.
 *
 * @example
 * const key = await idempotencyKeys.create("welcome-email"); // scoped to the current run inside a task
 */
export const idempotencyKeys = { create, isIdempotencyKey };

/** The hashed key and its options as a trigger sends them. */
export async function resolveIdempotencyKey(
  value: string | string[] | undefined,
): Promise<{ idempotencyKey: string; idempotencyKeyOptions?: { key: string; scope: IdempotencyKeyScope } } | undefined> {
  if (value === undefined) return undefined;
  if (typeof value === "string" && isIdempotencyKey(value)) {
    const origin = origins.get(value);
    return origin ? { idempotencyKey: value, idempotencyKeyOptions: origin } : { idempotencyKey: value };
  }
  const hash = await create(value, { scope: "run" });
  return { idempotencyKey: hash, idempotencyKeyOptions: origins.get(hash)! };
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
