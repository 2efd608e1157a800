import { TriggerTaskResponse, type MachinePreset } from "../contracts/index.js";
import { currentExecution } from "../runtime/current.js";
import { apiClient, envLockVersion, type RequestOptions } from "./config.js";
import { resolveIdempotencyKey, type IdempotencyKeyScope } from "./idempotency.js";
import { signJwt } from "./jwt.js";
import { packetClient, packetPathPrefix } from "./packet-client.js";
import { byteLength, offloadPacket, stringifyPacket, type Packet } from "./packets.js";

/** Options of a trigger (the reference's trigger options). */
export interface TriggerOptions {
  /** a hashed key from `idempotencyKeys.create`, or a plain string (hashed with scope "run") or parts */
  idempotencyKey?: string | string[];
  idempotencyKeyTTL?: string;
  /** "1h", "88s", an ISO date string, or a Date */
  delay?: string | Date;
  /** "10m" or seconds */
  ttl?: string | number;
  /** the name of a queue declared in code */
  queue?: string;
  concurrencyKey?: string;
  maxAttempts?: number;
  tags?: string | string[];
  metadata?: Record<string, unknown>;
  /** seconds */
  maxDuration?: number;
  machine?: MachinePreset;
  /** seconds of head start in the queue */
  priority?: number;
  /** pin a deployed version (default GANTRY_VERSION / TRIGGER_VERSION) */
  version?: string;
  region?: string;
  test?: boolean;
  publicTokenOptions?: { expirationTime?: number };
}

/**
 * What a trigger returns: the run id, whether an idempotency key returned an existing run, and a token
 * that may read this run (for a frontend).
 */
export interface RunHandle<TIdentifier extends string = string, TPayload = unknown, TOutput = unknown> {
  id: string;
  isCached?: boolean;
  publicAccessToken: string;
  taskIdentifier: TIdentifier;
  /** type-only: lets `runs.retrieve(handle)` type payload and output */
  readonly __types?: { payload: TPayload; output: TOutput };
}

/** POST /api/v1/tasks/{taskId}/trigger with the official body. */
export async function triggerTask<TIdentifier extends string, TPayload, TOutput>(
  taskId: TIdentifier,
  payload: unknown,
  options: TriggerOptions = {},
  requestOptions?: RequestOptions,
): Promise<RunHandle<TIdentifier, TPayload, TOutput>> {
  const client = apiClient(requestOptions);
  // inside a task a trigger is a durable step: a replay of the run gets the same child run back, not a second one
  const store = currentExecution();
  const step = store?.steps?.next();
  const requestIdempotencyKey = store && step !== undefined ? `gantry-step:${store.execution.run.id}:${step}` : undefined;
  const encoded = stringifyPacket(payload);
  // 128 KiB and more: uploaded first, the trigger carries its storage path (wire-format.md §3.3)
  const packet = await offloadPacket(packetClient(client), encoded, packetPathPrefix());
  const idempotency = await resolveIdempotencyKey(options.idempotencyKey);
  const parentRunId = currentExecution()?.ctx.run.id;
  const lockToVersion = options.version ?? envLockVersion();

  const body = {
    ...(packet.data !== undefined ? { payload: packet.data } : {}),
    options: triggerBodyOptions(options, { packet, payloadSize: byteLength(encoded.data), idempotency, lockToVersion, parentRunId }),
  };

  const { data, headers } = await client.request(
    TriggerTaskResponse,
    "POST",
    `/api/v1/tasks/${encodeURIComponent(taskId)}/trigger`,
    { body, spanParentAsLink: true, ...(requestIdempotencyKey ? { requestIdempotencyKey } : {}) },
  );
  const publicAccessToken = await publicTokenFor(headers, client.accessToken, !client.options.insideTask, [`read:runs:${data.id}`], options.publicTokenOptions?.expirationTime);
  const handle: RunHandle<TIdentifier, TPayload, TOutput> = { id: data.id, publicAccessToken, taskIdentifier: taskId };
  if (data.isCached !== undefined) handle.isCached = data.isCached;
  return handle;
}

/** What a trigger body carries besides the caller's options. Each caller passes what applies to it. */
export interface TriggerBodyContext {
  /** the payload as sent (its storage path once offloaded) */
  packet: Packet;
  /** UTF-8 bytes of the payload before any offload; undefined: not sent */
  payloadSize: number | undefined;
  /** the resolved key (server triggers and batch items; a browser trigger token sends none) */
  idempotency?: { idempotencyKey: string; idempotencyKeyOptions?: { key: string; scope: IdempotencyKeyScope } };
  lockToVersion?: string;
  /** the run this trigger is made from, inside a task */
  parentRunId?: string;
}

/**
 * The `options` of a trigger body, shared by `tasks.trigger`, browser triggers and batch items. Key order
 * follows the official client's bodies (wire-format.md §3.2); undefined keys are dropped by JSON.
 */
export function triggerBodyOptions(options: TriggerOptions, ctx: TriggerBodyContext) {
  return {
    queue: options.queue ? { name: options.queue } : undefined,
    concurrencyKey: options.concurrencyKey,
    payloadType: ctx.packet.dataType,
    payloadSize: ctx.payloadSize,
    idempotencyKey: ctx.idempotency?.idempotencyKey,
    idempotencyKeyOptions: ctx.idempotency?.idempotencyKeyOptions,
    idempotencyKeyTTL: options.idempotencyKeyTTL,
    delay: options.delay,
    ttl: options.ttl,
    tags: options.tags,
    maxAttempts: options.maxAttempts,
    metadata: options.metadata,
    maxDuration: options.maxDuration,
    machine: options.machine,
    priority: options.priority,
    lockToVersion: ctx.lockToVersion,
    region: options.region,
    test: options.test,
    parentRunId: ctx.parentRunId,
  };
}

/**
 * The server's `x-trigger-jwt` if sent; otherwise a JWT self-signed with the secret key from the
 * `x-trigger-jwt-claims` claims plus the scopes (1 h), as the official client does. Run tokens may not self-sign.
 */
export async function publicTokenFor(
  headers: Headers,
  secretKey: string,
  maySelfSign: boolean,
  scopes: string[],
  expiresInSeconds = 3600,
): Promise<string> {
  const jwt = headers.get("x-trigger-jwt");
  if (jwt) return jwt;
  if (!maySelfSign) return "";
  let claims: Record<string, unknown> = {};
  const raw = headers.get("x-trigger-jwt-claims");
  if (raw) {
    try {
      const parsed: unknown = JSON.parse(raw);
      if (parsed && typeof parsed === "object") claims = parsed as Record<string, unknown>;
    } catch {
      // A malformed claims header still leaves a token scoped to this run.
    }
  }
  return signJwt(secretKey, { ...claims, scopes }, expiresInSeconds);
}
