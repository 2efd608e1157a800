import { TriggerTaskResponse } from "../contracts/index.js";
import { ApiClient } from "../client/api-client.js";
import { DEFAULT_API_URL } from "../client/config.js";
import { byteLength, stringifyPacket } from "../client/packets.js";
import { triggerBodyOptions, type RunHandle } from "../client/trigger.js";

/** Options a browser may pass when triggering with a trigger token. */
export interface BrowserTriggerOptions {
  tags?: string | string[];
  idempotencyKey?: string;
  delay?: string | Date;
  ttl?: string | number;
  metadata?: Record<string, unknown>;
  maxAttempts?: number;
  queue?: string;
  concurrencyKey?: string;
}

/**
 * Triggers with an explicit token (a trigger token from `auth.createTriggerPublicToken`). The run's read token
 * comes back in `x-trigger-jwt`: a public token cannot sign one itself.
 */
export async function triggerWithToken<TPayload, TOutput>(
  taskId: string,
  payload: unknown,
  conn: { accessToken: string; baseURL?: string; fetch?: typeof fetch },
  options: BrowserTriggerOptions = {},
): Promise<RunHandle<string, TPayload, TOutput>> {
  const client = new ApiClient({
    baseURL: conn.baseURL ?? DEFAULT_API_URL,
    accessToken: conn.accessToken,
    insideTask: false,
    // a one-time token must not be retried into a second use
    retry: { maxAttempts: 1 },
    fetch: conn.fetch ?? globalThis.fetch.bind(globalThis),
  });
  const packet = stringifyPacket(payload);
  // the shared builder, switched to what a trigger token may send: no idempotency, version or parent
  const body = {
    ...(packet.data !== undefined ? { payload: packet.data } : {}),
    options: triggerBodyOptions(options, { packet, payloadSize: byteLength(packet.data) }),
  };
  const { data, headers } = await client.request(TriggerTaskResponse, "POST", `/api/v1/tasks/${encodeURIComponent(taskId)}/trigger`, { body });
  return { id: data.id, publicAccessToken: headers.get("x-trigger-jwt") ?? "", taskIdentifier: taskId };
}
