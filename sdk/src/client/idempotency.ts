import { ResetIdempotencyKeyResponse } from "../contracts/index.js";
import { currentExecution } from "../runtime/current.js";
import { apiClient, type RequestOptions } from "./config.js";
import { NotFoundError } from "./errors.js";

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

/** How `reset` rebuilds the hash of a plain key: its scope, and the run (and attempt) it was made in. */
export interface ResetIdempotencyKeyOptions {
  scope?: IdempotencyKeyScope;
  /** the run the key was made in (scope "run" / "attempt"); inside a task, the current run by default */
  parentRunId?: string;
  /** the attempt it was made in (scope "attempt"); inside a task, the current attempt by default */
  attemptNumber?: number;
}

/**
 * Frees an idempotency key for one task in this environment: the next trigger of that task with the key makes a
 * new run (the runs that held it are kept). The argument order and the hashing are the official client's: a key
 * from `idempotencyKeys.create` is sent as it is; a plain key is hashed with `options.scope` (default "run",
 * which needs the run it was made in: inside that run, or `parentRunId`). Outside a task a plain key passed to a
 * trigger was hashed alone, so reset it with `{ scope: "global" }`. Throws `NotFoundError` when no run holds it.
 *
 * @example
 * import { idempotencyKeys, tasks } from "@gantry/sdk";
 * await tasks.trigger("send-invoice", { id }, { idempotencyKey: `invoice-${id}` });
 * await idempotencyKeys.reset("send-invoice", `invoice-${id}`, { scope: "global" }); // may send it again
 */
async function reset(
  taskIdentifier: string,
  idempotencyKey: IdempotencyKey | string | string[],
  options: ResetIdempotencyKeyOptions = {},
  requestOptions?: RequestOptions,
): Promise<ResetIdempotencyKeyResponse> {
  const send = async (key: string) =>
    (
      await apiClient(requestOptions).request(ResetIdempotencyKeyResponse, "POST", `/api/v1/idempotencyKeys/${encodeURIComponent(key)}/reset`, {
        body: { taskIdentifier },
      })
    ).data;
  // a 64-character key is taken as already hashed when we made it, or when there is no scope to hash it with
  const hashedAlready = typeof idempotencyKey === "string" && idempotencyKey.length === 64;
  if (hashedAlready && (origins.has(idempotencyKey) || options.scope === undefined)) return send(idempotencyKey);

  const scope = options.scope ?? "run";
  const ctx = currentExecution()?.ctx;
  const parts = Array.isArray(idempotencyKey) ? [...idempotencyKey] : [idempotencyKey];
  if (scope !== "global") {
    const runId = options.parentRunId ?? ctx?.run.id;
    const attempt = options.attemptNumber ?? ctx?.attempt.number;
    if (!runId || (scope === "attempt" && attempt === undefined)) {
      if (hashedAlready) return send(idempotencyKey);
      throw new Error(
        `idempotencyKeys.reset(): a "${scope}"-scoped key is hashed with the run it was made in: call it inside that run, pass ` +
          `{ parentRunId${scope === "attempt" ? ", attemptNumber" : ""} }, or use { scope: "global" } for a key a trigger outside a task hashed alone`,
      );
    }
    parts.push(runId);
    if (scope === "attempt") parts.push(String(attempt));
  }
  const hash = await sha256Hex(parts.join("-"));
  if (!hashedAlready) return send(hash);
  // a 64-character plain key with a scope: either reading may be the stored one
  try {
    return await send(idempotencyKey);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    try {
      return await send(hash);
    } catch (fallback) {
      throw fallback instanceof NotFoundError ? error : fallback;
    }
  }
}

/**
 * Idempotency keys for triggers: `create(key, { scope })`, and `reset(taskIdentifier, key, { scope })` to make
 * a key usable again.
 *
 * @example
 * const key = await idempotencyKeys.create("welcome-email"); // scoped to the current run inside a task
 */
export const idempotencyKeys = { create, reset, isIdempotencyKey };

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
